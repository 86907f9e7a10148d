"""A version's terms as drafted: whether they hold on the account (point people, backups
and escalation steps of its two companies, a cadence and a taper that make a schedule, a
known time zone), and from when a version may come into force."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from mediation.errors import Invalid
from mediation.parties import Account
from mediation.parties import Person
from mediation.rosters import unfit_to_take_part
from protocols.cadence import cadence_from_dict
from protocols.cadence import schedule
from protocols.models import ProtocolVersion


@dataclass(frozen=True)
class Earliest:
    """The earliest moment a new version of a protocol may come into force: when the latest
    version agreed came (or comes) into force, or, if that one was retired, when it was
    retired. A version never starts before its predecessor did, so that the versions in
    force follow one another without overlapping."""

    moment: datetime
    reason: str

    def refuses(self, effective_from: datetime | None) -> str | None:
        """Why `effective_from` cannot be honoured, or None when it can (or none is given)."""
        if effective_from is None or effective_from >= self.moment:
            return None
        return f"must not be before {self.moment.isoformat()}, when {self.reason}"


def earliest_start(protocol_id: int) -> Earliest | None:
    """None while no version of the protocol has been agreed."""
    latest = (
        ProtocolVersion.select()
        .where((ProtocolVersion.protocol == protocol_id) & ProtocolVersion.in_force_from.is_null(False))
        .order_by(ProtocolVersion.in_force_from.desc(), ProtocolVersion.number.desc())
        .first()
    )
    if latest is None:
        return None
    if latest.status == "retired" and latest.in_force_until is not None:
        return Earliest(latest.in_force_until, f"version {latest.number} was retired")
    return Earliest(latest.in_force_from, f"version {latest.number} came into force")


def start_of_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def starts_at(version: ProtocolVersion, agreed_at: datetime, earliest: Earliest | None) -> datetime:
    """When `version`, agreed at `agreed_at`, comes into force: its effective_from as given,
    past or future (checked against `earliest` beforehand); without one, the start of the
    minute in which it was agreed, so that a touchpoint logged in that minute, as the forms
    give times, falls within it; or its predecessor's start, if that is later."""
    if version.effective_from is not None:
        return version.effective_from
    start = start_of_minute(agreed_at)
    return max(start, earliest.moment) if earliest is not None else start


def checked_terms(account: Account, data: dict, earliest: Earliest | None = None) -> dict:
    """Check a version's terms against the account, and its effective_from against the
    `earliest` start a new version of the protocol may have; Invalid naming every bad field."""
    errors: dict[str, list[str]] = {}
    problem = earliest.refuses(data.get("effective_from")) if earliest is not None else None
    if problem:
        errors["effective_from"] = [problem]
    ids = {data["supplier_point_person_id"], data["customer_point_person_id"], *data["backup_ids"]}
    ids |= {step["person_id"] for step in data["escalation"]}
    people = {p.id: p for p in Person.select().where(Person.id.in_(list(ids)))}
    companies = {account.supplier_id, account.customer_id}

    def side(field, person_id, org_id, label):
        person = people.get(person_id)
        if person is None:
            errors[field] = [f"person {person_id} does not exist"]
        elif person.organization_id != org_id:
            errors[field] = [f"{person.name} is not a person of the {label} of this account"]
        elif unfit := unfit_to_take_part([person]):
            errors[field] = [unfit]

    side("supplier_point_person_id", data["supplier_point_person_id"], account.supplier_id, "supplier")
    side("customer_point_person_id", data["customer_point_person_id"], account.customer_id, "customer")
    outside = [pid for pid in data["backup_ids"] if pid not in people or people[pid].organization_id not in companies]
    if outside:
        errors["backup_ids"] = [f"not people of this account's two companies: {', '.join(map(str, outside))}"]
    elif unfit := unfit_to_take_part(people[pid] for pid in data["backup_ids"]):
        errors["backup_ids"] = [unfit]
    outside = [s["person_id"] for s in data["escalation"]
               if s["person_id"] not in people or people[s["person_id"]].organization_id not in companies]
    if outside:
        errors["escalation"] = [f"not people of this account's two companies: {', '.join(map(str, outside))}"]

    cadence = None
    if data.get("cadence") is not None:
        try:
            cadence = cadence_from_dict(data["cadence"])
        except ValueError as error:
            errors["cadence"] = [str(error)]
    phases = []
    for index, phase in enumerate(data["phases"]):
        try:
            phases.append((cadence_from_dict(phase["cadence"]), phase.get("days")))
        except ValueError as error:
            errors.setdefault("phases", []).append(f"phase {index + 1}: {error}")
        if phase.get("days") is not None and phase["days"] < 1:
            errors.setdefault("phases", []).append(f"phase {index + 1}: must last at least one day")
    if any(days is None for _, days in phases[:-1]):
        errors.setdefault("phases", []).append("only the last phase may be open-ended")
    lengths = [c.nominal_length() for c, _ in phases] + ([cadence.nominal_length()] if cadence else [])
    if any(later < earlier for earlier, later in zip(lengths, lengths[1:])):
        errors.setdefault("phases", []).append(
            "phases are in order of a taper: each contacts no more often than the one before"
        )
    if "cadence" not in errors and "phases" not in errors:
        try:
            schedule(cadence, phases)
        except ValueError as error:
            errors["cadence" if cadence is None else "phases"] = [str(error)]
    try:
        ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [f"unknown time zone '{data['timezone']}'"]
    if errors:
        raise Invalid(errors)
    return data
