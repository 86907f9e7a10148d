"""Auditors' pages: search resolution histories, read one with its hashes, export, check digests.

Auditors and administrators may come in; each sees the disputes their company may see. The
whole chain's verification and its digest are shown to the supplier's auditors and
administrators only (the chain spans every customer), as in the API.
"""

from bisect import bisect_right
from datetime import date
from datetime import timedelta

from flask import Response
from flask import render_template
from flask import request
from flask import stream_with_context
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from mediation import directory_lists
from mediation import ledger
from mediation import lifecycle
from mediation import proof_bundles
from mediation import reports
from mediation import witnesses
from mediation.access import event_position
from mediation.errors import Invalid
from web.api import bundle_download
from web.limits import admitted
from web.limits import expensive
from web.schemas import QueryId
from web.schemas import Text
from web.ui import dates
from web.ui import directory_words
from web.ui import dispute_words
from web.ui import event_words
from web.ui import forms
from web.ui.history_export import csv_lines
from web.ui.history_export import json_chunks
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("audit_ui", __name__)

MAX_DAYS = 36_500
HISTORY_PAGE = 50
# The payload's codes and moments, in words.
VALUE_WORDS = {
    "severity": dispute_words.severity,
    "visibility": dispute_words.visibility,
    "trigger": dispute_words.trigger_label,
    "company": lambda kind: directory_words.organization_kind(kind).lower(),
    "due_at": dates.moment,
    "accepted_at": dates.moment,
    "protocol_id": lambda _: "the escalation protocol of the dispute's project",
}
STORABLE_DAYS = validate.Range(min=date(1900, 1, 1), max=date(8999, 12, 31),
                               error="Give a date between the years 1900 and 9000.")
OUTCOME_CHOICES = [
    ("resolved", dispute_words.outcome("resolved")),
    ("withdrawn", dispute_words.outcome("withdrawn")),
    ("open", "Still open (any stage)"),
] + [(state, f"Open, in {dispute_words.state(state).lower()}") for state in lifecycle.OPEN_STATES]


class HistoryQuery(Schema):
    """The filters of /audit, as its form and its export links send them."""

    text = Text(load_default=None, validate=validate.Length(max=200))
    account_id = QueryId(load_default=None)
    outcome = fields.String(load_default=None, validate=validate.OneOf([value for value, _ in OUTCOME_CHOICES]))
    closed_from = fields.Date(load_default=None, validate=STORABLE_DAYS)
    closed_to = fields.Date(load_default=None, validate=STORABLE_DAYS)
    min_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_DAYS))
    max_days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_DAYS))

    @validates_schema
    def ranges_run_forwards(self, data, **_kwargs):
        if data.get("closed_from") and data.get("closed_to") and data["closed_to"] < data["closed_from"]:
            raise ValidationError("The end date is before the start date.", "closed_to")
        if data.get("min_days") is not None and data.get("max_days") is not None and data["max_days"] < data["min_days"]:
            raise ValidationError("The maximum is below the minimum.", "max_days")


@blueprint.before_request
def readers_only():
    actor = viewer()
    if actor is not None:
        reports.require_history_reader(actor)


def _filters(accounts) -> tuple[reports.HistoryFilters | None, dict]:
    data, errors = forms.load(HistoryQuery(), request.args)
    if data and data["account_id"] and data["account_id"] not in {a.id for a in accounts}:
        errors = {"account_id": ["Choose one of the accounts listed."]}
    if errors:
        return None, errors
    return reports.HistoryFilters(**data), {}


def _filter_args() -> dict:
    """The filters as given, to carry into export and page links."""
    return {name: request.args[name] for name in HistoryQuery().fields if request.args.get(name, "").strip()}


def _after() -> int | None:
    return forms.cursor(request.args)


def _digest_check(actor) -> tuple[ledger.Verification | None, dict]:
    """The result of checking the digest the person typed, or the error next to the field."""
    if "digest" not in request.args or not reports.reads_whole_chain(actor):
        return None, {}
    try:
        digest = ledger.Digest.parse(request.args["digest"])
    except ValueError as error:
        return None, {"digest": [f"Not a digest: {error}."]}
    with admitted(actor.person_id):
        return ledger.verify(digest), {}


def _pages_of(events, place) -> dict[int, int]:
    """For each event of a history, by id, the cursor (`after`, the place of the event
    before the page) of the page of HISTORY_PAGE events that shows it: 0 for the first."""
    return {
        event.id: place(events[index - index % HISTORY_PAGE - 1]) if index >= HISTORY_PAGE else 0
        for index, event in enumerate(events)
    }


def _earlier_page(events, first: int, place) -> int | None:
    """The cursor of the page before the one that starts at `events[first]`: None when
    that is the first page, 0 when the page before is."""
    if not first:
        return None
    return place(events[first - HISTORY_PAGE - 1]) if first > HISTORY_PAGE else 0


