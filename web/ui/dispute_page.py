"""What the dispute page shows one person: the record as they may read it, and the
actions and record forms they may use now.

Each action's guards are evaluated before the page is drawn (read-only), so an action
that is not possible yet says which conditions are missing instead of failing. A failed
form comes back as a `Failure`, shown next to that form with what was typed.
"""

from dataclasses import dataclass
from dataclasses import field

from mediation import dispute_permissions
from mediation import dispute_queries
from mediation import dispute_reading
from mediation import lifecycle
from mediation import rosters
from mediation.access import Actor
from mediation.access import event_position
from mediation.access import sees_internal
from mediation.dispute_reading import DisputeRead
from mediation.disputes import Dispute
from mediation.guards import gives_mutual_value
from mediation.next_step import acts_on
from mediation.next_step import next_step
from mediation.paging import page_of
from protocols import escalation
from web.ui import dates
from web.ui import dispute_timeline
from web.ui import dispute_words


HISTORY_PAGE = 50
NOTES_PAGE = 20


@dataclass(frozen=True)
class Latest:
    """A page read from the end of a long list: `items` oldest first; `earlier`, the cursor
    of the page before it (None at the start); `later`, whether pages follow it."""

    items: list
    earlier: int | None
    later: bool


def _latest(rows: list, limit: int, before: int | None, key) -> Latest:
    """The page from up to limit+1 rows, oldest first: one more row means earlier ones."""
    found = page_of(reversed(rows), limit)
    items = found.items[::-1]
    return Latest(items, key(items[0]) if found.more else None, before is not None)


@dataclass
class Failure:
    """A form that was sent and refused: which one, why, and what was typed."""

    form: str = ""
    message: str = ""
    errors: dict = field(default_factory=dict)
    unmet: list = field(default_factory=list)
    values: object = None
    status: int = 200

    def errors_for(self, form: str) -> dict:
        return self.errors if form == self.form else {}

    def unmet_for(self, form: str) -> list:
        return self.unmet if form == self.form else []

    def values_for(self, form: str, defaults: dict | None = None):
        return self.values if form == self.form and self.values is not None else (defaults or {})


# Triggers that turn the dispute back or close it: folded away until asked for.
TURNING_BACK = frozenset({"revisit", "reopen", "withdraw"})


@dataclass
class Action:
    """A trigger possible from the current state: the conditions still `missing`, those
    its form's fields will meet (`needs`), and the fields it asks for (`inputs`), an
    option among `options` where choosing one meets a condition."""

    trigger: str
    missing: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    options: list = field(default_factory=list)

    @property
    def form(self) -> str:
        return f"transition-{self.trigger}"

    @property
    def turns_back(self) -> bool:
        return self.trigger in TURNING_BACK

    @property
    def label(self) -> str:
        return dispute_words.trigger_label(self.trigger)

    @property
    def option_choices(self) -> list[tuple[int, str]]:
        return [(option.id, option.summary) for option in self.options]


def actions(dispute: Dispute, options) -> list[Action]:
    """Every trigger possible now, its guards evaluated without a request. A condition a
    text field can meet is asked for. One an option meets is met by choosing any option
    the guards accept, so it is not listed: the form offers those options, and when there
    is none the condition is missing."""
    found = []
    for trigger in lifecycle.available_triggers(dispute.state):
        action = Action(trigger)
        for name in lifecycle.unmet_conditions(dispute, trigger, {}):
            field_name = lifecycle.CONDITION_INPUTS.get(name)
            if field_name is None:
                action.missing.append(name)
            elif lifecycle.INPUTS[field_name].kind == "option":
                action.options = [
                    option for option in options
                    if name not in lifecycle.unmet_conditions(dispute, trigger, {field_name: option.id})
                ]
                if action.options:
                    action.inputs.append(field_name)
                else:
                    action.missing.append(name)
            else:
                action.needs.append(name)
                action.inputs.append(field_name)
        found.append(action)
    return found


@dataclass
class OptionView:
    """An option with its balance of value and the acceptances it has:
    `accepted_by` holds (organization, person name) pairs, `acceptances` the rows."""

    option: object
    mutual: bool
    balance: str
    accepted_by: list
    acceptances: tuple = ()

    def acceptance_of(self, organization_id: int):
        """The acceptance of this option by that company, or None."""
        return next((a for a in self.acceptances if a.organization_id == organization_id), None)

    def accepted_by_other_than(self, organization_id: int) -> bool:
        return any(a.organization_id != organization_id for a in self.acceptances)


def _balance(option) -> str:
    if gives_mutual_value(option.value_to_supplier, option.value_to_customer):
        return "Value to both companies"
    if option.value_to_supplier > 0 or option.value_to_customer > 0:
        return "Value to one company only"
    return "Value to neither company"


def _options(found: DisputeRead, people: dict) -> list[OptionView]:
    def name(person_id: int) -> str:
        person = people.get(person_id)
        return person.name if person else ""

    return [
        OptionView(
            option=read.row,
            mutual=read.mutual_value,
            balance=_balance(read.row),
            accepted_by=[(acceptance.organization, name(acceptance.person_id)) for acceptance in read.acceptances],
            acceptances=read.acceptances,
        )
        for read in found.options
    ]


