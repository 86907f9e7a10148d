"""Escalation protocols follow disputes (issue 3, point 6).

A dispute on a project switches that project's agreed `escalation` protocol into force
while the dispute is open, and back out when it ends (resolved or withdrawn); reopening the
dispute switches it in again. Each switch is recorded in the ledger of the protocol and of
the dispute. Without an agreed escalation protocol, disputes change nothing about protocols.
"""

from datetime import timedelta

import pytest

from mediation import directory
from mediation import dispute_queries
from mediation import hooks
from mediation import ledger
from mediation import services as disputes
from mediation.disputes import Dispute
from mediation.errors import Invalid
from protocols import board
from protocols import compliance
from protocols import compliance_reading
from protocols import escalation
from protocols import queries
from protocols import services
from protocols.models import EscalationActivation
from protocols.models import Protocol

API = "/api/v1"
DAILY = {"every": 1, "unit": "days"}


def terms(world, **overrides) -> dict:
    values = dict(cadence=DAILY, phases=[], channel="video", supplier_point_person_id=world.id("alice"),
                  customer_point_person_id=world.id("carla"), backup_ids=[], agenda="Dispute status.",
                  escalation=[{"person_id": world.id("admin"), "respond_within_hours": 8}], timezone="UTC")
    values.update(overrides)
    return values


def create(world, scenario="escalation", project="contoso", **overrides) -> Protocol:
    return services.create_protocol(world.actor("alice"), world.clock, project_id=world.projects[project].id,
                                    scenario=scenario, **terms(world, **overrides))


def agree(world, protocol, number=1):
    services.transition_version(world.actor("alice"), world.clock, protocol.id, number, trigger="propose")
    services.acknowledge(world.actor("alice"), world.clock, protocol.id, version=number)
    services.acknowledge(world.actor("carla"), world.clock, protocol.id, version=number)
    return protocol


def agreed_escalation(world, **overrides) -> Protocol:
    return agree(world, create(world, **overrides))


def in_force(protocol_id: int, at) -> int | None:
    protocol = Protocol.get_by_id(protocol_id)
    versions = queries.versions_of([protocol_id])[protocol_id]
    activations = queries.activations_of([protocol_id])[protocol_id]
    current = compliance.in_force(protocol, versions, activations, at)
    return current.number if current else None


def open_dispute(world, project="contoso"):
    return world.open_dispute(project_id=world.projects[project].id)


def reopen(world, dispute):
    actor = world.actor("alice")
    current = dispute_queries.get_dispute(actor, dispute.id)
    return disputes.transition(actor, world.clock, dispute.id, trigger="reopen",
                               expected_version=current.version, reason="The credit note was never issued.")


def switches(subject_type: str, subject_id: int) -> list[tuple[str, dict]]:
    return [
        (event.kind, event.data)
        for event in ledger.history(subject_type, subject_id)
        if event.kind in ("escalation_in_force", "escalation_stood_down")
    ]


def on_board(world) -> list[int]:
    return [entry.protocol_id for entry in board.board(world.actor("alice"), world.clock)]


def touch(world, protocol, when):
    return services.log_touchpoint(world.actor("alice"), world.clock, protocol.id, occurred_at=when,
                                   channel="video", supplier_person_id=world.id("alice"),
                                   customer_person_id=world.id("carla"), summary="Dispute status call.")


# --- in force only while a dispute is open ------------------------------------------------------------


def test_an_agreed_escalation_protocol_is_not_in_force_while_no_dispute_is_open(world):
    protocol = agreed_escalation(world)
    world.clock.advance(hours=1)
    assert in_force(protocol.id, world.clock.now()) is None
    assert EscalationActivation.select().count() == 0
    with pytest.raises(Invalid) as refused:
        touch(world, protocol, world.clock.now())
    assert "occurred_at" in refused.value.errors
    assert protocol.id not in on_board(world)


