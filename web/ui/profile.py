"""The profile page: a person's own details, password, API tokens and calendar links, and
how notifications reach them."""

from functools import cache
from zoneinfo import available_timezones

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from mediation import credentials
from mediation import sessions
from mediation.errors import Invalid
from outreach import settings
from outreach.kinds import FREQUENCIES
from outreach.kinds import FREQUENCY_LABELS
from outreach.kinds import KINDS
from web.ui.forms import cursor
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("profile_ui", __name__)

TOKENS_PER_PAGE = 20


@cache
def zones() -> list[tuple[str, str]]:
    """Every named zone a person lives in (Area/City), by name: not the legacy aliases."""
    named = sorted(zone for zone in available_timezones()
                   if "/" in zone and zone.split("/")[0] not in ("Etc", "SystemV", "US", "posix", "right"))
    return [("UTC", "UTC")] + [(zone, zone.replace("_", " ")) for zone in named]


def notification_form(chosen: settings.Settings) -> dict:
    return {
        **{f"kind-{name}": frequency for name, frequency in chosen.frequencies.items()},
        "digest_hour": str(chosen.digest_hour), "quiet_from": chosen.quiet_from or "", "quiet_to": chosen.quiet_to or "",
    }


def render_profile(forms: dict | None = None, errors: dict | None = None, status: int = 200):
    """The page with each form filled from what is stored, unless `forms` (keyed by form:
    details, password, token, notifications) hold what was sent back with `errors`."""
    actor = viewer()
    chosen = settings.settings_of(actor.person_id)
    filled = {
        "details": {"name": actor.person.name, "timezone": chosen.timezone},
        "password": {},
        "token": {},
        "notifications": notification_form(chosen),
        **(forms or {}),
    }
    return render_template(
        "profile/profile.html", forms=filled, errors=errors or {}, zones=zones(),
        tokens=credentials.own_tokens(actor.person_id, before=cursor(request.args, "before"), limit=TOKENS_PER_PAGE),
        kinds=KINDS.values(), frequencies=[(value, FREQUENCY_LABELS[value]) for value in FREQUENCIES],
        hours=[(str(hour), f"{hour:02d}:00") for hour in range(24)],
    ), status


@blueprint.get("/profile")
def profile():
    return render_profile()


@blueprint.post("/profile/details")
def change_details():
    form = request.form.to_dict()
    try:
        settings.change_details(viewer(), clock(), name=form.get("name", ""), timezone=form.get("timezone", ""))
    except Invalid as error:
        return render_profile({"details": form}, {"details": error.errors}, 422)
    flash("Your details are saved.", "success")
    return redirect(url_for("profile_ui.profile", _anchor="details-heading"))


@blueprint.post("/profile/password")
def change_password():
    form = request.form
    try:
        ended = sessions.change_password(viewer().person, clock().now(), current=form.get("current", ""),
                                         password=form.get("password", ""), repeated=form.get("repeated", ""),
                                         session_key=session["key"])
    except Invalid as error:
        return render_profile({"password": {}}, {"password": error.errors}, 422)
    elsewhere = f" {ended} other sign-in{'s' if ended != 1 else ''} ended." if ended else ""
    flash(f"Your password is changed.{elsewhere}", "success")
    return redirect(url_for("profile_ui.profile", _anchor="password-heading"))


@blueprint.post("/profile/tokens")
def create_token():
    form = request.form.to_dict()
    try:
        row, plain = credentials.issue_own_token(viewer(), clock().now(), form.get("label", ""))
    except Invalid as error:
        return render_profile({"token": form}, {"token": error.errors}, 422)
    return render_template("profile/token.html", token=row, plain=plain)


@blueprint.post("/profile/tokens/<int:token_id>/revoke")
def revoke_token(token_id):
    revoked = credentials.revoke_own_token(viewer().person_id, token_id, clock().now())
    flash(f"\u201c{revoked.label or revoked.hint}\u201d is revoked: it no longer works.", "success")
    return redirect(url_for("profile_ui.profile", _anchor="tokens-heading"))