def _choices(people) -> list[tuple[int, str]]:
    return [(person.id, f"{person.name} ({person.organization.name})") for person in people]


def _record_forms(actor: Actor, dispute: Dispute, found: DisputeRead, everyone: list) -> dict:
    """Which record forms this person may use now, with their choices; the states each
    form appears in are the states the service accepts it in."""
    case = dispute_permissions.case_capacity(actor, dispute) is not None
    participant = dispute_permissions.participant_capacity(actor, dispute) is not None
    eligible = [person for person in everyone if rosters.may_take_part(person)]
    party_ids = {party.person.id for party in found.parties}
    heard = {story.party_id for story in found.stories}
    tellers = [party.person for party in found.parties
               if (case or party.person.id == actor.person_id) and party.person.id not in heard]
    state = dispute.state
    accepting = dispute_permissions.acceptance_capacity(actor, dispute) is not None
    return {
        "story": participant and state in lifecycle.STORY_STATES and bool(tellers),
        "story_parties": _choices(tellers),
        "visibility": sees_internal(actor),
        "option": case and state in lifecycle.OPTION_STATES,
        "accept": accepting and state in lifecycle.ACCEPTANCE_STATES,
        "retract": accepting and state in lifecycle.RETRACTION_STATES,
        "note": participant,
        "commitment": case and state in lifecycle.COMMITMENT_STATES,
        "commitment_people": _choices(eligible),
        "settle": case,
        "party": case and state in lifecycle.PARTY_STATES,
        "party_people": _choices(p for p in eligible if p.id not in party_ids),
        "mediators": case and state in lifecycle.OPEN_STATES,
        "supplier_people": _choices(p for p in eligible if p.organization_id == dispute.account.supplier_id),
        "customer_people": _choices(p for p in eligible if p.organization_id == dispute.account.customer_id),
        "actions": case,
    }


# Where on the page a step is taken, by what takes it (`NextStep.taken_by`), and the words
# of the button that leads there: a record's form or table; a trigger, its action.
STEP_PLACES = {
    "party": ("party", "Add the parties and mediators"),
    "story": ("story", "Tell your side"),
    "option": ("option", "Propose an option"),
    "acceptance": ("options", "Choose an option to accept"),
    "settlement": ("commitments", "See your commitments"),
}


def _place(step) -> tuple[str, str] | tuple[None, None]:
    if step is None:
        return None, None
    return STEP_PLACES.get(step.taken_by) or (Action(step.taken_by).form, "See what you can do")


def _unfolded(step, yours: bool, failure: Failure) -> frozenset[str]:
    """The forms shown open: the one the reader's next step is taken with, and one sent
    back with its errors. Every other secondary form folds away until asked for."""
    return frozenset(name for name in (_place(step)[0] if yours else None, failure.form) if name)


def build(actor: Actor, dispute: Dispute, now, failure: Failure | None = None, *,
          history_before: int | None = None, notes_before: int | None = None) -> dict:
    """The template context of the dispute page for `actor`: the latest events and notes,
    or those before the cursors."""
    found = dispute_reading.read(actor, dispute, now)
    account = dispute.account
    everyone = rosters.people_of_accounts([account])
    people = {person.id: person for person in everyone}
    organizations = {person.organization_id: person.organization for person in everyone}
    options = _options(found, people)
    protocol = escalation.escalation_protocol(dispute.project_id)
    names = dispute_timeline.Names(
        people, organizations,
        {read.id: read.row for read in found.options},
        {read.id: read.row for read in found.commitments},
    )
    events = _latest(
        dispute_queries.dispute_history(actor, dispute.id, before=history_before, limit=HISTORY_PAGE + 1, latest=True),
        HISTORY_PAGE, history_before, event_position(actor),
    )
    notes = _latest(dispute_queries.notes_of(actor, dispute, before=notes_before, limit=NOTES_PAGE + 1, latest=True),
                    NOTES_PAGE, notes_before, lambda note: note.id)
    forms = _record_forms(actor, dispute, found, everyone)
    supplier, customer = organizations.get(account.supplier_id), organizations.get(account.customer_id)
    step = next_step(found, actor, {"supplier": supplier.name, "customer": customer.name})
    yours = acts_on(step, actor, dispute)
    failure = failure or Failure()
    target, button = _place(step)
    return {
        "step": step,
        "step_is_yours": yours,
        "step_target": target,
        "step_button": button,
        "unfolded": _unfolded(step, yours, failure),
        "dispute": dispute,
        "account": account,
        "supplier": supplier,
        "customer": customer,
        "project": dispute.project,
        "stale": found.stale,
        "people": people,
        "parties": found.parties,
        "stories": found.stories,
        "options": options,
        "acceptances": [read.row for read in found.acceptances],
        "notes": notes.items,
        "notes_page": notes,
        "commitments": [(read.row, read.overdue) for read in found.commitments],
        "escalation": protocol,
        "escalation_in_force": protocol is not None and escalation.activation_for(dispute.id) is not None,
        "timeline": dispute_timeline.entries(events.items, names, dates.reader_zone()),
        "history_page": events,
        "actions": actions(dispute, [read.row for read in found.options]) if forms["actions"] else [],
        "forms": forms,
        "failure": failure,
        "earlier_history_open": history_before is not None,
    }
