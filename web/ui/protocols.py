"""TODO"""

from flask import render_template

from web.ui.session import page_blueprint

blueprint = page_blueprint("protocols_ui", __name__)


@blueprint.get("/protocols")
def board():
    return render_template("error.html", status=200, title="protocols", detail="")
