"""Signing in and out, and the page blueprints' shared guard.

The cookie holds only a random session key (Flask signs it); `mediation.sessions` keeps
the session row that decides whether it is still live.
"""

import re
import secrets
from urllib.parse import urlsplit

from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf.csrf import CSRFProtect
from marshmallow import ValidationError
from peewee import IntegrityError

from mediation import sessions
from mediation.access import Actor
from mediation.errors import Conflict
from mediation.errors import DomainError
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from web.ui.error_pages import render_error

blueprint = Blueprint("session_ui", __name__)
csrf = CSRFProtect()

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# A random key this browser keeps once it has signed in, so that failed sign-ins made
# elsewhere never hold it back (see mediation.sessions).
DEVICE_COOKIE = "accord_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie
_DEVICE_KEY = re.compile(r"[A-Za-z0-9_-]{43}")
THROTTLED = {
    "email": "Several sign-ins to this account failed from browsers it has not used before, so new "
             "attempts from them wait a little. Try again in {wait}. A browser you have "
             "signed in with before is not held back.",
    "address": "Many sign-ins from your network failed in the last few minutes, so new attempts wait a "
               "little. Try again in {wait}.",
    "device": "Several sign-ins from this browser failed, so it waits a little. Try again in {wait}.",
}


def clock():
    return current_app.config["CLOCK"]


def _address() -> str | None:
    return request.remote_addr


def _device_key() -> str:
    """This browser's key from its device cookie, or a new one to give it on success."""
    kept = request.cookies.get(DEVICE_COOKIE, "")
    return kept if _DEVICE_KEY.fullmatch(kept) else secrets.token_urlsafe(32)


def viewer() -> Actor | None:
    """The signed-in person of this request, or None (the session cookie is then dropped)."""
    if "viewer" in g:
        return g.viewer
    key = session.get("key")
    person = sessions.resume(key, clock().now()) if key else None
    if key and person is None:
        session.clear()
    g.viewer = Actor.of(person) if person else None
    return g.viewer


def record_refusal(kind: str, detail: str = "") -> None:
    actor = g.get("viewer")
    sessions.record_refusal(kind, clock().now(), person_id=actor.person_id if actor else None,
                            address=_address(), path=request.path, detail=detail)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect a signed-in person elsewhere."""
    if not target:
        return url_for("home_ui.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home_ui.home")
    return target


def _require_viewer():
    if viewer() is None:
        target = request.full_path if request.method in SAFE_METHODS else None
        return redirect(url_for("session_ui.login", next=target.rstrip("?") if target else None))
    if request.method not in SAFE_METHODS:
        csrf.protect()
    return None


def _refused(error: Forbidden):
    record_refusal("access_refused", error.detail)
    return render_error(403, "Not allowed", error.detail)


def _missing(error: NotFound):
    return render_error(404, "Not found", error.detail)


def _conflict(error: Conflict):
    return render_error(409, "Not possible now", error.detail)


def _refused_input(error: DomainError):
    return render_error(400, "Not possible", error.detail)


def _clash(_error: IntegrityError):
    return render_error(409, "Changed meanwhile",
                        "What you sent clashes with a change someone made at the same moment. "
                        "Go back, reload the page and try again.")


def _invalid(error):
    messages = error.errors if isinstance(error, Invalid) else error.messages
    detail = "; ".join(f"{name}: {' '.join(map(str, texts))}" for name, texts in sorted(messages.items()))
    return render_error(422, "Invalid request", detail)


def page_blueprint(name: str, import_name: str, **kwargs) -> Blueprint:
    """A blueprint of pages for signed-in people: anonymous callers are sent to the login
    page, forms are checked for their CSRF token, domain refusals become error pages."""
    bp = Blueprint(name, import_name, **kwargs)
    bp.before_request(_require_viewer)
    bp.register_error_handler(Forbidden, _refused)
    bp.register_error_handler(NotFound, _missing)
    bp.register_error_handler(StaleVersion, _conflict)
    bp.register_error_handler(Conflict, _conflict)
    bp.register_error_handler(Invalid, _invalid)
    bp.register_error_handler(ValidationError, _invalid)
    bp.register_error_handler(DomainError, _refused_input)
    bp.register_error_handler(IntegrityError, _clash)
    return bp


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if viewer() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", email="", error=None, next=request.args.get("next", ""))
    csrf.protect()
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    if not email or not password:
        return render_template("login.html", email=email, next=target,
                               error="Enter your email address and your password."), 400
    device_key = _device_key()
    outcome = sessions.sign_in(email, password, clock().now(), _address(), device_key)
    if outcome.throttled:
        seconds = outcome.retry_after
        error = THROTTLED[outcome.throttled_by].format(wait=f"{seconds} second{'' if seconds == 1 else 's'}")
        return render_template("login.html", email=email, next=target, error=error), 429, \
            {"Retry-After": str(outcome.retry_after)}
    if outcome.key is None:
        return render_template("login.html", email=email, next=target,
                               error="That email and password do not match an active account."), 401
    if session.get("key"):
        sessions.sign_out(session["key"], clock().now(), _address())
    session.clear()
    session["key"] = outcome.key
    response = redirect(_safe_next(target))
    response.set_cookie(DEVICE_COOKIE, device_key, max_age=DEVICE_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@blueprint.post("/logout")
def logout():
    csrf.protect()
    key = session.get("key")
    if key:
        sessions.sign_out(key, clock().now(), _address())
    session.clear()
    return redirect(url_for("session_ui.login", signed_out=1))
