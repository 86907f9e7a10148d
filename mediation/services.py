"""Dispute use cases. Each runs in one write transaction together with its audit event.

Every change bumps the dispute's `version` with a conditional update, so a concurrent
change is refused (StaleVersion) instead of silently overwritten. Anything raised
inside the transaction rolls back every row and the event with it.
"""

from datetime import timedelta

from peewee import IntegrityError

from mediation import hooks
from mediation import lifecycle
from mediation.access import Actor
from mediation.access import is_supplier_admin
from mediation.access import manages
from mediation.access import refuse_read_only
from mediation.access import sees_internal
from mediation.access import visible_account
from mediation.access import visible_accounts
from mediation.access import visible_accounts_sql
from mediation.db import execute
from mediation.db import ROW_LOCK
from mediation.db import columns
from mediation.db import is_postgres
from mediation.db import loaded
from mediation.db import portable
from mediation.db import write_transaction
from mediation.disputes import Acceptance
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Note
from mediation.disputes import Option
from mediation.disputes import Party
from mediation.disputes import SEVERITIES
from mediation.disputes import VISIBILITIES
from mediation.disputes import Story
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from mediation.guards import SCORE_RANGE
from mediation.ledger import AuditEvent
from mediation.ledger import append
from mediation.ledger import events_of
from mediation.parties import Account
from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project

STALE_INTAKE = timedelta(hours=24)
STORY_STATES = ("intake", "story_gathering")
PARTY_STATES = ("intake", "story_gathering")
OPTION_STATES = ("option_generation",)
ACCEPTANCE_STATES = ("resolution",)
COMMITMENT_STATES = ("resolution", "resolved")


# --- reading -----------------------------------------------------------------------------


def visible_disputes(actor: Actor):
    return Dispute.select().where(Dispute.account.in_(visible_accounts(actor).select(Account.id)))


def _visible(actor: Actor) -> tuple[str, list]:
    """The condition of `visible_disputes` on the dispute `d`, for hand-written SQL."""
    accounts, params = visible_accounts_sql(actor)
    return f'd."account_id" IN ({accounts})', params


def _read_disputes(conditions: list[str], params: list, limit: int) -> list[Dispute]:
    sql = (f'SELECT {columns(Dispute, "d")} FROM "dispute" AS d WHERE {" AND ".join(conditions)}'
           f' ORDER BY d."id" LIMIT {int(limit)}')
    return [loaded(Dispute, row) for row in execute(sql, params)]


def get_dispute(actor: Actor, dispute_id: int) -> Dispute:
    """The dispute, or NotFound when it does not exist or belongs to another customer. Every
    read of a dispute starts here, so its SQL is written by hand (see `mediation.db.portable`)."""
    visible, params = _visible(actor)
    found = _read_disputes([visible, 'd."id" = ?'], params + [dispute_id], limit=1)
    if not found:
        raise NotFound("dispute", dispute_id)
    return found[0]


def is_stale(dispute: Dispute, now) -> bool:
    """A dispute left sitting in intake is flagged: conflict is addressed immediately."""
    return dispute.state == "intake" and now - dispute.state_changed_at > STALE_INTAKE


def list_disputes(
    actor: Actor,
    now,
    *,
    state=None,
    account_id=None,
    project_id=None,
    severity=None,
    stale=None,
    after=None,
    limit=50,
) -> list[Dispute]:
    """One page of visible disputes, newest id last, after the `after` cursor. Integrators
    poll it and the disputes page reads it on every visit, so its SQL is written by hand
    (see `mediation.db.portable`)."""
    visible, params = _visible(actor)
    conditions = [visible]
    for column, value in (("state", state), ("account_id", account_id), ("project_id", project_id),
                          ("severity", severity)):
        if value:
            conditions.append(f'd."{column}" = ?')
            params.append(value)
    if stale is not None:
        conditions.append(('' if stale else 'NOT ') + '(d."state" = ? AND d."state_changed_at" < ?)')
        params += ["intake", Dispute.state_changed_at.db_value(now - STALE_INTAKE)]
    if after:
        conditions.append('d."id" > ?')
        params.append(after)
    return _read_disputes(conditions, params, limit)


