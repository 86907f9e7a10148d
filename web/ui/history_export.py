"""Resolution histories written out as CSV and JSON, one dispute at a time, so exports stream.

Each event is written in the ledger's export format (`web.schemas.EventOut` as the reader
may read it, the format of `accord audit export` and of the API's history), with the
names of who signed it added. The CSV keeps each payload exactly as it was hashed, and
each event's chain and place in it, so an auditor can recompute hashes.
"""

import csv
import io
import json

from mediation import reports
from web.schemas import event_dump

CSV_COLUMNS = (
    "dispute_id", "dispute_title", "account", "outcome", "sequence", "chain", "chain_sequence", "occurred_at",
    "actor_person_id", "actor_name", "actor_organization_id", "actor_organization", "actor_role",
    "kind", "from_state", "to_state", "payload", "prev_hash", "hash",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str | None) -> str:
    """Free text that a spreadsheet would run as a formula is written as plain text."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text or ""


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def csv_lines(actor, export: reports.Export):
    """The header, then every event of every dispute of `export`, as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    names = reports.Signatories.empty()
    for row, events in reports.exported_histories(actor, export):
        names.learn(events)
        for event in events:
            writer.writerow((
                row.dispute.id, _cell(row.dispute.title), _cell(row.account), row.outcome,
                event.sequence if actor.is_supplier else "", event.chain, event.chain_sequence,
                _iso(event.occurred_at), event.actor_person_id, _cell(names.person(event.actor_person_id)),
                event.actor_organization_id, _cell(names.company(event.actor_organization_id)),
                event.actor_role, event.kind, event.from_state, event.to_state, event.payload,
                event.prev_hash, event.hash,
            ))
        yield flush()


def _event_record(dump, event, names: reports.Signatories) -> dict:
    record = dump(event)
    record["actor"].update(
        name=names.person(event.actor_person_id), organization=names.company(event.actor_organization_id)
    )
    return record


def _dispute_record(dump, row: reports.HistoryRow, events, names: reports.Signatories) -> dict:
    duration = row.time_to_close
    return {
        "id": row.dispute.id,
        "title": row.dispute.title,
        "summary": row.dispute.summary,
        "account": row.account,
        "state": row.dispute.state,
        "outcome": row.outcome,
        "opened_at": _iso(row.opened_at),
        "closed_at": _iso(row.closed_at),
        "time_to_close_seconds": int(duration.total_seconds()) if duration is not None else None,
        "events": [_event_record(dump, e, names) for e in events],
    }


def json_chunks(actor, export: reports.Export, about: dict):
    """One JSON document: `about` the export, then `disputes`, each with its events."""
    heading = dict(about, total=export.total, included=len(export.disputes), limit=export.limit,
                   truncated=export.truncated)
    yield json.dumps(heading, indent=1)[:-2] + ',\n "disputes": ['
    names = reports.Signatories.empty()
    for number, (row, events) in enumerate(reports.exported_histories(actor, export)):
        names.learn(events)
        yield ("," if number else "") + "\n  " + json.dumps(_dispute_record(event_dump(actor), row, events, names))
    yield "\n ]\n}\n"
