"""Setting a password from an invitation or a reset link, and asking for a reset: pages
for people who are not signed in."""

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from mediation.errors import Invalid
from mediation.errors import NotFound
from outreach import passwords
from web.ui.error_pages import render_error
from web.ui.session import clock
from web.ui.session import csrf

blueprint = Blueprint("passwords_ui", __name__)


def _gone(_error):
    return render_error(404, "This link does not work",
                        "It was used already, or it is more than its hours old, or it is not one Accord sent. "
                        "Ask for a new one on the sign-in page (Forgot your password?).")


blueprint.register_error_handler(NotFound, _gone)


@blueprint.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    if request.method == "GET":
        return render_template("password_forgot.html", email="", sent=False, limited=False)
    csrf.protect()
    email = request.form.get("email", "").strip()
    if not email:
        return render_template("password_forgot.html", email="", sent=False, limited=False,
                               error="Enter the email address you sign in with."), 400
    if not passwords.request_reset(email, clock().now(), request.remote_addr):
        return render_template("password_forgot.html", email=email, sent=False, limited=True), 429
    return render_template("password_forgot.html", email=email, sent=True, limited=False)


@blueprint.get("/password/<token>")
def choose(token):
    return render_template("password_set.html", link=passwords.link_of(token, clock().now()), token=token,
                           errors={})


@blueprint.post("/password/<token>")
def set_password(token):
    csrf.protect()
    now = clock().now()
    try:
        passwords.set_password(token, request.form.get("password", ""), request.form.get("repeated", ""), now)
    except Invalid as error:
        return render_template("password_set.html", link=passwords.link_of(token, now), token=token,
                               errors=error.errors), 422
    return redirect(url_for("session_ui.login", password_set=1))
