"""TODO"""

from flask import render_template

from web.ui.session import page_blueprint

blueprint = page_blueprint("diagrams_ui", __name__)


@blueprint.get("/diagrams")
def diagrams():
    return render_template("error.html", status=200, title="diagrams", detail="")