def test_opening_a_dispute_on_the_project_switches_the_escalation_protocol_into_force(world):
    protocol = agreed_escalation(world)
    world.clock.advance(hours=1)
    opened_at = world.clock.now()
    dispute = open_dispute(world)

    assert in_force(protocol.id, opened_at - timedelta(seconds=1)) is None
    assert in_force(protocol.id, opened_at) == 1
    assert in_force(protocol.id, opened_at + timedelta(days=30)) == 1
    activation = escalation.activation_for(dispute.id)
    assert activation is not None
    assert (activation.protocol_id, activation.started_at, activation.ended_at) == (protocol.id, opened_at, None)
    world.clock.advance(hours=2)
    touch(world, protocol, world.clock.now())
    assert protocol.id in on_board(world)


@pytest.mark.parametrize("ending", ["resolved", "withdrawn"])
def test_the_escalation_protocol_stands_down_when_the_dispute_ends(world, ending):
    protocol = agreed_escalation(world)
    world.clock.advance(hours=1)
    dispute = open_dispute(world)
    opened_at = world.clock.now()
    world.clock.advance(days=2)
    world.drive(dispute, ending)
    ended_at = world.clock.now()

    assert in_force(protocol.id, opened_at + timedelta(days=1)) == 1
    assert in_force(protocol.id, ended_at) is None
    assert escalation.activation_for(dispute.id) is None
    (activation,) = EscalationActivation.select().where(EscalationActivation.dispute == dispute.id)
    assert (activation.started_at, activation.ended_at) == (opened_at, ended_at)
    world.clock.advance(hours=1)
    with pytest.raises(Invalid):
        touch(world, protocol, world.clock.now())
    touch(world, protocol, opened_at + timedelta(days=1))  # while the dispute was open
    assert protocol.id not in on_board(world)


def test_moving_through_the_open_states_keeps_the_protocol_in_force_without_new_switches(world):
    protocol = agreed_escalation(world)
    dispute = open_dispute(world)
    world.clock.advance(hours=1)
    world.drive(dispute, "resolution")
    assert in_force(protocol.id, world.clock.now()) == 1
    assert [kind for kind, _ in switches("protocol", protocol.id)] == ["escalation_in_force"]
    assert EscalationActivation.select().count() == 1


def test_reopening_the_dispute_switches_the_escalation_protocol_into_force_again(world):
    protocol = agreed_escalation(world)
    dispute = open_dispute(world)
    world.clock.advance(days=1)
    world.drive(dispute, "resolved")
    resolved_at = world.clock.now()
    world.clock.advance(days=3)
    reopened_at = world.clock.now()
    reopen(world, dispute)

    assert in_force(protocol.id, resolved_at + timedelta(days=1)) is None
    assert in_force(protocol.id, reopened_at) == 1
    assert escalation.activation_for(dispute.id).started_at == reopened_at
    assert [kind for kind, _ in switches("protocol", protocol.id)] == [
        "escalation_in_force", "escalation_stood_down", "escalation_in_force"]

    world.clock.advance(days=1)
    world.drive(dispute_queries.get_dispute(world.actor("alice"), dispute.id), "withdrawn")
    assert in_force(protocol.id, world.clock.now()) is None
    assert [kind for kind, _ in switches("protocol", protocol.id)][-1] == "escalation_stood_down"


def test_each_switch_is_in_the_ledger_of_both_the_protocol_and_the_dispute(world):
    protocol = agreed_escalation(world)
    dispute = open_dispute(world)
    world.clock.advance(days=1)
    world.drive(dispute, "withdrawn")

    assert switches("protocol", protocol.id) == [
        ("escalation_in_force", {"dispute_id": dispute.id}),
        ("escalation_stood_down", {"dispute_id": dispute.id}),
    ]
    assert switches("dispute", dispute.id) == [
        ("escalation_in_force", {"protocol_id": protocol.id}),
        ("escalation_stood_down", {"protocol_id": protocol.id}),
    ]
    dispute_events = ledger.history("dispute", dispute.id)
    kinds = [e.kind for e in dispute_events]
    # switched in right after the dispute was opened, out right after it was withdrawn
    assert kinds[:2] == ["opened", "escalation_in_force"]
    assert kinds[-2:] == ["transition", "escalation_stood_down"]
    stood_down = dispute_events[-1]
    assert (stood_down.from_state, stood_down.to_state) == ("withdrawn", "withdrawn")
    assert stood_down.actor_person_id == world.id("alice")
    assert ledger.verify().ok


