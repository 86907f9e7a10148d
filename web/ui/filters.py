"""The template filters every page puts codes and moments through: each code's words
come from the words module of its domain, each moment from web.ui.dates, so no template
spells out a code or a date format of its own."""

from flask import Flask

from outreach.kinds import KINDS
from web.ui import dates
from web.ui import directory_words
from web.ui import dispute_words
from web.ui import event_words
from web.ui import protocol_words
from web.ui import search_words

FILTERS = {
    "dispute_state": dispute_words.state,
    "severity": dispute_words.severity,
    "trigger": dispute_words.trigger_label,
    "condition": dispute_words.condition_needs,
    "commitment_status": dispute_words.commitment_status,
    "visibility": dispute_words.visibility,
    "outcome": dispute_words.outcome,
    "scenario": protocol_words.scenario,
    "version_status": protocol_words.version_status,
    "version_trigger": protocol_words.trigger_label,
    "compliance_status": protocol_words.compliance_status,
    "channel": protocol_words.channel,
    "role": directory_words.role,
    "organization_kind": directory_words.organization_kind,
    "event_kind": event_words.kind,
    "capacity": event_words.capacity,
    "field": event_words.field,
    "notification_kind": lambda name: KINDS[name].label if name in KINDS else name,
    "search_subject": search_words.subject,
    "found_in": search_words.found_in,
    "moment": dates.moment,
    "day": dates.day,
}


def register(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
