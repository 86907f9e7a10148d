"""The period form of the relationship pages: days in the reader's zone, `to` included,
read through the API's own query schema; a range that is not one is shown next to its
field over the page's default period."""

from werkzeug.datastructures import MultiDict

from mediation.errors import Invalid
from web.ui import forms
from web.ui import protocol_forms
from web.ui.dates import reader_zone
from web.ui.dates import zone_name


def period_asked(args, zone, schema) -> tuple[dict, MultiDict, dict]:
    """The range asked for; ({}, ...) for the default, with the errors of a range that is not one."""
    given = {key: args.get(key, "").strip() for key in ("from", "to")}
    extra = {}
    if given["from"]:
        extra["from"] = protocol_forms.day_start(given["from"], zone)
    if given["to"]:
        extra["to"] = protocol_forms.day_start(given["to"], zone, later=1)
    if not extra:
        return {}, MultiDict(given), {}
    data, errors = forms.load(schema, MultiDict(), **extra)
    return (data or {}), MultiDict(given), errors


def over_period(read, args, schema, end_of=lambda found: found.end):
    """`read(start=, end=)` over the days asked for, or `read()` over its default when they
    are not a range: (what it read, the form's values and errors, the reader's zone label
    at the period's end)."""
    zone = reader_zone()
    period, values, errors = period_asked(args, zone, schema)
    try:
        found = read(**period)
    except Invalid as refused:
        errors = refused.errors
        found = read()
    return found, (values, errors), zone_name(end_of(found).astimezone(zone))
