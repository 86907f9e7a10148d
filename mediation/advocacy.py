"""An account manager as a balanced advocate: the value the resolutions of the disputes
they mediated gave each company, the overrides they went ahead with and why, and a flag
when their resolutions lean one way (mediation.balance, over at least ADVOCACY_MINIMUM).

Leaning to the customer is the warning that a manager has forgotten who they work for;
leaning to the supplier, that customers are left hanging. It is the supplier's own
reading of its people: a customer's people find no such thing (NotFound). A manager reads
their own; the supplier's administrators and auditors read everyone's, side by side.
"""

from dataclasses import dataclass
from datetime import datetime

from peewee import fn

from mediation.access import Actor
from mediation.access import visible_accounts
from mediation.balance import ADVOCACY_MINIMUM
from mediation.balance import Balance
from mediation.balance import balance_of
from mediation.balance import resolutions
from mediation.disputes import Dispute
from mediation.errors import Forbidden
from mediation.errors import NotFound
from mediation.parties import Account
from mediation.parties import Person
from mediation.parties import Ref
from mediation.periods import last_year

# The flag called from an advocate's balance, and the balances that raise none.
FLAGS = {"leans_customer": "forgot_who_they_work_for", "leans_supplier": "customer_left_hanging"}


@dataclass(frozen=True)
class Override:
    dispute_id: int
    title: str
    account: str
    resolved_at: datetime
    to_supplier: int
    to_customer: int
    reason: str


@dataclass(frozen=True)
class AccountValue:
    account_id: int
    name: str
    resolutions: int
    to_supplier: int
    to_customer: int


@dataclass(frozen=True)
class Advocacy:
    person: Ref
    start: datetime
    end: datetime
    value: Balance
    flag: str | None
    overrides: list[Override]
    accounts: list[AccountValue]


@dataclass(frozen=True)
class Advocate:
    person: Ref
    value: Balance
    flag: str | None


def reads_everyones(actor: Actor) -> bool:
    """The supplier's administrators and auditors read every account manager's advocacy."""
    return actor.is_supplier and (actor.has("admin") or actor.has("auditor"))


def readable(actor: Actor) -> str | None:
    """Whose advocacy the caller reads: "everyone", their "own", or None."""
    if reads_everyones(actor):
        return "everyone"
    return "own" if actor.is_supplier and actor.has("account_manager") else None


def _managers(actor: Actor):
    """The caller's supplier's people who may hold the account manager role; callers keep
    those who do (roles are stored as text)."""
    return Person.select(Person.id, Person.name, Person.roles_text).where(
        (Person.organization == actor.organization.id) & Person.roles_text.contains("account_manager"))


def _manager(actor: Actor, person_id: int) -> Person:
    """The account manager `person_id` whose advocacy the caller may read: NotFound for a
    customer's people and for anyone not an account manager of the caller's supplier,
    Forbidden for another manager's unless the caller reads everyone's."""
    if not actor.is_supplier:
        raise NotFound("account manager", person_id)
    person = next((p for p in _managers(actor).where(Person.id == person_id) if "account_manager" in p.roles), None)
    if person is None:
        raise NotFound("account manager", person_id)
    if person.id != actor.person_id and not reads_everyones(actor):
        raise Forbidden("an account manager's advocacy is read by themselves, the supplier's administrators "
                        "and its auditors")
    return person


def _mediated(actor: Actor, people):
    return (Dispute.mediator.in_(people)) & Dispute.account.in_(visible_accounts(actor).select(Account.id))


def flag_of(value: Balance) -> str | None:
    return FLAGS.get(value.balance)


def advocacy(actor: Actor, clock, person_id: int, *, start: datetime | None = None,
             end: datetime | None = None) -> Advocacy:
    """The account manager's advocacy over [start, end), by default the last 12 months."""
    person = _manager(actor, person_id)
    start, end = last_year(clock.now(), start, end)
    found = resolutions(_mediated(actor, [person.id]), start, end)
    value = balance_of(found, ADVOCACY_MINIMUM)
    details = {ident: rest for ident, *rest in Dispute.select(
        Dispute.id, Dispute.title, Dispute.override_reason, Account.id, Account.name).join(Account).where(
        Dispute.id.in_([r.dispute_id for r in found])).tuples()} if found else {}
    overrides, accounts = [], {}
    for resolution in reversed(found):
        title, reason, account_id, account = details[resolution.dispute_id]
        if resolution.overridden:
            overrides.append(Override(resolution.dispute_id, title, account, resolution.resolved_at,
                                      resolution.to_supplier, resolution.to_customer, reason.strip()))
        count, to_supplier, to_customer = accounts.get((account, account_id), (0, 0, 0))
        accounts[account, account_id] = (count + 1, to_supplier + resolution.to_supplier,
                                          to_customer + resolution.to_customer)
    return Advocacy(Ref(person.id, person.name), start, end, value, flag_of(value), overrides,
                    [AccountValue(ident, name, *sums) for (name, ident), sums in sorted(accounts.items())])


def advocates(actor: Actor, clock, *, start: datetime | None = None, end: datetime | None = None
              ) -> tuple[datetime, datetime, list[Advocate]]:
    """Every account manager of the caller's supplier side by side, by name, over [start,
    end) (by default the last 12 months): for its administrators and auditors."""
    if not actor.is_supplier:
        raise NotFound("account managers' advocacy", "list")
    if not reads_everyones(actor):
        raise Forbidden("account managers side by side are for the supplier's administrators and auditors")
    start, end = last_year(clock.now(), start, end)
    people = [p for p in _managers(actor).order_by(fn.LOWER(Person.name), Person.id) if "account_manager" in p.roles]
    where = _mediated(actor, [p.id for p in people])
    found = resolutions(where, start, end)
    mediator_of = dict(Dispute.select(Dispute.id, Dispute.mediator).where(
        Dispute.id.in_([r.dispute_id for r in found])).tuples()) if found else {}
    by_person = {p.id: [] for p in people}
    for resolution in found:
        mediator = mediator_of.get(resolution.dispute_id)
        if mediator in by_person:  # not when mediators were reassigned since the first read
            by_person[mediator].append(resolution)
    side_by_side = []
    for person in people:
        value = balance_of(by_person[person.id], ADVOCACY_MINIMUM)
        side_by_side.append(Advocate(Ref(person.id, person.name), value, flag_of(value)))
    return start, end, side_by_side
