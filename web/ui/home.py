"""TODO"""

from flask import render_template

from web.ui.session import page_blueprint

blueprint = page_blueprint("home_ui", __name__)


@blueprint.get("/")
def home():
    return render_template("error.html", status=200, title="home", detail="")