def test_the_dispute_page_and_history_through_the_api_show_the_switch(api, world):
    protocol = agreed_escalation(world)
    dispute = open_dispute(world)
    for who in ("alice", "carla"):
        items = api.get(f"{API}/disputes/{dispute.id}/history", as_=who).json["items"]
        assert "escalation_in_force" in [item["kind"] for item in items], who
        items = api.get(f"{API}/protocols/{protocol.id}/history", as_=who).json["items"]
        assert "escalation_in_force" in [item["kind"] for item in items], who
        page = api.get(f"{API}/disputes/{dispute.id}", as_=who).json
        assert page["escalation_protocol"] == {"protocol_id": protocol.id, "in_force_for_this_dispute": True}, who
    assert api.get(f"{API}/protocols/{protocol.id}", as_="carla").json["in_force"] == 1

    world.clock.advance(hours=1)
    world.drive(dispute, "withdrawn")
    page = api.get(f"{API}/disputes/{dispute.id}", as_="carla").json
    assert page["escalation_protocol"] == {"protocol_id": protocol.id, "in_force_for_this_dispute": False}
    assert api.get(f"{API}/protocols/{protocol.id}", as_="carla").json["in_force"] is None
    items = api.get(f"{API}/disputes/{dispute.id}/history", as_="carla").json["items"]
    assert items[-1]["kind"] == "escalation_stood_down"


def test_a_dispute_on_a_project_without_an_escalation_protocol_shows_none(api, world):
    dispute = open_dispute(world)
    assert api.get(f"{API}/disputes/{dispute.id}").json["escalation_protocol"] is None


# --- no effect without an agreed escalation protocol -----------------------------------------------------


def _no_switch_anywhere(dispute):
    assert EscalationActivation.select().count() == 0
    assert switches("dispute", dispute.id) == []


def test_without_an_escalation_protocol_a_dispute_changes_no_protocol(world):
    routine = agree(world, create(world, scenario="routine"))
    dispute = open_dispute(world)
    world.drive(dispute, "resolved")
    _no_switch_anywhere(dispute)
    assert switches("protocol", routine.id) == []
    assert ledger.verify().ok


@pytest.mark.parametrize("status", ["draft", "proposed"])
def test_an_escalation_protocol_not_yet_agreed_is_not_switched_into_force(world, status):
    protocol = create(world)
    if status == "proposed":
        services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
        services.acknowledge(world.actor("carla"), world.clock, protocol.id, version=1)
    dispute = open_dispute(world)
    world.clock.advance(hours=1)
    assert in_force(protocol.id, world.clock.now()) is None
    world.drive(dispute, "withdrawn")
    _no_switch_anywhere(dispute)
    assert switches("protocol", protocol.id) == []


def test_a_retired_escalation_protocol_is_not_switched_into_force(world):
    protocol = agreed_escalation(world)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="retire")
    world.clock.advance(hours=1)
    dispute = open_dispute(world)
    assert in_force(protocol.id, world.clock.now()) is None
    _no_switch_anywhere(dispute)


def test_a_dispute_on_another_project_or_on_no_project_leaves_the_protocol_alone(world):
    protocol = agreed_escalation(world)
    other = directory.create_project(None, world.clock, name="Loyalty platform",
                                     account_id=world.accounts["contoso"].id)
    on_other = world.open_dispute(project_id=other.id)
    on_none = world.open_dispute()
    on_fabrikam = world.open_dispute(account="fabrikam", project_id=world.projects["fabrikam"].id)
    world.clock.advance(hours=1)
    assert in_force(protocol.id, world.clock.now()) is None
    for dispute in (on_other, on_none, on_fabrikam):
        assert switches("dispute", dispute.id) == []
    assert switches("protocol", protocol.id) == []


# --- several disputes, and agreement while one is open --------------------------------------------------


def test_with_two_disputes_open_the_protocol_stays_in_force_until_the_last_one_ends(world):
    protocol = agreed_escalation(world)
    first = open_dispute(world)
    world.clock.advance(hours=3)
    second = open_dispute(world)
    world.clock.advance(days=1)
    world.drive(first, "withdrawn")
    assert in_force(protocol.id, world.clock.now()) == 1
    world.clock.advance(days=1)
    world.drive(second, "withdrawn")
    assert in_force(protocol.id, world.clock.now()) is None


