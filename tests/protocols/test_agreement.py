"""The agreement lifecycle of a protocol version, through protocols.services.

DESIGN.md, "Protocol agreements": versions move draft -> proposed -> agreed ->
superseded | retired. A version is agreed when a point person of *each* company has
acknowledged exactly that version. A proposed version is immutable: changing it makes a new
draft (the pending one is retired). Changing an agreed protocol makes a new draft while the
agreed one stays in force until its successor is agreed. Every step is an event in the
ledger, and the chain still verifies.
"""

import queue
import threading
from datetime import timedelta

import pytest

from mediation import ledger
from mediation.access import Actor
from mediation.db import database
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import InvalidTrigger
from mediation.errors import StaleVersion
from mediation.parties import Person
from protocols import compliance
from protocols import compliance_reading
from protocols import queries
from protocols import services
from protocols.models import Acknowledgement
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from tests.conftest import table_counts

WAIT = 60  # seconds a thread waits for the other before the test gives up


def terms(world, **overrides) -> dict:
    """A complete set of version terms on the Contoso account: alice and carla, weekly video."""
    values = dict(
        cadence={"every": 1, "unit": "weeks"},
        phases=[],
        channel="video",
        supplier_point_person_id=world.id("alice"),
        customer_point_person_id=world.id("carla"),
        backup_ids=[],
        agenda="Weekly status: milestones, risks, next steps.",
        escalation=[],
        timezone="UTC",
    )
    values.update(overrides)
    return values


def create(world, scenario="routine", by="alice", project="contoso", **overrides) -> Protocol:
    return services.create_protocol(world.actor(by), world.clock, project_id=world.projects[project].id,
                                    scenario=scenario, **terms(world, **overrides))


def version(protocol_id: int, number: int) -> ProtocolVersion:
    return ProtocolVersion.get((ProtocolVersion.protocol == protocol_id) & (ProtocolVersion.number == number))


def statuses(protocol_id: int) -> dict[int, str]:
    return {v.number: v.status for v in ProtocolVersion.select().where(ProtocolVersion.protocol == protocol_id)}


def in_force_at(protocol_id: int, moment) -> int | None:
    protocol = Protocol.get_by_id(protocol_id)
    versions = queries.versions_of([protocol_id])[protocol_id]
    current = compliance.in_force(protocol, versions, queries.activations_of([protocol_id])[protocol_id], moment)
    return current.number if current else None


def propose(world, protocol_id, number, by="alice"):
    return services.transition_version(world.actor(by), world.clock, protocol_id, number, trigger="propose")


def ack(world, protocol_id, number, by):
    return services.acknowledge(world.actor(by), world.clock, protocol_id, version=number)


def agree(world, protocol_id, number, supplier="alice", customer="carla"):
    """Propose version `number` and have both companies acknowledge it."""
    propose(world, protocol_id, number)
    world.clock.advance(minutes=5)
    ack(world, protocol_id, number, supplier)
    world.clock.advance(minutes=5)
    return ack(world, protocol_id, number, customer)


def kinds(protocol_id: int) -> list[str]:
    return [event.kind for event in ledger.history("protocol", protocol_id)]


# --- draft -> proposed -> agreed ----------------------------------------------------------------


def test_a_new_protocol_has_version_1_as_a_draft_and_nothing_in_force(world):
    protocol = create(world)

    assert statuses(protocol.id) == {1: "draft"}
    draft = version(protocol.id, 1)
    assert draft.cadence == {"every": 1, "unit": "weeks"}
    assert draft.supplier_point_person_id == world.id("alice")
    assert draft.customer_point_person_id == world.id("carla")
    assert draft.in_force_from is None and draft.in_force_until is None
    assert in_force_at(protocol.id, world.clock.now()) is None
    assert in_force_at(protocol.id, world.clock.now() + timedelta(days=400)) is None