def dispute_history(actor: Actor, dispute_id: int, *, after: int = 0, limit: int | None = None,
                    before: int | None = None, latest: bool = False) -> list[AuditEvent]:
    """The dispute's events the caller may read, oldest first: every one, or the first
    `limit` after the sequence `after`, or with `latest` the last `limit` before the
    sequence `before` (a page read from the end of a long history). Customers never see
    internal ones."""
    get_dispute(actor, dispute_id)
    internal = sees_internal(actor)
    found = []
    for event in events_of("dispute", dispute_id, after, before=before, newest_first=latest):
        if internal or event.data.get("visibility") != "internal":
            found.append(event)
            if len(found) == limit:
                break
    return found[::-1] if latest else found


def _readable_notes(actor: Actor, dispute: Dispute, before: int | None):
    notes = Note.select().where(Note.dispute == dispute.id)
    if not sees_internal(actor):
        notes = notes.where(Note.visibility == "shared")
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
    internal = sees_internal(actor)
    parties = list(
        Party.select(Party, Person, Organization)
        .join(Person, on=(Party.person == Person.id))
        .join(Organization)
        .where(Party.dispute == dispute.id)
        .order_by(Party.id)
    )
    stories = Story.select().where(Story.dispute == dispute.id).order_by(Story.id)
    if not internal:
        stories = stories.where(Story.visibility == "shared")
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


# --- writing -----------------------------------------------------------------------------


def _case_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """The capacity in which `actor` runs this dispute's process, or None."""
    if dispute.mediator_id == actor.person_id:
        return "mediator"
    if dispute.co_mediator_id == actor.person_id:
        return "co_mediator"
    if manages(actor, dispute.account_id):
        return "account_manager"
    if is_supplier_admin(actor):
        return "admin"
    return None


def _is_party(dispute: Dispute, person_id: int) -> bool:
    return Party.select().where((Party.dispute == dispute.id) & (Party.person == person_id)).exists()


def case_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """The capacity in which `actor` may run this dispute's process (transitions, options,
    parties, mediators, commitments), or None; read-only auditors never do."""
    if actor.is_read_only:
        return None
    return _case_capacity(actor, dispute)


def participant_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """As `case_capacity`, or "party" for a party: who may write notes and tell a story
    (a party only their own)."""
    if actor.is_read_only:
        return None
    capacity = _case_capacity(actor, dispute)
    if capacity is None and _is_party(dispute, actor.person_id):
        return "party"
    return capacity


def acceptance_capacity(actor: Actor, dispute: Dispute) -> str | None:
    """As `participant_capacity`, or "point_person": who may accept an option for their company."""
    capacity = participant_capacity(actor, dispute)
    if capacity is None and actor.has("point_person"):
        return "point_person"
    return capacity


def openable_accounts(actor: Actor) -> list[Account]:
    """The accounts on which `actor` may open a dispute: those they manage, or every one
    they see as a supplier administrator."""
    if actor.is_read_only:
        return []
    accounts = visible_accounts(actor).order_by(Account.name)
    if is_supplier_admin(actor):
        return list(accounts)
    if not actor.has("account_manager"):
        return []
    managed = AccountManager.select(AccountManager.account).where(AccountManager.person == actor.person_id)
    return list(accounts.where(Account.id.in_(managed)))


def _require_case_worker(actor: Actor, dispute: Dispute) -> str:
    refuse_read_only(actor)
    capacity = _case_capacity(actor, dispute)
    if capacity is None:
        raise Forbidden(
            "only the mediator, the co-mediator, the account's managers or an administrator "
            "may do this"
        )
    return capacity


