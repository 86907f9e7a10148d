"""TODO"""

from flask import render_template

from web.ui.session import page_blueprint

blueprint = page_blueprint("admin_ui", __name__)


@blueprint.get("/admin")
def index():
    return render_template("error.html", status=200, title="admin", detail="")