def test_a_draft_is_proposed_then_agreed_only_once_both_companies_have_acknowledged_it(world):
    protocol = create(world)
    world.clock.advance(hours=1)
    propose(world, protocol.id, 1)
    assert statuses(protocol.id) == {1: "proposed"}

    world.clock.advance(hours=1)
    ack(world, protocol.id, 1, "alice")
    assert statuses(protocol.id) == {1: "proposed"}, "one company's acknowledgement is not an agreement"
    assert in_force_at(protocol.id, world.clock.now()) is None

    world.clock.advance(hours=1)
    agreed_at = world.clock.now()
    ack(world, protocol.id, 1, "carla")
    assert statuses(protocol.id) == {1: "agreed"}
    agreed = version(protocol.id, 1)
    assert agreed.in_force_from == agreed_at
    assert agreed.in_force_until is None
    assert in_force_at(protocol.id, agreed_at - timedelta(seconds=1)) is None
    assert in_force_at(protocol.id, agreed_at) == 1
    assert in_force_at(protocol.id, agreed_at + timedelta(days=365)) == 1


def test_the_customer_may_acknowledge_first(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "carla")
    assert statuses(protocol.id) == {1: "proposed"}
    ack(world, protocol.id, 1, "alice")
    assert statuses(protocol.id) == {1: "agreed"}


def test_acknowledgements_record_who_acknowledged_for_which_company(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    rows = {
        (a.person_id, a.organization_id)
        for a in Acknowledgement.select().where(Acknowledgement.version == version(protocol.id, 1).id)
    }
    assert rows == {(world.id("alice"), world.orgs["northwind"].id), (world.id("carla"), world.orgs["contoso"].id)}


def test_an_agreement_needs_both_companies_on_exactly_the_same_version(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")  # the supplier agrees to version 1 ...

    # ... which is then replaced before the customer answers
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="phone"))
    propose(world, protocol.id, 2)
    ack(world, protocol.id, 2, "carla")  # the customer agrees to version 2 only

    assert statuses(protocol.id) == {1: "retired", 2: "proposed"}, (
        "the supplier's acknowledgement of version 1 must not count for version 2"
    )
    assert in_force_at(protocol.id, world.clock.now()) is None
    ack(world, protocol.id, 2, "alice")
    assert statuses(protocol.id) == {1: "retired", 2: "agreed"}
    assert in_force_at(protocol.id, world.clock.now()) == 2


def test_an_effective_from_in_the_future_delays_the_start_of_the_first_agreed_version(world):
    starts = world.clock.now() + timedelta(days=10)
    protocol = create(world, effective_from=starts)
    agree(world, protocol.id, 1)

    assert statuses(protocol.id) == {1: "agreed"}
    assert version(protocol.id, 1).in_force_from == starts
    assert in_force_at(protocol.id, world.clock.now()) is None
    assert in_force_at(protocol.id, starts) == 1


# --- back-dated versions (issue 10): an existing arrangement brought in with its past ------------


def touch(world, protocol_id, when, channel="video", by="alice"):
    return services.log_touchpoint(world.actor(by), world.clock, protocol_id, occurred_at=when, channel=channel,
                                   supplier_person_id=world.id("alice"), customer_person_id=world.id("carla"),
                                   summary="Weekly status.")


def test_a_back_dated_version_agreed_is_in_force_from_its_effective_from(world):
    starts = world.clock.now() - timedelta(days=30)
    protocol = create(world, effective_from=starts)
    world.clock.advance(days=1)
    agree(world, protocol.id, 1)

    assert version(protocol.id, 1).in_force_from == starts, "the date sent is honoured, not moved to the agreement"
    assert in_force_at(protocol.id, starts - timedelta(seconds=1)) is None
    assert in_force_at(protocol.id, starts) == 1
    assert in_force_at(protocol.id, world.clock.now()) == 1


def test_touchpoints_of_the_back_dated_weeks_are_accepted_and_count_in_compliance(world):
    starts = world.clock.now() - timedelta(weeks=4)
    protocol = create(world, effective_from=starts)
    agree(world, protocol.id, 1)
    for week in (0, 1, 3):  # the third week of the arrangement had no contact
        touch(world, protocol.id, starts + timedelta(weeks=week, days=1))
    touch(world, protocol.id, starts + timedelta(weeks=3, days=2), channel="phone")

    result = compliance_reading.compliance(world.actor("alice"), world.clock, protocol.id, start=starts,
                                 end=starts + timedelta(weeks=4))
    assert [(w.start - starts, w.count, w.status) for w in result.windows] == [
        (timedelta(weeks=0), 1, "met"), (timedelta(weeks=1), 1, "met"), (timedelta(weeks=2), 0, "missed"),
        (timedelta(weeks=3), 2, "met"),
    ]
    assert (result.missed, result.touchpoints, result.channel_deviations) == (1, 4, 1)
    with pytest.raises(Invalid) as refused:
        touch(world, protocol.id, starts - timedelta(minutes=1))
    assert list(refused.value.errors) == ["occurred_at"], "before its effective_from it was not in force"


