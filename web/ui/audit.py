"""TODO"""

from flask import render_template

from web.ui.session import page_blueprint

blueprint = page_blueprint("audit_ui", __name__)


@blueprint.get("/audit")
def histories():
    return render_template("error.html", status=200, title="audit", detail="")
