"""Finding the disputes a caller may see, and reading what is recorded on them.

Every read of a dispute starts with `get_dispute` or `list_disputes`, which apply the
tenant rule (mediation.access); what a customer may read of a dispute (never its
internal stories, notes or events) is decided here too. The read model built from these
answers is mediation.dispute_reading.
"""

from datetime import timedelta

from mediation.access import Actor
from mediation.access import readable_chain
from mediation.access import sees_internal
from mediation.access import visible_accounts
from mediation.access import visible_accounts_sql
from mediation.db import columns
from mediation.db import execute
from mediation.db import loaded
from mediation.dispute_permissions import involving
from mediation.disputes import Acceptance
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Note
from mediation.disputes import Option
from mediation.disputes import Party
from mediation.disputes import SEVERITIES
from mediation.disputes import Story
from mediation.disputes import VISIBILITIES
from mediation.errors import NotFound
from mediation.ledger import AuditEvent
from mediation.ledger import events_of
from mediation.lifecycle import STATES
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person


STALE_INTAKE = timedelta(hours=24)


def visible_disputes(actor: Actor):
    return Dispute.select().where(Dispute.account.in_(visible_accounts(actor).select(Account.id)))


def readable_visibilities(actor: Actor) -> tuple[str, ...]:
    """The visibilities of the stories and notes the caller may read: a customer's people
    read only shared ones."""
    return VISIBILITIES if sees_internal(actor) else ("shared",)


def visible_sql(actor: Actor) -> tuple[str, list]:
    """The condition of `visible_disputes` on the dispute `d`, for hand-written SQL."""
    accounts, params = visible_accounts_sql(actor)
    return f'd."account_id" IN ({accounts})', params


def _read_disputes(conditions: list[str], params: list, limit: int, order: tuple[str, list] = ('d."id"', [])
                   ) -> list[Dispute]:
    by, order_params = order
    sql = (f'SELECT {columns(Dispute, "d")} FROM "dispute" AS d WHERE {" AND ".join(conditions)}'
           f' ORDER BY {by} LIMIT {int(limit)}')
    return [loaded(Dispute, row) for row in execute(sql, params + order_params)]


def get_dispute(actor: Actor, dispute_id: int) -> Dispute:
    """The dispute, or NotFound when it does not exist or belongs to another customer. Every
    read of a dispute starts here, so its SQL is written by hand (see `mediation.db.portable`)."""
    visible, params = visible_sql(actor)
    found = _read_disputes([visible, 'd."id" = ?'], params + [dispute_id], limit=1)
    if not found:
        raise NotFound("dispute", dispute_id)
    return found[0]


def is_stale(dispute: Dispute, now) -> bool:
    """A dispute left sitting in intake is flagged: conflict is addressed immediately."""
    return dispute.state == "intake" and now - dispute.state_changed_at > STALE_INTAKE


def list_disputes(actor: Actor, now, *, limit=50, sort=None, order="asc", **filters) -> list[Dispute]:
    """One page of visible disputes after the `after` cursor, in the order of `sort` and
    `order` (see `ordering`). Integrators poll it and the disputes page reads it on every
    visit, so its SQL is written by hand (see `mediation.db.portable`)."""
    conditions, params = list_conditions(actor, now, sort=sort, order=order, **filters)
    return _read_disputes(conditions, params, limit, ordering(now, sort, order))


# What a list of disputes may be sorted by: its columns as the disputes page shows them.
SORTS = ("title", "account", "project", "severity", "state", "stale", "updated_at")
ORDERS = ("asc", "desc")
# Each, on the dispute `d`: text as people read it, whatever its case; severities and states
# in their own order; stale ones after the others (_STALE).
_KEYS = {
    "title": 'lower(d."title")',
    "account": '(SELECT lower(a."name") FROM "account" AS a WHERE a."id" = d."account_id")',
    "project": 'coalesce((SELECT lower(p."name") FROM "project" AS p WHERE p."id" = d."project_id"), \'\')',
    "severity": "CASE d.\"severity\" " + " ".join(f"WHEN '{s}' THEN {n}" for n, s in enumerate(SEVERITIES)) + " END",
    "state": "CASE d.\"state\" " + " ".join(f"WHEN '{s}' THEN {n}" for n, s in enumerate(STATES)) + " END",
    "updated_at": 'd."updated_at"',
}
_STALE = '(d."state" = ? AND d."state_changed_at" < ?)'


def _stale_params(now) -> list:
    return ["intake", Dispute.state_changed_at.db_value(now - STALE_INTAKE)]


def sort_key(now, sort: str | None) -> tuple[str, list]:
    """The value a list is sorted by, on the dispute `d`, with its parameters: the id
    without a sort, the order disputes were opened in."""
    if sort is None:
        return 'd."id"', []
    if sort == "stale":
        return _STALE, _stale_params(now)
    return _KEYS[sort], []


def ordering(now, sort: str | None = None, order: str = "asc") -> tuple[str, list]:
    """The ORDER BY of a list sorted by `sort` (one of SORTS, or None), ascending or
    descending, with its parameters; disputes of the same value follow one another by id,
    so that a page's last dispute says where the next page starts."""
    key, params = sort_key(now, sort)
    direction = "DESC" if order == "desc" else "ASC"
    if sort is None:
        return f"{key} {direction}", params
    return f'{key} {direction}, d."id" {direction}', params