def _require_state(dispute: Dispute, allowed: tuple[str, ...], what: str) -> None:
    if dispute.state not in allowed:
        raise Conflict(
            f"{what} can be recorded in {' or '.join(allowed)}; this dispute is in {dispute.state}"
        )


def _check_visibility(actor: Actor, visibility: str, refusal: str) -> None:
    if visibility not in VISIBILITIES:
        raise Invalid.field("visibility", f"must be one of: {', '.join(VISIBILITIES)}")
    if visibility == "internal" and not sees_internal(actor):
        raise Forbidden(refusal)


def _load(actor: Actor, dispute_id: int, expected_version: int | None) -> Dispute:
    """The dispute to change, as `get_dispute` finds it, checked against `expected_version`.

    On PostgreSQL the row stays locked until commit, so concurrent writers take turns:
    a record sent without `expected_version` is never refused as stale, and a check such
    as "already a party" sees what the writer before committed.
    """
    visible, params = _visible(actor)
    sql = portable(f'SELECT d.* FROM "dispute" AS d WHERE d."id" = ? AND {visible}')
    if is_postgres():
        sql += f" {ROW_LOCK} OF d"
    dispute = next(iter(Dispute.raw(sql, dispute_id, *params)), None)
    if dispute is None:
        raise NotFound("dispute", dispute_id)
    if expected_version is not None and expected_version != dispute.version:
        raise StaleVersion(dispute.version)
    return dispute


def _commit_change(
    dispute: Dispute,
    actor: Actor,
    capacity: str,
    clock,
    kind: str,
    payload: dict,
    to_state: str | None = None,
    **columns,
) -> None:
    """Bump the version (only if nobody else did), set columns, append the event."""
    now = clock.now()
    values = dict(columns, version=dispute.version + 1, updated_at=now)
    if to_state is not None:
        values.update(state=to_state, state_changed_at=now)
    fields = [Dispute._meta.fields[name] for name in values]
    assignments = ", ".join(f"{field.column_name} = ?" for field in fields)
    params = [field.db_value(values[field.name]) for field in fields] + [dispute.id, dispute.version]
    changed = execute(f"UPDATE dispute SET {assignments} WHERE id = ? AND version = ?", params).rowcount
    if changed != 1:
        current = Dispute.select(Dispute.version).where(Dispute.id == dispute.id).scalar()
        raise StaleVersion(current)
    signature = actor.signing(capacity)
    from_state = dispute.state
    append(
        "dispute",
        dispute.id,
        kind,
        actor=signature,
        at=now,
        from_state=from_state,
        to_state=to_state or from_state,
        payload=payload,
    )
    for name, value in values.items():
        setattr(dispute, name, value)
    if to_state is not None:
        hooks.dispute_changed(dispute, from_state, to_state, signature, now)


def _people_by_id(ids) -> dict[int, Person]:
    ids = list(set(ids))
    if not ids:
        return {}
    query = Person.select(Person, Organization).join(Organization).where(Person.id.in_(ids))
    return {p.id: p for p in query}


def _parties_errors(account: Account, people: dict[int, Person], party_ids) -> list[str]:
    """One message for unknown ids and other tenants' people alike, so that a customer
    cannot learn which ids exist at another customer."""
    companies = {account.supplier_id, account.customer_id}
    outside = [pid for pid in party_ids if pid not in people or people[pid].organization_id not in companies]
    if not outside:
        return []
    return [f"not people of this account's two companies: {', '.join(map(str, outside))}"]