def test_two_disputes_open_at_once_do_not_double_the_expected_contact(world):
    """While two disputes are open the escalation protocol is in force once: its windows
    follow the agreed daily cadence, not one set of windows per dispute."""
    protocol = agreed_escalation(world)
    began = world.clock.now()
    open_dispute(world)
    world.clock.advance(hours=5)
    open_dispute(world)
    world.clock.advance(days=4)

    result = compliance_reading.compliance(world.actor("alice"), world.clock, protocol.id, start=began,
                                 end=world.clock.now())
    windows = sorted((w.start, w.end) for w in result.windows)
    overlapping = [(a, b) for a, b in zip(windows, windows[1:]) if a[1] > b[0]]
    assert not overlapping, f"{len(overlapping)} windows overlap the next, first: {overlapping[0]}"
    assert len(windows) == 5, windows  # four whole days and the one under way
    assert result.missed == 4


def test_an_escalation_protocol_agreed_while_a_dispute_is_open_comes_into_force_at_once(world):
    """The protocol is in force *while* a dispute on its project is open: also when the
    dispute was opened before the protocol was agreed."""
    dispute = open_dispute(world)
    world.clock.advance(hours=2)
    protocol = agreed_escalation(world)
    world.clock.advance(hours=1)
    assert in_force(protocol.id, world.clock.now()) == 1
    assert escalation.activation_for(dispute.id) is not None


def test_a_re_agreed_escalation_protocol_stays_in_force_for_the_open_dispute_under_its_new_terms(world):
    protocol = agreed_escalation(world)
    open_dispute(world)
    world.clock.advance(days=1)
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, cadence={"every": 12, "unit": "hours"}))
    agree(world, protocol, 2)
    assert in_force(protocol.id, world.clock.now()) == 2
    assert in_force(protocol.id, world.clock.now() - timedelta(hours=12)) == 1


def test_a_back_dated_escalation_protocol_is_in_force_for_the_disputes_open_since_its_effective_from(world):
    """Back-dated, it reaches back for the disputes open when it is agreed: from its
    effective_from, or from when the dispute last opened if that is later."""
    started = world.clock.now()
    early = open_dispute(world)
    reopened = open_dispute(world)
    world.clock.advance(days=1)
    world.drive(reopened, "resolved")
    world.clock.advance(days=1)
    reopened_at = world.clock.now()
    reopen(world, reopened)
    world.clock.advance(days=1)
    effective_from = started + timedelta(hours=12)
    protocol = agreed_escalation(world, effective_from=effective_from)

    assert escalation.activation_for(early.id).started_at == effective_from
    assert escalation.activation_for(reopened.id).started_at == reopened_at
    assert in_force(protocol.id, effective_from - timedelta(seconds=1)) is None
    assert in_force(protocol.id, effective_from) == 1
    touch(world, protocol, effective_from + timedelta(hours=1))
    result = compliance_reading.compliance(world.actor("alice"), world.clock, protocol.id, start=effective_from,
                                 end=effective_from + timedelta(days=2))
    assert [(w.count, w.status) for w in result.windows] == [(1, "met"), (0, "missed")]



def test_a_program_that_never_installed_the_listeners_cannot_change_a_dispute(world, monkeypatch):
    """Forgetting `outreach.install()` is loud, not a silently skipped escalation."""
    monkeypatch.setattr(hooks, "_listeners", None)
    with pytest.raises(RuntimeError, match=r"outreach\.install"):
        world.open_dispute(project_id=world.projects["contoso"].id)
    assert Dispute.select().count() == 0, "the refused change left nothing behind"


@pytest.mark.parametrize("program", ["app", "command line"])
def test_the_app_and_the_command_line_install_the_escalation_listener(database_url, monkeypatch, program):
    from click.testing import CliRunner

    from web import create_app
    from web.cli import main

    monkeypatch.setattr(hooks, "_listeners", None)
    if program == "app":
        create_app({"DATABASE_URL": database_url, "TESTING": True})
    else:
        CliRunner().invoke(main, ["--database", database_url, "diagram", "dispute"])
    assert hooks._listeners == (escalation.switch_escalation,)
