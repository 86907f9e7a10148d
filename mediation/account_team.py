"""The team of each account: the people of either company who work on it, each with the
function they serve in. The administrators of each company keep their own company's side,
on the record; everyone who sees the account sees the whole team.

Changes to one account's team are serialized on its row, so two administrators adding the
same person at once get one member and a clear refusal, not an error.
"""

from dataclasses import dataclass
from datetime import datetime

from mediation.access import Actor
from mediation.access import refuse_read_only
from mediation.access import visible_account
from mediation.db import locked
from mediation.db import write_transaction
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.ledger import append
from mediation.parties import Account
from mediation.parties import AccountMember
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Ref

FUNCTION_LENGTH = 40
# Functions offered on the forms; any other of up to FUNCTION_LENGTH characters is taken too.
FUNCTIONS = ("engineering", "finance", "support", "operations", "procurement", "legal", "executive sponsor")
# Members a side of one account may have: the team is read whole, on every relationship page.
MAX_SIDE = 50


@dataclass(frozen=True)
class TeamMember:
    person: Ref
    side: str
    function: str
    added_at: datetime


def members(account_id: int) -> list[TeamMember]:
    """The account's team, the supplier's side first, each side by function then name: for
    callers that have already checked the reader sees the account."""
    rows = (AccountMember.select(AccountMember.function, AccountMember.added_at, Person.id, Person.name,
                                 Organization.kind)
            .join(Person).join(Organization)
            .where(AccountMember.account == account_id).tuples())
    found = [TeamMember(Ref(ident, name), kind, function, added_at)
             for function, added_at, ident, name, kind in rows]
    return sorted(found, key=lambda m: (m.side != "supplier", m.function.lower(), m.person.name.lower()))


def team_of(actor: Actor, account_id: int) -> list[TeamMember]:
    """The account's team; NotFound when the caller may not see the account."""
    return members(visible_account(actor, account_id).id)


def may_keep_team(actor: Actor) -> bool:
    """Whether the caller keeps their own company's side of the teams of the accounts they see."""
    return actor.has("admin") and not actor.is_read_only


def _require_keeper(actor: Actor) -> None:
    refuse_read_only(actor)
    if not actor.has("admin"):
        raise Forbidden("an administrator of each company keeps that company's side of the team")


def _function(text: str) -> str:
    function = " ".join((text or "").split())
    if not 1 <= len(function) <= FUNCTION_LENGTH:
        raise Invalid.field("function", f"must be 1 to {FUNCTION_LENGTH} characters")
    return function


def _locked_account(actor: Actor, account_id: int) -> Account:
    account = visible_account(actor, account_id)
    return locked(Account.select().where(Account.id == account.id)).get()


def _own_person(actor: Actor, person_id: int) -> Person:
    """A person of the caller's own company; Invalid for anyone else, so that another
    company's people cannot be told apart from people who do not exist."""
    person = Person.get_or_none((Person.id == person_id) & (Person.organization == actor.organization.id))
    if person is None:
        raise Invalid.field("person_id", f"not a person of {actor.organization.name}")
    return person


def _member(account: Account, actor: Actor, person_id: int) -> AccountMember:
    """The caller's company's member `person_id` of the account: NotFound when not on the
    team, Forbidden when of the other company (which keeps that side)."""
    member = (AccountMember.select(AccountMember, Person).join(Person)
              .where((AccountMember.account == account.id) & (AccountMember.person == person_id)).first())
    if member is None:
        raise NotFound("team member", person_id)
    if member.person.organization_id != actor.organization.id:
        raise Forbidden("the other company keeps its own side of the team")
    return member


def _payload(person: Person, function: str, actor: Actor, **more) -> dict:
    return {"person_id": person.id, "name": person.name, "function": function, "company": actor.company, **more}


def add_member(actor: Actor, clock, *, account_id: int, person_id: int, function: str) -> TeamMember:
    """Put a person of the caller's company on the account's team."""
    _require_keeper(actor)
    function = _function(function)
    with write_transaction():
        account = _locked_account(actor, account_id)
        person = _own_person(actor, person_id)
        if person.disabled_at is not None:
            raise Invalid.field("person_id", f"{person.name} is disabled")
        team = AccountMember.select().join(Person).where(
            (AccountMember.account == account.id) & (Person.organization == actor.organization.id))
        if team.where(AccountMember.person == person.id).exists():
            raise Conflict(f"{person.name} is already on the team")
        if team.count() >= MAX_SIDE:
            raise Conflict(f"a side of a team has at most {MAX_SIDE} people")
        now = clock.now()
        AccountMember.create(account=account, person=person, function=function, added_at=now)
        append("account", account.id, "team_member_added", account_id=account.id, actor=actor.signing("admin"), at=now,
               payload=_payload(person, function, actor))
    return TeamMember(Ref(person.id, person.name), actor.company, function, now)


def change_function(actor: Actor, clock, *, account_id: int, person_id: int, function: str) -> TeamMember:
    """Change the function a member of the caller's company serves in; the same function
    again changes nothing and records nothing."""
    _require_keeper(actor)
    function = _function(function)
    with write_transaction():
        account = _locked_account(actor, account_id)
        member = _member(account, actor, person_id)
        if member.function != function:
            AccountMember.update(function=function).where(AccountMember.id == member.id).execute()
            append("account", account.id, "team_function_changed", account_id=account.id, actor=actor.signing("admin"), at=clock.now(),
                   payload=_payload(member.person, function, actor, **{"from": member.function}))
    return TeamMember(Ref(member.person.id, member.person.name), actor.company, function, member.added_at)


def remove_member(actor: Actor, clock, *, account_id: int, person_id: int) -> TeamMember:
    """Take a member of the caller's company off the account's team; the member as they were."""
    _require_keeper(actor)
    with write_transaction():
        account = _locked_account(actor, account_id)
        member = _member(account, actor, person_id)
        AccountMember.delete().where(AccountMember.id == member.id).execute()
        append("account", account.id, "team_member_removed", account_id=account.id, actor=actor.signing("admin"), at=clock.now(),
               payload=_payload(member.person, member.function, actor))
    return TeamMember(Ref(member.person.id, member.person.name), actor.company, member.function,
                      member.added_at)


@dataclass(frozen=True)
class TeamPage:
    account: Account
    members: list[TeamMember]
    may_keep: bool
    candidates: list[Ref]  # the caller's company's active people not on the team yet


def team_page(actor: Actor, account_id: int) -> TeamPage:
    """The account's team as its page shows it, with whom the caller may add when they keep
    their company's side; NotFound when the caller may not see the account."""
    account = visible_account(actor, account_id)
    found = members(account.id)
    keeps = may_keep_team(actor)
    candidates = []
    if keeps:
        on_team = AccountMember.select(AccountMember.person).where(AccountMember.account == account.id)
        candidates = [Ref(ident, name) for ident, name in Person.select(Person.id, Person.name).where(
            (Person.organization == actor.organization.id) & Person.disabled_at.is_null()
            & Person.id.not_in(on_team)).order_by(Person.name, Person.id).tuples()]
    return TeamPage(account, found, keeps, candidates)