def _after(actor: Actor, now, sort: str | None, order: str, after: int) -> tuple[str, list]:
    """The condition of the disputes that follow the dispute `after` in this order. Where
    that dispute stands is read only among those the caller may see: another customer's
    dispute as a cursor finds nothing, so its title or state cannot be learned by where the
    caller's own disputes fall around it."""
    comparison = "<" if order == "desc" else ">"
    if sort is None:
        return f'd."id" {comparison} ?', [after]
    key, key_params = sort_key(now, sort)
    visible, visible_params = visible_sql(actor)
    return (f'({key}, d."id") {comparison} (SELECT {key}, d."id" FROM "dispute" AS d WHERE d."id" = ? AND {visible})',
            [*key_params, *key_params, after, *visible_params])


def list_conditions(actor: Actor, now, *, state=None, account_id=None, project_id=None, severity=None,
                    stale=None, customer_id=None, mine=False, sort=None, order="asc",
                    after=None) -> tuple[list[str], list]:
    """The conditions on the dispute `d` of a list with these filters, and their
    parameters. `mine` keeps the disputes the caller is part of
    (`dispute_permissions.involving`); `after` is the last dispute of the page before, in
    the order of `sort` and `order`."""
    visible, params = visible_sql(actor)
    conditions = [visible]
    for column, value in (("state", state), ("account_id", account_id), ("project_id", project_id),
                          ("severity", severity)):
        if value:
            conditions.append(f'd."{column}" = ?')
            params.append(value)
    if customer_id:
        conditions.append('d."account_id" IN (SELECT a."id" FROM "account" AS a WHERE a."customer_id" = ?)')
        params.append(customer_id)
    if mine:
        involved, involved_params = Dispute.select(Dispute.id).where(involving(actor)).sql()
        conditions.append(f'd."id" IN ({involved})')
        params += involved_params
    if stale is not None:
        conditions.append(('' if stale else 'NOT ') + _STALE)
        params += _stale_params(now)
    if after:
        condition, after_params = _after(actor, now, sort, order, after)
        conditions.append(condition)
        params += after_params
    return conditions, params


def dispute_history(actor: Actor, dispute_id: int, *, after: int = 0, limit: int | None = None,
                    before: int | None = None, latest: bool = False) -> list[AuditEvent]:
    """The dispute's events the caller may read, oldest first: every one, or the first
    `limit` after the position `after`, or with `latest` the last `limit` before the
    position `before` (a page read from the end of a long history), positions as
    `access.event_position` gives them. Customers read the account's shared chain alone,
    so never an internal event."""
    dispute = get_dispute(actor, dispute_id)
    found = []
    for event in events_of("dispute", dispute_id, after, before=before, newest_first=latest,
                           chain=readable_chain(actor, dispute.account_id)):
        found.append(event)
        if len(found) == limit:
            break
    return found[::-1] if latest else found


def _readable_notes(actor: Actor, dispute: Dispute, before: int | None):
    notes = Note.select().where((Note.dispute == dispute.id) & Note.visibility.in_(readable_visibilities(actor)))
    return notes if before is None else notes.where(Note.id < before)


def notes_of(actor: Actor, dispute: Dispute, *, limit: int, after: int = 0, before: int | None = None,
             latest: bool = False) -> list[Note]:
    """The notes the caller may read, oldest first: the first `limit` after the note
    `after`, or with `latest` the last `limit` before the note `before`. A dispute's notes
    are the one record without bound, so they are read in pages."""
    notes = _readable_notes(actor, dispute, before).where(Note.id > after)
    if latest:
        return list(notes.order_by(Note.id.desc()).limit(limit))[::-1]
    return list(notes.order_by(Note.id).limit(limit))


def count_notes(actor: Actor, dispute: Dispute, *, before: int | None = None) -> int:
    """How many notes the caller may read (before the note `before`)."""
    return _readable_notes(actor, dispute, before).count()


def details(actor: Actor, dispute: Dispute) -> dict:
    """Everything recorded on a dispute that the caller may read but its notes (see
    notes_of), a few queries in all."""
    parties = list(
        Party.select(Party, Person, Organization)
        .join(Person, on=(Party.person == Person.id))
        .join(Organization)
        .where(Party.dispute == dispute.id)
        .order_by(Party.id)
    )
    stories = (Story.select().where((Story.dispute == dispute.id) & Story.visibility.in_(readable_visibilities(actor)))
               .order_by(Story.id))
    acceptances = list(
        Acceptance.select(Acceptance, Organization)
        .join(Organization)
        .where(Acceptance.dispute == dispute.id)
        .order_by(Acceptance.id)
    )
    return {
        "parties": parties,
        "stories": list(stories),
        "options": list(Option.select().where(Option.dispute == dispute.id).order_by(Option.id)),
        "acceptances": acceptances,
        "commitments": list(
            Commitment.select().where(Commitment.dispute == dispute.id).order_by(Commitment.id)
        ),
    }


def is_overdue(commitment: Commitment, now) -> bool:
    return commitment.status == "open" and commitment.due_at < now