def test_a_back_dated_successor_takes_over_from_its_effective_from(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    first_from = version(protocol.id, 1).in_force_from
    world.clock.advance(days=20)
    switched = world.clock.now() - timedelta(days=10)
    touch(world, protocol.id, switched + timedelta(days=1), channel="phone")
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, channel="phone", effective_from=switched))
    agree(world, protocol.id, 2)

    first, second = version(protocol.id, 1), version(protocol.id, 2)
    assert (first.in_force_from, first.in_force_until) == (first_from, switched)
    assert (second.in_force_from, second.in_force_until) == (switched, None)
    assert in_force_at(protocol.id, switched - timedelta(seconds=1)) == 1
    assert in_force_at(protocol.id, switched) == 2
    result = compliance_reading.compliance(world.actor("alice"), world.clock, protocol.id, start=switched,
                                 end=world.clock.now())
    assert result.channel_deviations == 0, "the phone call of the back-dated period is judged by version 2"


def test_a_version_may_start_with_its_predecessor_and_replace_it_from_its_very_start(world):
    starts = world.clock.now() - timedelta(days=14)
    protocol = create(world, effective_from=starts)
    agree(world, protocol.id, 1)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, channel="phone", effective_from=starts))
    agree(world, protocol.id, 2)
    assert version(protocol.id, 1).in_force_until == starts, "version 1 was never in force"
    assert in_force_at(protocol.id, starts) == 2


def test_an_effective_from_before_the_predecessor_started_is_refused_on_the_field_with_nothing_written(world):
    started = world.clock.now() - timedelta(days=10)
    protocol = create(world, effective_from=started)
    agree(world, protocol.id, 1)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="phone"))
    before, counts = kinds(protocol.id), table_counts()

    with pytest.raises(Invalid) as refused:
        services.add_version(world.actor("alice"), world.clock, protocol.id,
                             **terms(world, channel="email", effective_from=started - timedelta(seconds=1)))
    assert list(refused.value.errors) == ["effective_from"]
    assert started.isoformat() in refused.value.errors["effective_from"][0]
    assert "version 1 came into force" in refused.value.errors["effective_from"][0]
    assert table_counts() == counts and kinds(protocol.id) == before
    assert statuses(protocol.id) == {1: "agreed", 2: "draft"}, "the pending draft is not retired either"


def test_other_invalid_terms_are_named_beside_an_early_effective_from(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    with pytest.raises(Invalid) as refused:
        services.add_version(world.actor("alice"), world.clock, protocol.id,
                             **terms(world, timezone="Mars/Olympus", effective_from=world.clock.now() - timedelta(days=1)))
    assert set(refused.value.errors) == {"effective_from", "timezone"}


def test_the_start_is_checked_again_at_the_acknowledgement_that_would_agree_it(world):
    protocol = create(world, effective_from=world.clock.now() - timedelta(days=30))
    agree(world, protocol.id, 1)
    back_dated = world.clock.now() - timedelta(days=5)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, channel="phone", effective_from=back_dated))
    propose(world, protocol.id, 2)
    ack(world, protocol.id, 2, "alice")
    world.clock.advance(hours=1)
    retired = world.clock.now()
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="retire")
    before, counts = kinds(protocol.id), table_counts()

    with pytest.raises(Invalid) as refused:
        ack(world, protocol.id, 2, "carla")
    assert list(refused.value.errors) == ["effective_from"]
    message = refused.value.errors["effective_from"][0]
    assert back_dated.isoformat() in message and retired.isoformat() in message and "retired" in message
    assert table_counts() == counts and kinds(protocol.id) == before, "no acknowledgement, no event"
    assert statuses(protocol.id) == {1: "retired", 2: "proposed"}