def open_dispute(
    actor: Actor,
    clock,
    *,
    title: str,
    summary: str,
    account_id: int,
    severity: str,
    party_ids=(),
    project_id: int | None = None,
    mediator_id: int | None = None,
    co_mediator_id: int | None = None,
) -> Dispute:
    refuse_read_only(actor)
    if severity not in SEVERITIES:
        raise Invalid.field("severity", f"must be one of: {', '.join(SEVERITIES)}")
    party_ids = list(dict.fromkeys(party_ids))
    with write_transaction():
        try:
            account = visible_account(actor, account_id)
        except NotFound:
            raise Invalid.field("account_id", f"account {account_id} does not exist") from None
        managing = manages(actor, account.id)
        if not (managing or is_supplier_admin(actor)):
            raise Forbidden("disputes are opened by the account's managers or an administrator")
        if mediator_id is None and managing:
            mediator_id = actor.person_id
        people = _people_by_id(party_ids + [i for i in (mediator_id, co_mediator_id) if i])
        errors = {}
        if project_id is not None and not Project.select().where(
            (Project.id == project_id) & (Project.account == account.id)
        ).exists():
            errors["project_id"] = [f"project {project_id} is not a project of this account"]
        party_problems = _parties_errors(account, people, party_ids)
        if party_problems:
            errors["party_ids"] = party_problems
        if mediator_id is not None:
            mediator = people.get(mediator_id)
            if mediator is None or mediator.organization_id != account.supplier_id:
                errors["mediator_id"] = [f"person {mediator_id} is not a person of the supplier"]
        if co_mediator_id is not None:
            co_mediator = people.get(co_mediator_id)
            if co_mediator is None or co_mediator.organization_id != account.customer_id:
                errors["co_mediator_id"] = [f"person {co_mediator_id} is not a person of the customer"]
        if errors:
            raise Invalid(errors)
        now = clock.now()
        dispute = Dispute.create(
            title=title.strip(),
            summary=summary,
            account=account,
            project=project_id,
            severity=severity,
            state=lifecycle.INITIAL_STATE,
            mediator=mediator_id,
            co_mediator=co_mediator_id,
            opened_by=actor.person_id,
            created_at=now,
            updated_at=now,
            state_changed_at=now,
        )
        if party_ids:
            rows = [{"dispute": dispute.id, "person": pid, "added_at": now} for pid in party_ids]
            Party.insert_many(rows).execute()
        signature = actor.signing("account_manager" if managing else "admin")
        append(
            "dispute",
            dispute.id,
            "opened",
            actor=signature,
            at=now,
            to_state=dispute.state,
            payload={
                "title": dispute.title,
                "summary": summary,
                "account_id": account.id,
                "project_id": project_id,
                "severity": severity,
                "party_ids": party_ids,
                "mediator_id": mediator_id,
                "co_mediator_id": co_mediator_id,
            },
        )
        hooks.dispute_changed(dispute, None, dispute.state, signature, now)
    return dispute


def add_party(actor: Actor, clock, dispute_id: int, *, person_id: int, expected_version=None) -> Dispute:
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _require_case_worker(actor, dispute)
        _require_state(dispute, PARTY_STATES, "parties")
        account = dispute.account
        problems = _parties_errors(account, _people_by_id([person_id]), [person_id])
        if problems:
            raise Invalid({"person_id": problems})
        if _is_party(dispute, person_id):
            raise Conflict(f"person {person_id} is already a party to this dispute")
        Party.create(dispute=dispute, person=person_id, added_at=clock.now())
        _commit_change(dispute, actor, capacity, clock, "party_added", {"person_id": person_id})
    return dispute


def assign_mediators(
    actor: Actor, clock, dispute_id: int, *, mediator_id=None, co_mediator_id=None, expected_version=None
) -> Dispute:
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _require_case_worker(actor, dispute)
        _require_state(dispute, lifecycle.OPEN_STATES, "mediators")
        people = _people_by_id([i for i in (mediator_id, co_mediator_id) if i])
        errors = {}
        if mediator_id is not None and getattr(people.get(mediator_id), "organization_id", None) != dispute.account.supplier_id:
            errors["mediator_id"] = [f"person {mediator_id} is not a person of the supplier"]
        if co_mediator_id is not None and getattr(people.get(co_mediator_id), "organization_id", None) != dispute.account.customer_id:
            errors["co_mediator_id"] = [f"person {co_mediator_id} is not a person of the customer"]
        if mediator_id is None and co_mediator_id is None:
            errors["mediator_id"] = ["give a mediator_id, a co_mediator_id or both"]
        if errors:
            raise Invalid(errors)
        columns = {}
        if mediator_id is not None:
            columns["mediator"] = mediator_id
        if co_mediator_id is not None:
            columns["co_mediator"] = co_mediator_id
        _commit_change(
            dispute, actor, capacity, clock, "mediators_assigned",
            {"mediator_id": mediator_id, "co_mediator_id": co_mediator_id}, **columns,
        )
    return Dispute.get_by_id(dispute.id)


