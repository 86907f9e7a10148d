"""Dispute use cases. Each runs in one write transaction together with its audit event.

A change bumps the dispute's `version` and `updated_at` (its last change) with a
conditional update, so a concurrent change is refused (StaleVersion) instead of silently
overwritten. Notes and internal stories bump neither (`moves_version`): the customer reads
both, so what it may not read must not move them, and a note meets no condition, so it must
not make a concurrent transition stale. An internal story can only meet a condition, never
unmeet one, so a transition decided without it is still right. Their `expected_version` is
checked all the same. Anything raised inside the transaction rolls back every row and the
event with it.
"""

from peewee import IntegrityError

from mediation import hooks
from mediation import lifecycle
from mediation.access import Actor
from mediation.access import is_supplier_admin
from mediation.access import manages
from mediation.access import refuse_read_only
from mediation.access import sees_internal
from mediation.access import visible_account
from mediation.db import execute
from mediation.db import is_postgres
from mediation.db import portable
from mediation.db import ROW_LOCK
from mediation.db import write_transaction
from mediation.dispute_permissions import acceptance_capacity
from mediation.dispute_permissions import case_capacity
from mediation.dispute_permissions import is_party
from mediation.dispute_permissions import participant_capacity
from mediation.dispute_permissions import require_case_worker
from mediation.dispute_queries import visible_sql
from mediation.disputes import Acceptance
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Note
from mediation.disputes import Option
from mediation.disputes import Party
from mediation.disputes import SEVERITIES
from mediation.disputes import Story
from mediation.disputes import VISIBILITIES
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from mediation.guards import SCORE_RANGE
from mediation.ledger import append
from mediation.lifecycle import ACCEPTANCE_STATES
from mediation.lifecycle import COMMITMENT_STATES
from mediation.lifecycle import OPTION_STATES
from mediation.lifecycle import PARTY_STATES
from mediation.lifecycle import RETRACTION_STATES
from mediation.lifecycle import STATE_WORDS
from mediation.lifecycle import STORY_STATES
from mediation.parties import Account
from mediation.rosters import unfit_to_take_part
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project


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
    visible, params = visible_sql(actor)
    sql = portable(f'SELECT d.* FROM "dispute" AS d WHERE d."id" = ? AND {visible}')
    if is_postgres():
        sql += f" {ROW_LOCK} OF d"
    dispute = next(iter(Dispute.raw(sql, dispute_id, *params)), None)
    if dispute is None:
        raise NotFound("dispute", dispute_id)
    if expected_version is not None and expected_version != dispute.version:
        raise StaleVersion(dispute.version)
    return dispute


def moves_version(kind: str, payload: dict) -> bool:
    """Whether an event bumps its dispute's version and last change: not a note, which no
    condition reads, nor anything internal, which the customer may not see."""
    return kind != "note_added" and payload.get("visibility") != "internal"