def test_the_agreement_event_records_when_it_was_agreed_and_from_when_it_is_in_force(world):
    at_once = create(world)
    agree(world, at_once.id, 1)
    agreed_at = world.clock.now()
    starts = agreed_at - timedelta(days=30)
    back_dated = create(world, scenario="onboarding", effective_from=starts)
    agree(world, back_dated.id, 1)

    def agreements(protocol):
        return [e for e in ledger.history("protocol", protocol.id) if e.kind == "version_agreed"]

    assert [e.data for e in agreements(back_dated)] == [{
        "number": 1, "agreed_at": world.clock.now().isoformat(), "in_force_from": starts.isoformat(),
    }]
    assert agreements(back_dated)[0].occurred_at == world.clock.now()
    assert [e.data for e in agreements(at_once)] == [{
        "number": 1, "agreed_at": agreed_at.isoformat(), "in_force_from": agreed_at.isoformat(),
    }]
    assert ledger.verify().ok


def test_a_successor_ends_its_predecessor_in_the_ledger_too(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    world.clock.advance(days=9)
    switched = world.clock.now() - timedelta(days=2)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, effective_from=switched))
    agree(world, protocol.id, 2)
    superseded = [e.data for e in ledger.history("protocol", protocol.id) if e.kind == "version_superseded"]
    assert superseded == [{"number": 1, "successor": 2, "in_force_until": switched.isoformat()}]


# --- a version agreed without effective_from: from the start of the minute of agreement -------------


def test_a_version_agreed_without_effective_from_is_in_force_from_the_start_of_that_minute(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")
    world.clock.set(world.clock.now().replace(hour=10, minute=0, second=37, microsecond=250))
    ack(world, protocol.id, 1, "carla")

    minute = world.clock.now().replace(second=0, microsecond=0)
    assert version(protocol.id, 1).in_force_from == minute
    world.clock.advance(seconds=5)
    touch(world, protocol.id, minute)  # what the form fills in: the current minute
    assert in_force_at(protocol.id, minute - timedelta(microseconds=1)) is None


def test_a_successor_without_effective_from_never_starts_before_its_predecessor(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")
    world.clock.set(world.clock.now().replace(second=20))
    ack(world, protocol.id, 1, "carla")
    world.clock.advance(seconds=10)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, effective_from=world.clock.now()))
    propose(world, protocol.id, 2)
    ack(world, protocol.id, 2, "alice")
    ack(world, protocol.id, 2, "carla")  # version 2 starts at 09:00:30, as sent
    world.clock.advance(seconds=10)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="phone"))
    propose(world, protocol.id, 3)
    ack(world, protocol.id, 3, "alice")
    ack(world, protocol.id, 3, "carla")

    second, third = version(protocol.id, 2), version(protocol.id, 3)
    assert third.in_force_from == second.in_force_from == world.clock.now().replace(second=30)
    assert second.in_force_until == third.in_force_from


def test_a_successor_without_effective_from_follows_a_predecessor_agreed_for_later(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    later = world.clock.now() + timedelta(days=14)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, effective_from=later))
    agree(world, protocol.id, 2)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="phone"))
    agree(world, protocol.id, 3)

    assert version(protocol.id, 3).in_force_from == later
    assert in_force_at(protocol.id, world.clock.now()) == 1
    assert in_force_at(protocol.id, later) == 3


# --- proposed versions are immutable ------------------------------------------------------------


def test_a_proposed_version_is_never_changed_a_change_makes_a_new_draft_and_retires_the_proposal(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    before = version(protocol.id, 1).__data__.copy()

    world.clock.advance(hours=2)
    new = services.add_version(world.actor("alice"), world.clock, protocol.id,
                               **terms(world, cadence={"every": 2, "unit": "weeks"}, channel="phone",
                                       agenda="Fortnightly call."))

    assert new.number == 2
    assert statuses(protocol.id) == {1: "retired", 2: "draft"}
    after = version(protocol.id, 1).__data__
    assert {k: v for k, v in after.items() if k != "status"} == {k: v for k, v in before.items() if k != "status"}
    assert version(protocol.id, 2).cadence == {"every": 2, "unit": "weeks"}
    assert version(protocol.id, 2).channel == "phone"
    with pytest.raises(Invalid) as refused:
        ack(world, protocol.id, 1, "carla")
    assert "version" in refused.value.errors


def test_a_new_draft_retires_a_pending_draft_too(world):
    protocol = create(world)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="email"))
    assert statuses(protocol.id) == {1: "retired", 2: "draft"}
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="chat"))
    assert statuses(protocol.id) == {1: "retired", 2: "retired", 3: "draft"}
    assert version(protocol.id, 3).channel == "chat"


