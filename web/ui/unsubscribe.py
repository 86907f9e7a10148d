"""One-click unsubscribe (RFC 8058): the link in every mail turns its kinds off for its
person, without signing in. A mail program POSTs to it; a person who opens it in a browser
is asked first. The link itself is the credential: it holds a random token of that mail."""

from flask import Blueprint
from flask import render_template

from mediation.errors import NotFound
from outreach import settings
from outreach.kinds import KINDS
from web.ui.error_pages import render_error
from web.ui.session import clock
from web.ui.session import csrf

blueprint = Blueprint("unsubscribe_ui", __name__)


def _render(found: settings.Unsubscribing, token: str, done: bool):
    return render_template("unsubscribe.html", done=done, name=found.name, token=token,
                           kinds=[KINDS[kind].label for kind in found.kinds])


def _gone(_error):
    return render_error(404, "Link not found", "This unsubscribe link is not one Accord sent. Sign in and change "
                                               "how often you are mailed on your profile.")


blueprint.register_error_handler(NotFound, _gone)


@blueprint.get("/unsubscribe/<token>")
def confirm(token):
    return _render(settings.unsubscribing(token), token, done=False)


@blueprint.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token):
    return _render(settings.unsubscribe(token, clock().now()), token, done=True)
