"""The caller's notifications and their settings for them (`/me/notifications`,
`/me/notification-settings`)."""

from flask import Blueprint

from outreach import inbox
from outreach import settings
from web import outreach_schemas as schemas
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api import paged
from web.api.documented import Page
from web.api.documented import documented
from web.auth import current_actor
from web.links import absolute

blueprint = Blueprint("notifications_api", __name__)

_notification = schemas.NotificationOut()
_settings = schemas.NotificationSettingsOut()


def _dump(notification) -> dict:
    return _notification.dump({
        "id": notification.id, "kind": notification.kind,
        "subject": {"type": notification.subject_type, "id": notification.subject_id},
        "title": notification.title, "url": absolute(notification.path),
        "created_at": notification.created_at, "read_at": notification.read_at,
    })


def _dump_settings(chosen: settings.Settings) -> dict:
    quiet = {"start": chosen.quiet_from, "end": chosen.quiet_to} if chosen.quiet_from else None
    return _settings.dump({"kinds": chosen.frequencies, "digest_hour": chosen.digest_hour,
                           "timezone": chosen.timezone, "quiet_hours": quiet})


@blueprint.get("/me/notifications")
@documented("The caller's notifications, newest first", query=schemas.NotificationQuery,
            answers={200: Page(schemas.NotificationOut)})
def list_notifications():
    params = load_query()
    found = inbox.notifications_of(current_actor(), before=params["before"], unread=params["unread"],
                                   limit=params["limit"])
    return paged(found, _dump, "notifications_api.list_notifications", cursor_param="before")


@blueprint.post("/me/notifications/<int:notification_id>/read")
@documented("Mark one of the caller's notifications read", answers={200: schemas.NotificationOut})
def mark_read(notification_id):
    return _dump(inbox.mark_read(current_actor(), notification_id, clock().now()))


@blueprint.post("/me/notifications/read")
@documented("Mark every unread notification of the caller read", answers={200: schemas.MarkedOut})
def mark_all_read():
    return {"marked": inbox.mark_all_read(current_actor(), clock().now())}


@blueprint.get("/me/notification-settings")
@documented("How the caller is notified: per kind, digest hour, time zone, quiet hours",
            answers={200: schemas.NotificationSettingsOut})
def get_settings():
    return _dump_settings(settings.settings_of(current_actor().person_id))


@blueprint.put("/me/notification-settings")
@documented("Change how the caller is notified; fields left out keep their value",
            body=schemas.NotificationSettingsIn, answers={200: schemas.NotificationSettingsOut})
def change_settings():
    data = load_body()
    if "quiet_hours" in data and data["quiet_hours"] is not None:
        data["quiet_hours"] = {"from": data["quiet_hours"]["start"], "to": data["quiet_hours"]["end"]}
    chosen = settings.change_settings(current_actor(), clock().now(), **data)
    return _dump_settings(chosen)