def test_a_version_number_is_never_reused(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    for expected in (2, 3, 4):
        assert services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world)).number == expected
    assert sorted(statuses(protocol.id)) == [1, 2, 3, 4]


# --- agreed -> superseded -------------------------------------------------------------------------


def test_an_agreed_version_stays_in_force_until_its_successor_is_agreed_and_is_then_superseded(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    first_from = version(protocol.id, 1).in_force_from

    world.clock.advance(days=3)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, cadence={"every": 3, "unit": "days"}))
    assert statuses(protocol.id) == {1: "agreed", 2: "draft"}
    assert in_force_at(protocol.id, world.clock.now()) == 1

    world.clock.advance(days=1)
    propose(world, protocol.id, 2)
    ack(world, protocol.id, 2, "carla")
    assert statuses(protocol.id) == {1: "agreed", 2: "proposed"}
    assert in_force_at(protocol.id, world.clock.now()) == 1

    world.clock.advance(days=1)
    switched = world.clock.now()
    ack(world, protocol.id, 2, "alice")
    assert statuses(protocol.id) == {1: "superseded", 2: "agreed"}
    first, second = version(protocol.id, 1), version(protocol.id, 2)
    assert (first.in_force_from, first.in_force_until) == (first_from, switched)
    assert (second.in_force_from, second.in_force_until) == (switched, None)
    assert in_force_at(protocol.id, switched - timedelta(seconds=1)) == 1
    assert in_force_at(protocol.id, switched) == 2


def test_a_retired_successor_leaves_the_agreed_version_in_force(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="phone"))
    propose(world, protocol.id, 2)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 2, trigger="retire")
    assert statuses(protocol.id) == {1: "agreed", 2: "retired"}
    assert in_force_at(protocol.id, world.clock.now() + timedelta(days=30)) == 1


def test_a_successor_effective_later_leaves_its_predecessor_in_force_until_that_time(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    starts = world.clock.now() + timedelta(days=14)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, channel="phone", effective_from=starts))
    agree(world, protocol.id, 2)

    assert statuses(protocol.id) == {1: "superseded", 2: "agreed"}
    assert version(protocol.id, 1).in_force_until == starts
    assert version(protocol.id, 2).in_force_from == starts
    assert in_force_at(protocol.id, world.clock.now()) == 1
    assert in_force_at(protocol.id, starts - timedelta(seconds=1)) == 1
    assert in_force_at(protocol.id, starts) == 2


def test_three_agreements_in_a_row_leave_one_agreed_version_and_a_gapless_history(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    for number in (2, 3):
        world.clock.advance(days=7)
        services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world))
        agree(world, protocol.id, number)

    assert statuses(protocol.id) == {1: "superseded", 2: "superseded", 3: "agreed"}
    versions = [version(protocol.id, n) for n in (1, 2, 3)]
    assert versions[0].in_force_until == versions[1].in_force_from
    assert versions[1].in_force_until == versions[2].in_force_from
    assert versions[2].in_force_until is None


# --- retire ------------------------------------------------------------------------------------------


def test_retiring_the_agreed_version_ends_the_protocol_being_in_force(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    world.clock.advance(days=20)
    ended = world.clock.now()
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="retire")

    assert statuses(protocol.id) == {1: "retired"}
    assert version(protocol.id, 1).in_force_until == ended
    assert in_force_at(protocol.id, ended - timedelta(seconds=1)) == 1
    assert in_force_at(protocol.id, ended) is None


@pytest.mark.parametrize("status", ["draft", "proposed"])
def test_a_pending_version_can_be_retired(world, status):
    protocol = create(world)
    if status == "proposed":
        propose(world, protocol.id, 1)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="retire")
    assert statuses(protocol.id) == {1: "retired"}
    assert version(protocol.id, 1).in_force_from is None


def test_retired_and_superseded_are_final(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world))
    agree(world, protocol.id, 2)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 2, trigger="retire")
    assert statuses(protocol.id) == {1: "superseded", 2: "retired"}

    for number in (1, 2):
        for trigger in ("propose", "retire"):
            with pytest.raises(InvalidTrigger):
                services.transition_version(world.actor("alice"), world.clock, protocol.id, number, trigger=trigger)
    assert statuses(protocol.id) == {1: "superseded", 2: "retired"}


