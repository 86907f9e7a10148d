"""A protocol version's terms in words, and which of them differ between versions, so the
pages can set a pending version beside the one in force and mark what would change."""

from dataclasses import dataclass
from datetime import datetime
from datetime import tzinfo

from markupsafe import Markup

from protocols.models import mentioned_people
from web.ui import dates
from web.ui import protocol_words

ROWS = (
    ("cadence", "Cadence"),
    ("phases", "Phases (taper)"),
    ("channel", "Channel"),
    ("supplier_point_person", "Supplier point person"),
    ("customer_point_person", "Customer point person"),
    ("backups", "Backups"),
    ("agenda", "Agenda"),
    ("escalation", "Escalation"),
    ("timezone", "Time zone"),
    ("effective_from", "Effective from"),
)


def agreement_text(agreed_at: datetime | None, in_force_from: datetime | None, zone: tzinfo) -> Markup:
    """When an agreed version is in force from: "in force from <date>"; or, when it was
    agreed at another time than it starts (back-dated, or effective later), "agreed on
    <date>, in force from <date>"; the moments read in `zone`."""
    starts = Markup("in force from {}").format(dates.moment(in_force_from, zone))
    if not agreed_apart(agreed_at, in_force_from):
        return starts
    return Markup("agreed on {}, {}").format(dates.moment(agreed_at, zone), starts)


def agreed_apart(agreed_at: datetime | None, in_force_from: datetime | None) -> bool:
    """Whether a version was agreed at another time than it came into force, as people read
    times (to the minute): a version agreed without effective_from starts in the minute it
    was agreed."""
    return agreed_at is not None and in_force_from is not None and \
        _minute(agreed_at) != _minute(in_force_from)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def steady_and_taper(cadence: dict | None, phases: list[dict]) -> tuple[dict | None, list[dict]]:
    """The open-ended cadence and the phases of limited length before it. A version may
    store its steady cadence as an open-ended last phase; both forms read the same."""
    taper = [phase for phase in phases if phase.get("days") is not None]
    if cadence is None and phases and phases[-1].get("days") is None:
        cadence = phases[-1]["cadence"]
    return cadence, taper


def cadence_text(cadence: dict | None) -> str:
    """"every week", "every 2 weeks on Mon, Thu", "within 4 hours of an incident"."""
    if not cadence:
        return "none"
    if "respond_within_hours" in cadence:
        hours = cadence["respond_within_hours"]
        return f"first contact within {hours} hour{'s' if hours != 1 else ''} of an incident"
    every, unit = cadence["every"], cadence["unit"]
    text = f"every {unit[:-1]}" if every == 1 else f"every {every} {unit}"
    if cadence.get("weekdays"):
        text += " on " + ", ".join(protocol_words.WEEKDAYS.get(day, day) for day in cadence["weekdays"])
    return text


def phases_text(taper: list[dict]) -> str:
    if not taper:
        return "none"
    return "; then ".join(f"{cadence_text(phase['cadence'])} for {phase['days']} days" for phase in taper)


def _people(ids, names: dict[int, str]) -> str:
    return ", ".join(names.get(person_id, "unknown person") for person_id in ids) or "none"


def _escalation(steps, names: dict[int, str]) -> str:
    if not steps:
        return "none"
    return "; then ".join(
        f"{names.get(step['person_id'], 'unknown person')} within {step['respond_within_hours']} h"
        for step in steps
    )


def terms_of(version, names: dict[int, str], zone: tzinfo) -> dict[str, str]:
    """Each term of `version` (a ProtocolVersion) as text, keyed as ROWS."""
    cadence, taper = steady_and_taper(version.cadence, version.phases)
    return {
        "cadence": cadence_text(cadence),
        "phases": phases_text(taper),
        "channel": protocol_words.channel(version.channel),
        "supplier_point_person": _people([version.supplier_point_person_id], names),
        "customer_point_person": _people([version.customer_point_person_id], names),
        "backups": _people(version.backup_ids, names),
        "agenda": version.agenda or "none",
        "escalation": _escalation(version.escalation, names),
        "timezone": version.timezone,
        "effective_from": dates.moment_text(version.effective_from, zone) if version.effective_from
        else "when both companies agree",
    }


def people_in(versions) -> set[int]:
    """Everyone the versions mention, for one look-up of their names."""
    return set().union(*(mentioned_people(version) for version in versions))


@dataclass(frozen=True)
class Cell:
    text: str
    changed: bool


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]

    @property
    def changed(self) -> bool:
        return any(cell.changed for cell in self.cells)


def compare(base: dict[str, str] | None, others: list[dict[str, str]]) -> list[Row]:
    """One row per term: `base` (the version in force, if any) first, then `others`, each
    of their cells marked changed where it differs from `base`."""
    rows = []
    for key, label in ROWS:
        cells = [Cell(base[key], False)] if base is not None else []
        cells += [Cell(terms[key], base is not None and terms[key] != base[key]) for terms in others]
        rows.append(Row(key, label, tuple(cells)))
    return rows
