"""The protocol forms' flat fields and what the API's schemas read.

A browser sends a cadence as separate fields and times without a zone; the schemas
(web.protocol_schemas) want a nested cadence and aware moments. These functions build
those from the form, so the same schema then decides what is valid, and turn the errors
it gives on the nested cadence back into errors next to the flat fields. They also fill a
form from an existing version, for a new version that starts from the latest one.
"""

from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from werkzeug.datastructures import MultiDict

from web.ui import forms
from web.ui.protocol_terms import steady_and_taper

PERIODIC = "periodic"
RESPONSE = "response"
CADENCE_KINDS = (
    (PERIODIC, "Regular: every N hours, days, weeks or months"),
    (RESPONSE, "Response time: first contact within N hours of an incident"),
)
CADENCE_FIELDS = {"every": "cadence_every", "unit": "cadence_unit", "weekdays": "cadence_weekdays",
                  "respond_within_hours": "cadence_respond_within_hours"}
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def zone_named(name: str | None) -> tzinfo:
    """The time zone of that name; UTC when there is none or it is unknown (the domain
    reports an unknown zone of a version's terms itself)."""
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def cadence_from(form) -> dict:
    """The nested cadence of the schema from the flat fields of its kind."""
    if form.get("cadence_kind") == RESPONSE:
        hours = form.get("cadence_respond_within_hours", "")
        return {"respond_within_hours": forms.number(hours)} if hours.strip() else {}
    cadence = {}
    if form.get("cadence_every", "").strip():
        cadence["every"] = forms.number(form["cadence_every"])
    if form.get("cadence_unit", "").strip():
        cadence["unit"] = form["cadence_unit"].strip()
    weekdays = [day for day in form.getlist("cadence_weekdays") if day.strip()]
    if weekdays:
        cadence["weekdays"] = weekdays
    return cadence


def local_moment(text: str, zone: tzinfo) -> str:
    """A datetime-local value ("2026-03-02T09:00") read in `zone`, as an ISO moment; the
    text unchanged when it is not such a value, so the schema names the field."""
    try:
        return datetime.strptime(text.strip(), LOCAL_MINUTE).replace(tzinfo=zone).isoformat()
    except ValueError:
        return text


def day_start(text: str, zone: tzinfo, later: int = 0) -> str:
    """A date ("2026-03-02") as the start of that day in `zone` (or of the day `later` days
    on), as an ISO moment; the text unchanged when it is not a date."""
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date() + timedelta(days=later)
    except (ValueError, OverflowError):
        return text
    return datetime.combine(day, time(0), tzinfo=zone).isoformat()


def terms_extra(form) -> dict:
    """The values of a version's terms that the flat form cannot give the schema directly."""
    extra = {"cadence": cadence_from(form)}
    if form.get("effective_from", "").strip():
        extra["effective_from"] = day_start(form["effective_from"], zone_named(form.get("timezone", "").strip()))
    return extra


def carried_over(version) -> dict:
    """The terms a new version keeps from `version` because the form does not edit them."""
    _, taper = steady_and_taper(version.cadence, version.phases)
    return {"phases": taper, "escalation": version.escalation,
            "max_contacts_per_window": version.max_contacts_per_window}


def flat_errors(errors: dict) -> dict:
    """Errors keyed by the form's own fields: the nested cadence's go next to its flat
    fields, and what concerns the cadence as a whole stays under "cadence"."""
    result = dict(errors)
    nested = result.pop("cadence", None)
    if isinstance(nested, dict):
        for key, messages in nested.items():
            target = CADENCE_FIELDS.get(key, "cadence")
            if isinstance(messages, dict):
                messages = [message for texts in messages.values() for message in texts]
            result.setdefault(target, []).extend(messages)
    elif nested:
        result["cadence"] = list(nested)
    return result


def prefilled(version) -> MultiDict:
    """The terms form filled in with `version`'s terms (its start day in its own zone)."""
    cadence, _ = steady_and_taper(version.cadence, version.phases)
    zone = zone_named(version.timezone)
    cadence = cadence or {}
    values = MultiDict({
        "cadence_kind": RESPONSE if "respond_within_hours" in cadence else PERIODIC,
        "cadence_every": str(cadence.get("every", "")),
        "cadence_unit": cadence.get("unit", ""),
        "cadence_respond_within_hours": str(cadence.get("respond_within_hours", "")),
        "channel": version.channel,
        "supplier_point_person_id": str(version.supplier_point_person_id),
        "customer_point_person_id": str(version.customer_point_person_id),
        "agenda": version.agenda,
        "timezone": version.timezone,
        "effective_from": version.effective_from.astimezone(zone).date().isoformat() if version.effective_from else "",
    })
    for day in cadence.get("weekdays", []):
        values.add("cadence_weekdays", day)
    for person_id in version.backup_ids:
        values.add("backup_ids", str(person_id))
    return values


def local_input(moment: datetime, zone: tzinfo) -> str:
    """`moment` as the value of a datetime-local field showing the time in `zone`."""
    return moment.astimezone(zone).strftime(LOCAL_MINUTE)