def test_an_agreed_version_cannot_be_proposed_again(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    with pytest.raises(InvalidTrigger) as refused:
        propose(world, protocol.id, 1)
    assert refused.value.state == "agreed"
    assert set(refused.value.available) == {"supersede", "retire"}


@pytest.mark.parametrize("trigger", ["agree", "supersede", "withdraw"])
def test_agree_and_supersede_are_not_asked_for_they_follow_from_acknowledgements(world, trigger):
    protocol = create(world)
    propose(world, protocol.id, 1)
    counts = table_counts()
    with pytest.raises(Invalid) as refused:
        services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger=trigger)
    assert "trigger" in refused.value.errors
    assert table_counts() == counts
    assert statuses(protocol.id) == {1: "proposed"}


def test_a_stale_expected_version_is_refused_and_changes_nothing(world):
    protocol = create(world)
    seen = Protocol.get_by_id(protocol.id).version
    propose(world, protocol.id, 1)
    counts = table_counts()
    with pytest.raises(StaleVersion):
        services.add_version(world.actor("alice"), world.clock, protocol.id, expected_version=seen, **terms(world))
    with pytest.raises(StaleVersion):
        services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="retire",
                                    expected_version=seen)
    assert table_counts() == counts
    assert statuses(protocol.id) == {1: "proposed"}


def test_the_protocol_version_counter_moves_with_every_change(world):
    protocol = create(world)
    seen = [Protocol.get_by_id(protocol.id).version]
    propose(world, protocol.id, 1)
    seen.append(Protocol.get_by_id(protocol.id).version)
    ack(world, protocol.id, 1, "alice")
    seen.append(Protocol.get_by_id(protocol.id).version)
    ack(world, protocol.id, 1, "carla")
    seen.append(Protocol.get_by_id(protocol.id).version)
    services.add_version(world.actor("alice"), world.clock, protocol.id, expected_version=seen[-1], **terms(world))
    seen.append(Protocol.get_by_id(protocol.id).version)
    assert seen == sorted(set(seen)), seen


# --- who drafts ---------------------------------------------------------------------------------------


def test_the_account_manager_or_a_supplier_administrator_drafts_proposes_and_retires(world):
    by_manager = create(world, scenario="routine", by="alice")
    by_admin = create(world, scenario="incident", by="admin", cadence={"respond_within_hours": 4})
    propose(world, by_admin.id, 1, by="admin")
    services.transition_version(world.actor("admin"), world.clock, by_admin.id, 1, trigger="retire")
    assert statuses(by_manager.id) == {1: "draft"}
    assert statuses(by_admin.id) == {1: "retired"}


@pytest.mark.parametrize("who", ["bob", "sam", "carla", "dev", "contoso_admin"])
def test_people_who_do_not_manage_the_account_do_not_draft_propose_or_retire(world, who):
    protocol = create(world)
    counts = table_counts()
    with pytest.raises(Forbidden):
        create(world, scenario="onboarding", by=who)
    with pytest.raises(Forbidden):
        services.add_version(world.actor(who), world.clock, protocol.id, **terms(world))
    for trigger in ("propose", "retire"):
        with pytest.raises(Forbidden):
            services.transition_version(world.actor(who), world.clock, protocol.id, 1, trigger=trigger)
    assert table_counts() == counts


# --- the ledger -----------------------------------------------------------------------------------------