def human_duration(delta: timedelta | None) -> str:
    """'3 days 4 h', '5 h 12 min', '7 min'."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


@blueprint.get("/audit")
def histories():
    actor = viewer()
    accounts = directory_lists.accounts_by_name(actor)
    filters, errors = _filters(accounts)
    page = reports.search(actor, filters, after=_after()) if filters else None
    check, digest_errors = _digest_check(actor)
    whole_chain = reports.reads_whole_chain(actor)
    html = render_template(
        "audit/histories.html",
        form=request.args,
        errors=errors,
        digest_errors=digest_errors,
        check=check,
        page=page,
        filtered=bool(_filter_args()),
        filter_args=_filter_args(),
        after=_after(),
        account_choices=[(a.id, a.name) for a in accounts],
        outcome_choices=OUTCOME_CHOICES,
        whole_chain=whole_chain,
        head=ledger.head() if whole_chain else None,
        cosigners=witnesses.cosigners(actor),
        export_limit=reports.EXPORT_LIMIT,
        duration=human_duration,
    )
    return html, 422 if errors else 200


def _value(key: str, value, names: reports.Signatories):
    """A payload's value as a reader reads it: people, companies and records by name,
    codes in words, moments in the reader's time zone."""
    if value is None:
        return "none"
    if key in reports.PERSON_KEYS:
        ids = value if isinstance(value, list) else [value]
        return ", ".join(names.person(i) or "unknown person" for i in ids) or "none"
    if key == "organization_id":
        return names.company(value) or "unknown company"
    if key in reports.RECORD_KEYS:
        return names.record(key, value) or "no longer recorded"
    if key in VALUE_WORDS:
        return VALUE_WORDS[key](value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return ledger.canonical_json(value)
    return str(value)


def _payload(event, names: reports.Signatories) -> list[tuple[str, str]]:
    """The payload as readable (label, value) pairs."""
    return [(event_words.field(key), _value(key, value, names)) for key, value in event.data.items()]


@blueprint.get("/audit/disputes/<int:dispute_id>")
def history(dispute_id):
    actor = viewer()
    row, every_event = reports.read_history(actor, dispute_id)
    after = forms.cursor(request.args, "after")
    place = event_position(actor)
    first = bisect_right([place(event) for event in every_event], after) if after else 0
    events = every_event[first:first + HISTORY_PAGE]
    names = reports.Signatories.empty().learn_payloads(events)
    whole_chain = reports.reads_whole_chain(actor)
    chain = None
    if whole_chain:
        with admitted(actor.person_id):
            chain = ledger.verify()
    check, digest_errors = _digest_check(actor)
    return render_template(
        "audit/history.html",
        row=row,
        events=events,
        payloads={event.id: _payload(event, names) for event in events},
        names=names,
        whole_chain=whole_chain,
        chain=chain,
        page_of=_pages_of(every_event, place),
        place=place,
        first_number=first + 1,
        previous_after=_earlier_page(every_event, first, place),
        next_after=place(events[-1]) if first + HISTORY_PAGE < len(every_event) else None,
        check=check,
        form=request.args,
        digest_errors=digest_errors,
        duration=human_duration,
    )


def _download(chunks, mimetype: str, filename: str, export: reports.Export) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accord-Export"] = f"{len(export.disputes)} of {export.total} disputes"
    return response


def _about(actor, scope: dict) -> dict:
    """What an export holds and who took it; for the supplier's readers, the chain's head then."""
    about = {
        "exported_at": clock().now().isoformat(),
        "exported_by": {"person_id": actor.person_id, "name": actor.person.name,
                        "organization": actor.organization.name},
        "filters": scope,
    }
    if reports.reads_whole_chain(actor):
        about["digest"] = str(ledger.head())
    return about


def _filtered_export(actor) -> reports.Export:
    filters, errors = _filters(directory_lists.accounts_by_name(actor))
    if errors:
        raise Invalid(errors)
    return reports.for_export(actor, filters)


def _stamp() -> str:
    return clock().now().strftime("%Y%m%d-%H%M")


@blueprint.get("/audit/export.csv")
@expensive(viewer)
def export_csv():
    actor = viewer()
    export = _filtered_export(actor)
    return _download(csv_lines(actor, export), "text/csv", f"accord-histories-{_stamp()}.csv", export)


@blueprint.get("/audit/export.json")
@expensive(viewer)
def export_json():
    actor = viewer()
    export = _filtered_export(actor)
    chunks = json_chunks(actor, export, _about(actor, _filter_args()))
    return _download(chunks, "application/json", f"accord-histories-{_stamp()}.json", export)


@blueprint.get("/audit/disputes/<int:dispute_id>/history.csv")
@expensive(viewer)
def export_history_csv(dispute_id):
    actor = viewer()
    export = reports.export_of(actor, dispute_id)
    return _download(csv_lines(actor, export), "text/csv", f"accord-dispute-{dispute_id}-history.csv", export)


@blueprint.get("/audit/disputes/<int:dispute_id>/history.json")
@expensive(viewer)
def export_history_json(dispute_id):
    actor = viewer()
    export = reports.export_of(actor, dispute_id)
    chunks = json_chunks(actor, export, _about(actor, {"dispute_id": dispute_id}))
    return _download(chunks, "application/json", f"accord-dispute-{dispute_id}-history.json", export)


@blueprint.get("/audit/disputes/<int:dispute_id>/bundle.json")
@expensive(viewer)
def export_bundle(dispute_id):
    """The proof bundle of the API, for `accord audit verify-bundle`."""
    actor = viewer()
    return bundle_download(actor, proof_bundles.of_dispute(actor, dispute_id),
                           f"accord-dispute-{dispute_id}-bundle.json")
