"""The HTML pages: server-rendered, one blueprint per audience or area.

Every page is reached through a revocable session (see `web.ui.session`), every form
carries a CSRF token, and no GET changes anything.
"""

from flask import Flask
from flask import redirect
from flask import request
from flask import session as cookies
from flask import url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError

from mediation.reports import reads_histories
from outreach import inbox
from web.ui import filters
from web.ui import session
from web.ui.error_pages import render_error
from web.ui.session import csrf

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Cookies stay out of reach of scripts and cross-site posts; the session row, not the
# cookie, decides how long a session lives. CSRF is checked by the page blueprints.
PAGE_CONFIG = {
    "SESSION_COOKIE_NAME": "accord_session",
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "WTF_CSRF_CHECK_DEFAULT": False,
    "WTF_CSRF_TIME_LIMIT": None,
}


class SessionCookies(SecureCookieSessionInterface):
    """The signed session cookie, marked Secure whenever the page was served over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def open_session(self, app, request):
        """Without a cookie there is nothing to verify, so no signer is built: an API
        client sends none, on every call."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def _secure_headers(response):
    """Security headers on every response (a signed-in person's are never stored either:
    see web._never_store_signed_in_answers)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


FEEDBACK = "feedback"  # the id of the page's focusable notice of what was just done


def _feedback_in_view(response):
    """A form sent leads to a page that opens at the notice of what it did, wherever on the
    page the form was: the redirect goes to the notice's fragment, which the browser
    scrolls to and focuses, without a script."""
    if request.method == "POST" and response.status_code in (302, 303) and cookies.get("_flashes"):
        response.headers["Location"] = response.headers["Location"].split("#")[0] + "#" + FEEDBACK
    return response


def navigation(actor) -> list[tuple[str, str]]:
    """The main menu for a person: everyone works disputes and protocols; auditors and
    administrators get their own areas."""
    if actor is None:
        return []
    items = [("home_ui.home", "Home"), ("disputes_ui.list_disputes", "Disputes"), ("protocols_ui.board", "Protocols"),
             ("relationship_ui.list_relationships", "Relationships")]
    if reads_histories(actor):
        items.append(("audit_ui.histories", "Audit"))
    if actor.has("admin"):
        items.append(("admin_ui.index", "Admin"))
    return items


def _page_context():
    actor = session.viewer()
    unread = inbox.unread_count(actor) if actor is not None else 0
    return {"viewer": actor, "navigation": navigation(actor), "unread_notifications": unread}


def _favicon():
    """Browsers ask for /favicon.ico whatever the page links to: the icon is the SVG."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


def register(app: Flask) -> None:
    from web.ui import admin
    from web.ui import advocacy
    from web.ui import api_reference
    from web.ui import audit
    from web.ui import diagrams
    from web.ui import disputes
    from web.ui import home
    from web.ui import notifications
    from web.ui import outbox
    from web.ui import passwords
    from web.ui import profile
    from web.ui import protocols
    from web.ui import relationship
    from web.ui import search
    from web.ui import team
    from web.ui import unsubscribe
    from web.ui import webhooks

    app.session_interface = SessionCookies()
    csrf.init_app(app)
    app.after_request(_secure_headers)
    app.after_request(_feedback_in_view)
    app.context_processor(_page_context)
    filters.register(app)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        session.record_refusal("csrf_refused", error.description)
        return render_error(400, "The form has expired",
                            "The form could not be checked (its security token is missing or wrong). "
                            "Go back, reload the page and send it again.")

    for module in (session, passwords, home, disputes, protocols, relationship, team, advocacy, search, notifications, profile,
                   audit, admin, outbox, webhooks, unsubscribe, diagrams, api_reference):
        app.register_blueprint(module.blueprint)