def test_every_step_of_the_lifecycle_is_an_event_in_the_ledger_and_the_chain_verifies(world):
    alice, carla = world.actor("alice"), world.actor("carla")
    protocol = create(world)
    agree(world, protocol.id, 1)
    world.clock.advance(days=1)
    services.add_version(alice, world.clock, protocol.id, **terms(world, channel="phone"))
    propose(world, protocol.id, 2)
    services.add_version(alice, world.clock, protocol.id, **terms(world, channel="email"))
    agree(world, protocol.id, 3, customer="carla")
    services.transition_version(alice, world.clock, protocol.id, 3, trigger="retire")

    events = ledger.history("protocol", protocol.id)
    steps = [(e.kind, e.from_state, e.to_state, e.data.get("number")) for e in events]
    assert steps == [
        ("protocol_created", None, None, None),
        ("version_drafted", None, "draft", 1),
        ("version_proposed", "draft", "proposed", 1),
        ("version_acknowledged", None, None, 1),
        ("version_acknowledged", None, None, 1),
        ("version_agreed", "proposed", "agreed", 1),
        ("version_drafted", None, "draft", 2),
        ("version_proposed", "draft", "proposed", 2),
        ("version_retired", "proposed", "retired", 2),
        ("version_drafted", None, "draft", 3),
        ("version_proposed", "draft", "proposed", 3),
        ("version_acknowledged", None, None, 3),
        ("version_acknowledged", None, None, 3),
        ("version_superseded", "agreed", "superseded", 1),
        ("version_agreed", "proposed", "agreed", 3),
        ("version_retired", "agreed", "retired", 3),
    ]
    acknowledged = [e for e in events if e.kind == "version_acknowledged"]
    assert [(e.actor_person_id, e.actor_organization_id, e.data["company"]) for e in acknowledged[:2]] == [
        (alice.person_id, alice.organization.id, "supplier"),
        (carla.person_id, carla.organization.id, "customer"),
    ]
    drafted = [e for e in events if e.kind == "version_drafted"]
    assert [e.data["channel"] for e in drafted] == ["video", "phone", "email"], "the terms are in the ledger"
    assert all(e.actor_role == "account_manager" for e in drafted)
    assert all(e.occurred_at is not None for e in events)
    assert [e.sequence for e in events] == sorted(e.sequence for e in events)

    verification = ledger.verify()
    assert verification.ok, verification.problem
    assert verification.checked >= len(events)


def test_a_refused_step_leaves_no_event_and_no_row(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")
    before = kinds(protocol.id)
    counts = table_counts()
    with pytest.raises(Invalid):
        ack(world, protocol.id, 1, "admin")  # the supplier has already acknowledged
    assert kinds(protocol.id) == before
    assert table_counts() == counts
    assert ledger.verify().ok


# --- concurrency ---------------------------------------------------------------------------------------


def _acknowledge_in_thread(person_id, protocol_id, number, clock, start, results):
    try:
        database.connect(reuse_if_open=True)
        actor = Actor.of(Person.get_by_id(person_id))
        start.wait(timeout=WAIT)
        services.acknowledge(actor, clock, protocol_id, version=number)
        results.put((person_id, "ok", None))
    except Exception as error:  # reported to the test, which fails on it
        start.abort()
        results.put((person_id, type(error).__name__, str(error)))
    finally:
        database.close()


@pytest.mark.parametrize("scenario", ["routine", "onboarding", "executive_review"])
def test_both_companies_acknowledging_at_the_same_moment_from_two_threads_end_agreed(world, scenario):
    protocol = create(world, scenario=scenario)
    propose(world, protocol.id, 1)
    start = threading.Barrier(2)
    results = queue.Queue()
    threads = [
        threading.Thread(target=_acknowledge_in_thread,
                         args=(world.id(who), protocol.id, 1, world.clock, start, results), daemon=True)
        for who in ("alice", "carla")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    outcomes = sorted(results.get_nowait() for _ in range(results.qsize()))
    assert outcomes == sorted([(world.id("alice"), "ok", None), (world.id("carla"), "ok", None)])

    database.connect(reuse_if_open=True)
    assert statuses(protocol.id) == {1: "agreed"}
    assert version(protocol.id, 1).in_force_from is not None
    assert Acknowledgement.select().where(Acknowledgement.version == version(protocol.id, 1).id).count() == 2
    assert kinds(protocol.id).count("version_agreed") == 1
    assert kinds(protocol.id).count("version_acknowledged") == 2
    assert ledger.verify().ok


def test_two_people_of_the_same_company_acknowledging_at_once_leave_one_acknowledgement(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    start = threading.Barrier(2)
    results = queue.Queue()
    threads = [
        threading.Thread(target=_acknowledge_in_thread,
                         args=(world.id(who), protocol.id, 1, world.clock, start, results), daemon=True)
        for who in ("alice", "admin")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    outcomes = sorted(outcome for _, outcome, _ in (results.get_nowait() for _ in range(results.qsize())))
    assert outcomes == ["Invalid", "ok"]

    database.connect(reuse_if_open=True)
    assert statuses(protocol.id) == {1: "proposed"}
    assert Acknowledgement.select().where(Acknowledgement.version == version(protocol.id, 1).id).count() == 1
    assert kinds(protocol.id).count("version_acknowledged") == 1
    assert ledger.verify().ok
