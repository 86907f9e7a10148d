"""TODO"""

from flask import render_template

from web.ui.session import page_blueprint

blueprint = page_blueprint("disputes_ui", __name__)


@blueprint.get("/disputes")
def list_disputes():
    return render_template("error.html", status=200, title="disputes", detail="")