def _bump(dispute: Dispute, values: dict) -> None:
    """Write `values` (the next version among them) if the dispute is still at its version."""
    fields = [Dispute._meta.fields[name] for name in values]
    assignments = ", ".join(f"{field.column_name} = ?" for field in fields)
    params = [field.db_value(values[field.name]) for field in fields] + [dispute.id, dispute.version]
    changed = execute(f"UPDATE dispute SET {assignments} WHERE id = ? AND version = ?", params).rowcount
    if changed != 1:
        current = Dispute.select(Dispute.version).where(Dispute.id == dispute.id).scalar()
        raise StaleVersion(current)


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
    """Bump the version (only if nobody else did) and set columns, unless the event does
    not move the version; append the event."""
    now = clock.now()
    values = {}
    if moves_version(kind, payload):
        values = dict(columns, version=dispute.version + 1, updated_at=now)
        if to_state is not None:
            values.update(state=to_state, state_changed_at=now)
        _bump(dispute, values)
    signature = actor.signing(capacity)
    from_state = dispute.state
    append(
        "dispute",
        dispute.id,
        kind,
        account_id=dispute.account_id,
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


def _outside_errors(account: Account, people: dict[int, Person], person_ids) -> list[str]:
    """One message for unknown ids and other tenants' people alike, so that a customer
    cannot learn which ids exist at another customer."""
    companies = {account.supplier_id, account.customer_id}
    outside = [pid for pid in person_ids if pid not in people or people[pid].organization_id not in companies]
    if outside:
        return [f"not people of this account's two companies: {', '.join(map(str, outside))}"]
    return []


def _parties_errors(account: Account, people: dict[int, Person], party_ids) -> list[str]:
    """Parties are people of the account who may take part."""
    unfit = unfit_to_take_part(people[pid] for pid in party_ids if pid in people)
    return _outside_errors(account, people, party_ids) or ([unfit] if unfit else [])


def _mediator_errors(account: Account, people: dict[int, Person], mediator_id, co_mediator_id) -> dict:
    """The mediator is a person of the supplier, the co-mediator one of the customer; each
    must be one who may take part."""
    errors = {}
    for field, person_id, organization_id, company in (
            ("mediator_id", mediator_id, account.supplier_id, "supplier"),
            ("co_mediator_id", co_mediator_id, account.customer_id, "customer")):
        if person_id is None:
            continue
        person = people.get(person_id)
        if person is None or person.organization_id != organization_id:
            errors[field] = [f"person {person_id} is not a person of the {company}"]
        elif unfit := unfit_to_take_part([person]):
            errors[field] = [unfit]
    return errors


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
        errors.update(_mediator_errors(account, people, mediator_id, co_mediator_id))
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
            account_id=account.id,
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
        capacity = require_case_worker(actor, dispute)
        _require_state(dispute, PARTY_STATES, "parties")
        account = dispute.account
        problems = _parties_errors(account, _people_by_id([person_id]), [person_id])
        if problems:
            raise Invalid({"person_id": problems})
        if is_party(dispute, person_id):
            raise Conflict(f"person {person_id} is already a party to this dispute")
        Party.create(dispute=dispute, person=person_id, added_at=clock.now())
        _commit_change(dispute, actor, capacity, clock, "party_added", {"person_id": person_id})
    return dispute


def assign_mediators(
    actor: Actor, clock, dispute_id: int, *, mediator_id=None, co_mediator_id=None, expected_version=None
) -> Dispute:
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = require_case_worker(actor, dispute)
        _require_state(dispute, lifecycle.OPEN_STATES, "mediators")
        people = _people_by_id([i for i in (mediator_id, co_mediator_id) if i])
        errors = _mediator_errors(dispute.account, people, mediator_id, co_mediator_id)
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
        capacity = case_capacity(actor, dispute)
        if capacity is None and party_id == actor.person_id:
            capacity = "party"
        if capacity is None:
            raise Forbidden("a party tells their own story; the mediators may record anyone's")
        _check_visibility(actor, visibility, "only the supplier records internal stories")
        _require_state(dispute, STORY_STATES, "stories")
        if not is_party(dispute, party_id):
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
        capacity = require_case_worker(actor, dispute)
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


def _accepting_capacity(actor: Actor, dispute: Dispute) -> str:
    """Who gives an acceptance for a company, and takes it back: Forbidden for anyone else."""
    capacity = acceptance_capacity(actor, dispute)
    if capacity is None:
        raise Forbidden("acceptances are given and taken back by the parties, point people and mediators")
    return capacity


def accept_option(actor: Actor, clock, dispute_id: int, *, option_id: int, expected_version=None) -> Acceptance:
    """The caller accepts an option for their own company."""
    refuse_read_only(actor)
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _accepting_capacity(actor, dispute)
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


def retract_acceptance(actor: Actor, clock, dispute_id: int, *, acceptance_id: int,
                       expected_version=None) -> Acceptance:
    """Take back the caller's company's acceptance of an option, until the dispute is
    resolved: anyone who may accept for the company may retract for it. The acceptance
    is gone from the dispute; the ledger keeps that it was given, by whom, and taken back."""
    refuse_read_only(actor)
    with write_transaction():
        dispute = _load(actor, dispute_id, expected_version)
        capacity = _accepting_capacity(actor, dispute)
        acceptance = Acceptance.get_or_none((Acceptance.id == acceptance_id) & (Acceptance.dispute == dispute.id))
        if acceptance is None:
            raise NotFound("acceptance", acceptance_id)
        if acceptance.organization_id != actor.organization.id:
            raise Forbidden("a company retracts only its own acceptance")
        if dispute.state not in RETRACTION_STATES:
            raise Conflict(f"the dispute is {STATE_WORDS[dispute.state].lower()}: its acceptances stand for good")
        Acceptance.delete().where(Acceptance.id == acceptance.id).execute()
        _commit_change(
            dispute, actor, capacity, clock, "acceptance_retracted",
            {"option_id": acceptance.option_id, "organization_id": acceptance.organization_id,
             "company": actor.company, "accepted_by": acceptance.person_id,
             "accepted_at": acceptance.created_at.isoformat()},
        )
    acceptance.dispute = dispute
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
        capacity = require_case_worker(actor, dispute)
        _require_state(dispute, COMMITMENT_STATES, "commitments")
        problems = _outside_errors(dispute.account, _people_by_id([person_id]), [person_id])
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
        capacity = require_case_worker(actor, dispute)
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
        capacity = require_case_worker(actor, dispute)
        new_state = lifecycle.fire(dispute, trigger, request)
        declared = lifecycle.DECLARED[trigger]
        payload = {"trigger": trigger, **{name: request[name] for name in declared.inputs}}
        if declared.clears_acceptances:
            payload["acceptances_cleared"] = Acceptance.delete().where(Acceptance.dispute == dispute.id).execute()
        _commit_change(dispute, actor, capacity, clock, "transition", payload, to_state=new_state,
                       **declared.columns(request))
    return dispute
