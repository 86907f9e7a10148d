"""A dispute's history as a timeline a person can read: what happened, who did it, when,
and the words that matter from each event's payload."""

from dataclasses import dataclass
from datetime import datetime
from datetime import tzinfo

from web.ui import dates
from web.ui import dispute_words
from web.ui import event_words


@dataclass(frozen=True)
class Entry:
    title: str
    who: str
    at: datetime
    from_state: str | None
    to_state: str | None
    text: str
    internal: bool


class Names:
    """People, organizations, options and commitments by id, for reading payloads."""

    def __init__(self, people: dict, organizations: dict, options: dict, commitments: dict):
        self.people, self.organizations = people, organizations
        self.options, self.commitments = options, commitments

    def person(self, person_id) -> str:
        person = self.people.get(person_id)
        return person.name if person else "unknown person"

    def option(self, option_id) -> str:
        option = self.options.get(option_id)
        return f"“{option.summary}”" if option else "an option no longer recorded"

    def commitment(self, commitment_id) -> str:
        commitment = self.commitments.get(commitment_id)
        return commitment.description if commitment else "a commitment no longer recorded"


def _transition_text(data: dict) -> str:
    said = [
        f"{label}: {data[name]}"
        for name, label in (("reason", "Reason"), ("override_reason", "Going ahead without mutual value because"),
                            ("summary", "Resolution"))
        if data.get(name)
    ]
    trigger = dispute_words.trigger_label(data.get("trigger", ""))
    return " · ".join([trigger, *said])


def _text(kind: str, data: dict, names: Names, zone: tzinfo) -> str:
    if kind == "opened":
        return data.get("title", "")
    if kind == "transition":
        return _transition_text(data)
    if kind == "party_added":
        return names.person(data.get("person_id"))
    if kind == "mediators_assigned":
        named = [f"{role}: {names.person(data[key])}"
                 for key, role in (("mediator_id", "mediator"), ("co_mediator_id", "co-mediator")) if data.get(key)]
        return "; ".join(named)
    if kind == "story_recorded":
        return f"{names.person(data.get('party_id'))}: {data.get('text') or ''}"
    if kind == "story_declined":
        return f"{names.person(data.get('party_id'))} declined to tell their story"
    if kind == "option_proposed":
        return (f"{data.get('summary', '')} (value to the supplier {data.get('value_to_supplier')}, "
                f"to the customer {data.get('value_to_customer')})")
    if kind in ("option_accepted", "acceptance_retracted"):
        organization = names.organizations.get(data.get("organization_id"))
        company = organization.name if organization else data.get("company", "")
        return f"{names.option(data.get('option_id'))} for {company}"
    if kind == "note_added":
        return data.get("text", "")
    if kind == "commitment_recorded":
        due = dates.moment_text(datetime.fromisoformat(data["due_at"]), zone)
        return f"{names.person(data.get('person_id'))}: {data.get('description', '')} (due {due})"
    if kind in ("commitment_kept", "commitment_broken"):
        return names.commitment(data.get("commitment_id"))
    return ""


def entries(events, names: Names, zone: tzinfo) -> list[Entry]:
    """One entry per event, oldest first, as `dispute_queries.dispute_history` gives them;
    moments in the payloads read in `zone`."""
    timeline = []
    for event in events:
        data = event.data
        moved = event.from_state != event.to_state
        timeline.append(Entry(
            title=event_words.kind(event.kind),
            who=names.person(event.actor_person_id) if event.actor_person_id else "Accord",
            at=event.occurred_at,
            from_state=dispute_words.state(event.from_state) if moved and event.from_state else None,
            to_state=dispute_words.state(event.to_state) if moved and event.to_state else None,
            text=_text(event.kind, data, names, zone),
            internal=data.get("visibility") == "internal",
        ))
    return timeline