def record_story(
    actor: Actor,
    clock,
    dispute_id: int,
    *,
    party_id: int,
    text: str | None = None,
    visibility: str = "shared",
    declined: bool = False,
    expected_version=None,
) -> Story:
    refuse_read_only(actor)
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _case_capacity(actor, dispute)
        if capacity is None and party_id == actor.person_id:
            capacity = "party"
        if capacity is None:
            raise Forbidden("a party tells their own story; the mediators may record anyone's")
        _check_visibility(actor, visibility, "only the supplier records internal stories")
        _require_state(dispute, STORY_STATES, "stories")
        if not _is_party(dispute, party_id):
            raise Invalid.field("party_id", f"person {party_id} is not a party to this dispute")
        if declined and text:
            raise Invalid.field("text", "a declined story has no text")
        if not declined and not (text and text.strip()):
            raise Invalid.field("text", "tell the story, or mark the party as declining")
        story = Story.create(
            dispute=dispute,
            party=party_id,
            recorded_by=actor.person_id,
            text=text if not declined else None,
            declined=declined,
            visibility=visibility,
            created_at=clock.now(),
        )
        _commit_change(
            dispute, actor, capacity, clock, "story_declined" if declined else "story_recorded",
            {"story_id": story.id, "party_id": party_id, "text": story.text, "visibility": visibility},
        )
    return story


def propose_option(
    actor: Actor,
    clock,
    dispute_id: int,
    *,
    summary: str,
    value_to_supplier: int,
    value_to_customer: int,
    expected_version=None,
) -> Option:
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _require_case_worker(actor, dispute)
        _require_state(dispute, OPTION_STATES, "options")
        errors = {
            name: [f"must be between {SCORE_RANGE.start} and {SCORE_RANGE.stop - 1}"]
            for name, value in (("value_to_supplier", value_to_supplier), ("value_to_customer", value_to_customer))
            if value not in SCORE_RANGE
        }
        if errors:
            raise Invalid(errors)
        option = Option.create(
            dispute=dispute,
            summary=summary,
            value_to_supplier=value_to_supplier,
            value_to_customer=value_to_customer,
            proposed_by=actor.person_id,
            created_at=clock.now(),
        )
        _commit_change(
            dispute, actor, capacity, clock, "option_proposed",
            {"option_id": option.id, "summary": summary,
             "value_to_supplier": value_to_supplier, "value_to_customer": value_to_customer},
        )
    return option


def accept_option(actor: Actor, clock, dispute_id: int, *, option_id: int, expected_version=None) -> Acceptance:
    """The caller accepts an option for their own company."""
    refuse_read_only(actor)
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = acceptance_capacity(actor, dispute)
        if capacity is None:
            raise Forbidden("acceptances come from the parties, point people and mediators")
        _require_state(dispute, ACCEPTANCE_STATES, "acceptances")
        if not Option.select().where((Option.id == option_id) & (Option.dispute == dispute.id)).exists():
            raise Invalid.field("option_id", f"option {option_id} is not an option of this dispute")
        already = Acceptance.select().where(
            (Acceptance.option == option_id) & (Acceptance.organization == actor.organization.id)
        )
        if already.exists():
            raise Conflict(f"{actor.organization.name} has already accepted option {option_id}")
        try:
            with write_transaction():
                acceptance = Acceptance.create(
                    dispute=dispute,
                    option=option_id,
                    person=actor.person_id,
                    organization=actor.organization.id,
                    created_at=clock.now(),
                )
        except IntegrityError:
            raise Conflict(f"{actor.organization.name} has already accepted option {option_id}") from None
        _commit_change(
            dispute, actor, capacity, clock, "option_accepted",
            {"option_id": option_id, "organization_id": actor.organization.id, "company": actor.company},
        )
    return acceptance


