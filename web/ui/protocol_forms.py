"""The protocol forms' flat fields and what the API's schemas read.

A browser sends a cadence as separate fields, the phases of a taper and the steps of an
escalation path as numbered rows of fields, and times without a zone; the schemas
(web.protocol_schemas) want nested cadences, lists and aware moments. These functions
build those from the form, so the same schema then decides what is valid, and turn the
errors it gives on the nested values back into errors next to the flat fields. They also
fill a form from an existing version, for a new version that starts from the latest one.
"""

from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from werkzeug.datastructures import MultiDict

from web.protocol_schemas import MAX_PHASES
from web.protocol_schemas import MAX_STEPS
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
TAPER_ROWS = 3
ESCALATION_ROWS = 3
PHASE_PREFIXES = tuple(f"phase{n}" for n in range(1, MAX_PHASES + 1))
STEP_PREFIXES = tuple(f"step{n}" for n in range(1, MAX_STEPS + 1))


def zone_named(name: str | None) -> tzinfo:
    """The time zone of that name; UTC when there is none or it is unknown (the domain
    reports an unknown zone of a version's terms itself)."""
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def cadence_from(form, prefix: str = "cadence") -> dict:
    """The nested cadence of the schema from the flat fields of its kind (`prefix`_kind,
    _every, _unit, _weekdays, _respond_within_hours)."""
    if form.get(f"{prefix}_kind") == RESPONSE:
        hours = form.get(f"{prefix}_respond_within_hours", "")
        return {"respond_within_hours": forms.number(hours)} if hours.strip() else {}
    cadence = {}
    if form.get(f"{prefix}_every", "").strip():
        cadence["every"] = forms.number(form[f"{prefix}_every"])
    if form.get(f"{prefix}_unit", "").strip():
        cadence["unit"] = form[f"{prefix}_unit"].strip()
    weekdays = [day for day in form.getlist(f"{prefix}_weekdays") if day.strip()]
    if weekdays:
        cadence["weekdays"] = weekdays
    return cadence


def rows(prefixes: tuple[str, ...], shown: int, values) -> tuple[str, ...]:
    """The rows a form shows: `shown` of them, or as many as the values fill (a version
    made through the API may have more), so that a new version keeps every one."""
    filled = [index for index, prefix in enumerate(prefixes, 1)
              if any(key.startswith(f"{prefix}_") and any(v.strip() for v in values.getlist(key)) for key in values)]
    return prefixes[:max([shown, *filled])]


def phases_from(form) -> list[dict]:
    """The taper from the rows of phases that hold anything, in order; a row without its
    days is open-ended, which the domain allows only as the last phase with no cadence."""
    phases = []
    for prefix in PHASE_PREFIXES:
        cadence = cadence_from(form, prefix)
        days = form.get(f"{prefix}_days", "").strip()
        if cadence or days:
            phases.append({"cadence": cadence, **({"days": forms.number(days)} if days else {})})
    return phases


def escalation_from(form) -> list[dict]:
    """The escalation path from the rows of steps that hold anything, in order."""
    steps = []
    for prefix in STEP_PREFIXES:
        given = {key: forms.number(form[f"{prefix}_{key}"]) for key in ("person_id", "respond_within_hours")
                 if form.get(f"{prefix}_{key}", "").strip()}
        if given:
            steps.append(given)
    return steps


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
    extra = {"cadence": cadence_from(form), "phases": phases_from(form), "escalation": escalation_from(form)}
    if form.get("effective_from", "").strip():
        extra["effective_from"] = day_start(form["effective_from"], zone_named(form.get("timezone", "").strip()))
    return extra


def _messages(nested) -> list[str]:
    """Every message in a schema's nested errors, "field: message" below the top."""
    if isinstance(nested, dict):
        return [f"{key}: {message}" if isinstance(key, str) and key != "_schema" else message
                for key, value in nested.items() for message in _messages(value)]
    return list(nested)


def flat_errors(errors: dict) -> dict:
    """Errors keyed by the form's own fields: the nested cadence's go next to its flat
    fields, and what concerns the cadence as a whole stays under "cadence"; those of a
    phase or an escalation step are listed on the phases or the path, by row."""
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
    for name, row in (("phases", "phase"), ("escalation", "step")):
        if isinstance(result.get(name), dict):
            result[name] = [
                f"{row} {index + 1}: {message}" if isinstance(index, int) else message
                for index, value in sorted(result[name].items(), key=lambda item: (str(type(item[0])), item[0]))
                for message in _messages(value)
            ]
    return result


def _cadence_values(prefix: str, cadence: dict) -> MultiDict:
    values = MultiDict({
        f"{prefix}_kind": RESPONSE if "respond_within_hours" in cadence else PERIODIC,
        f"{prefix}_every": str(cadence.get("every", "")),
        f"{prefix}_unit": cadence.get("unit", ""),
        f"{prefix}_respond_within_hours": str(cadence.get("respond_within_hours", "")),
    })
    for day in cadence.get("weekdays", []):
        values.add(f"{prefix}_weekdays", day)
    return values


def prefilled(version, now: datetime | None = None) -> MultiDict:
    """The terms form filled in with `version`'s terms (its start day in its own zone).
    A start the version has already reached (it is or was in force from it by `now`) is
    left out: kept, it would back-date the new version to it, silently replacing its
    predecessor from its very start."""
    cadence, taper = steady_and_taper(version.cadence, version.phases)
    zone = zone_named(version.timezone)
    started = getattr(version, "in_force_from", None)
    effective_from = version.effective_from
    if effective_from is not None and started is not None and now is not None and started <= now:
        effective_from = None
    values = _cadence_values("cadence", cadence or {})
    values.update({
        "channel": version.channel,
        "supplier_point_person_id": str(version.supplier_point_person_id),
        "customer_point_person_id": str(version.customer_point_person_id),
        "agenda": version.agenda,
        "timezone": version.timezone,
        "effective_from": effective_from.astimezone(zone).date().isoformat() if effective_from else "",
        "max_contacts_per_window": str(version.max_contacts_per_window or ""),
    })
    for person_id in version.backup_ids:
        values.add("backup_ids", str(person_id))
    for prefix, phase in zip(PHASE_PREFIXES, taper):
        values.update(_cadence_values(prefix, phase["cadence"]))
        values[f"{prefix}_days"] = str(phase["days"])
    for prefix, step in zip(STEP_PREFIXES, version.escalation):
        values[f"{prefix}_person_id"] = str(step["person_id"])
        values[f"{prefix}_respond_within_hours"] = str(step["respond_within_hours"])
    return values


def local_input(moment: datetime, zone: tzinfo) -> str:
    """`moment` as the value of a datetime-local field showing the time in `zone`."""
    return moment.astimezone(zone).strftime(LOCAL_MINUTE)
