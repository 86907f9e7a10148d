"""The notifications page, and the profile page's form of notification settings."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from mediation.errors import Invalid
from outreach import inbox
from outreach import settings
from outreach.kinds import KINDS
from web.ui.forms import cursor
from web.ui.profile import render_profile
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("notifications_ui", __name__)

@blueprint.get("/notifications")
def notifications():
    actor = viewer()
    unread = request.args.get("show") == "unread"
    found = inbox.notifications_of(actor, before=cursor(request.args, "before"), unread=unread)
    return render_template("notifications/list.html", page=found, unread=unread,
                           unread_total=inbox.unread_count(actor))


@blueprint.post("/notifications/<int:notification_id>/open")
def open_notification(notification_id):
    """Following a notification marks it read."""
    notification = inbox.mark_read(viewer(), notification_id, clock().now())
    return redirect(notification.path)


@blueprint.post("/notifications/<int:notification_id>/read")
def mark_read(notification_id):
    inbox.mark_read(viewer(), notification_id, clock().now())
    flash("Marked as read.", "success")
    return redirect(url_for("notifications_ui.notifications", **request.args))


@blueprint.post("/notifications/read")
def mark_all_read():
    marked = inbox.mark_all_read(viewer(), clock().now())
    flash(f"{marked} notification{'s' if marked != 1 else ''} marked as read." if marked
          else "Nothing was unread.", "success")
    return redirect(url_for("notifications_ui.notifications"))


@blueprint.post("/profile/notifications")
def change_settings():
    form = request.form.to_dict()
    quiet_from, quiet_to = form.get("quiet_from", "").strip(), form.get("quiet_to", "").strip()
    hour = form.get("digest_hour", "")
    try:
        settings.change_settings(
            viewer(), clock().now(),
            kinds={name: form.get(f"kind-{name}", "") for name in KINDS},
            digest_hour=int(hour) if hour.isascii() and hour.isdigit() else -1,
            quiet_hours={"from": quiet_from, "to": quiet_to} if quiet_from or quiet_to else None,
        )
    except Invalid as error:
        errors = {name.replace("kinds.", "kind-").replace("quiet_hours.from", "quiet_from")
                  .replace("quiet_hours.to", "quiet_to"): messages for name, messages in error.errors.items()}
        return render_profile({"notifications": form}, {"notifications": errors}, 422)
    flash("Your notification settings are saved.", "success")
    return redirect(url_for("profile_ui.profile"))