def add_note(actor: Actor, clock, dispute_id: int, *, text: str, visibility: str = "shared", expected_version=None) -> Note:
    refuse_read_only(actor)
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = participant_capacity(actor, dispute)
        if capacity is None:
            raise Forbidden("notes come from the parties and the mediators")
        _check_visibility(actor, visibility, "only the supplier writes internal notes")
        note = Note.create(
            dispute=dispute, author=actor.person_id, text=text, visibility=visibility, created_at=clock.now()
        )
        _commit_change(
            dispute, actor, capacity, clock, "note_added",
            {"note_id": note.id, "text": text, "visibility": visibility},
        )
    return note


def record_commitment(
    actor: Actor, clock, dispute_id: int, *, person_id: int, description: str, due_at, expected_version=None
) -> Commitment:
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _require_case_worker(actor, dispute)
        _require_state(dispute, COMMITMENT_STATES, "commitments")
        problems = _parties_errors(dispute.account, _people_by_id([person_id]), [person_id])
        if problems:
            raise Invalid({"person_id": problems})
        commitment = Commitment.create(
            dispute=dispute,
            person=person_id,
            description=description,
            due_at=due_at,
            recorded_by=actor.person_id,
            created_at=clock.now(),
        )
        _commit_change(
            dispute, actor, capacity, clock, "commitment_recorded",
            {"commitment_id": commitment.id, "person_id": person_id,
             "description": description, "due_at": due_at.isoformat()},
        )
    return commitment


def settle_commitment(
    actor: Actor, clock, dispute_id: int, commitment_id: int, *, status: str, expected_version=None
) -> Commitment:
    """Mark a commitment kept or broken; a broken one is the usual reason to reopen."""
    if status not in ("kept", "broken"):
        raise Invalid.field("status", "must be kept or broken")
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _require_case_worker(actor, dispute)
        commitment = Commitment.get_or_none(
            (Commitment.id == commitment_id) & (Commitment.dispute == dispute.id)
        )
        if commitment is None:
            raise NotFound("commitment", commitment_id)
        if commitment.status != "open":
            raise Conflict(f"commitment {commitment_id} is already {commitment.status}")
        now = clock.now()
        Commitment.update(status=status, settled_at=now).where(Commitment.id == commitment.id).execute()
        commitment.status, commitment.settled_at, commitment.dispute = status, now, dispute
        _commit_change(
            dispute, actor, capacity, clock, f"commitment_{status}", {"commitment_id": commitment.id}
        )
    return commitment


def is_overdue(commitment: Commitment, now) -> bool:
    return commitment.status == "open" and commitment.due_at < now


def transition(
    actor: Actor,
    clock,
    dispute_id: int,
    *,
    trigger: str,
    expected_version: int,
    reason: str | None = None,
    override_reason: str | None = None,
    option_id: int | None = None,
    summary: str | None = None,
) -> Dispute:
    """Fire `trigger`; InvalidTrigger, GuardsUnmet (every unmet name) or StaleVersion otherwise."""
    request = {"reason": reason, "override_reason": override_reason, "option_id": option_id, "summary": summary}
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _require_case_worker(actor, dispute)
        new_state = lifecycle.fire(dispute, trigger, request)
        declared = lifecycle.DECLARED[trigger]
        payload = {"trigger": trigger, **{name: request[name] for name in declared.inputs}}
        if declared.clears_acceptances:
            payload["acceptances_cleared"] = Acceptance.delete().where(Acceptance.dispute == dispute.id).execute()
        _commit_change(dispute, actor, capacity, clock, "transition", payload, to_state=new_state,
                       **declared.columns(request))
    return dispute
