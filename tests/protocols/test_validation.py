"""Every rule of issue 3, point 3, refuses with Invalid naming the field and writes nothing.

- each point person belongs to the company of their side and to the project's account;
- a cadence is between one hour and one year;
- phases are in order and all positive, only the last one open-ended;
- a known channel (checked by the API: 422);
- touchpoints only on protocols in force, and not in the future;
- an acknowledgement only by a person of the protocol's account, once per company and
  version, and only of a proposed version.

Auditors read; they change nothing (Forbidden).
"""

from datetime import timedelta

import pytest

from mediation import directory
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from protocols import compliance_reading
from protocols import queries
from protocols import services
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from tests.conftest import table_counts

API = "/api/v1"
UNKNOWN = 999_999
DAILY = {"every": 1, "unit": "days"}
WEEKLY = {"every": 1, "unit": "weeks"}


def terms(world, **overrides) -> dict:
    values = dict(
        cadence=WEEKLY,
        phases=[],
        channel="video",
        supplier_point_person_id=world.id("alice"),
        customer_point_person_id=world.id("carla"),
        backup_ids=[],
        agenda="Weekly status.",
        escalation=[],
        timezone="UTC",
    )
    values.update(overrides)
    return values


def create(world, scenario="routine", by="alice", **overrides) -> Protocol:
    return services.create_protocol(world.actor(by), world.clock, project_id=world.projects["contoso"].id,
                                    scenario=scenario, **terms(world, **overrides))


def agreed(world, scenario="routine", **overrides) -> Protocol:
    protocol = create(world, scenario=scenario, **overrides)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    services.acknowledge(world.actor("alice"), world.clock, protocol.id, version=1)
    services.acknowledge(world.actor("carla"), world.clock, protocol.id, version=1)
    return protocol


def refused(call, *fields: str) -> Invalid:
    """`call` raises Invalid naming exactly `fields`, and nothing at all is written."""
    counts = table_counts()
    with pytest.raises(Invalid) as error:
        call()
    assert set(error.value.errors) == set(fields), error.value.errors
    for field in fields:
        assert error.value.errors[field] and all(isinstance(m, str) and m for m in error.value.errors[field])
    assert table_counts() == counts
    return error.value


def nothing_written(call, error_type):
    counts = table_counts()
    with pytest.raises(error_type):
        call()
    assert table_counts() == counts


@pytest.fixture
def outsiders(world):
    """A second supplier with a person, and a second point person at Contoso."""
    rival = directory.create_organization(None, world.clock, name="Rival Systems", kind="supplier")
    world.people["rival"] = directory.create_person(
        None, world.clock, email="rita@rival.example", name="Rita Rival", organization_id=rival.id,
        roles=("point_person",))
    world.people["carla2"] = directory.create_person(
        None, world.clock, email="chris@contoso.example", name="Chris Contoso",
        organization_id=world.orgs["contoso"].id, roles=("point_person",))
    return world


# --- point people ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field,who", [
    ("supplier_point_person_id", "carla"),  # the customer's person on the supplier's side
    ("supplier_point_person_id", "frank"),  # another account's customer
    ("supplier_point_person_id", "rival"),  # a supplier, but not this account's
    ("customer_point_person_id", "alice"),  # the supplier's person on the customer's side
    ("customer_point_person_id", "frank"),  # the customer of another account
    ("customer_point_person_id", "gina"),
])
def test_a_point_person_must_be_of_their_sides_company_on_this_account(outsiders, field, who):
    world = outsiders
    refused(lambda: create(world, **{field: world.id(who)}), field)


@pytest.mark.parametrize("field,who", [
    ("supplier_point_person_id", "auditor"), ("supplier_point_person_id", "admin"),
    ("customer_point_person_id", "contoso_auditor"), ("customer_point_person_id", "contoso_admin"),
])
def test_auditors_and_administrators_without_another_role_are_no_point_people(world, field, who):
    error = refused(lambda: create(world, **{field: world.id(who)}), field)
    assert "cannot be named" in error.errors[field][0]


def test_a_disabled_person_is_no_backup(world):
    directory.disable_person(None, world.clock, person_id=world.id("dev"))
    refused(lambda: create(world, backup_ids=[world.id("dev")]), "backup_ids")
    refused(lambda: create(world, backup_ids=[world.id("auditor")]), "backup_ids")


@pytest.mark.parametrize("field", ["supplier_point_person_id", "customer_point_person_id"])
def test_a_point_person_must_exist(world, field):
    refused(lambda: create(world, **{field: UNKNOWN}), field)


def test_every_wrong_point_person_is_named_at_once(world):
    error = refused(lambda: create(world, supplier_point_person_id=world.id("carla"),
                                   customer_point_person_id=world.id("frank")),
                    "supplier_point_person_id", "customer_point_person_id")
    assert "Frank" not in " ".join(error.errors["supplier_point_person_id"])


def test_backups_and_escalation_people_must_belong_to_the_accounts_two_companies(outsiders):
    world = outsiders
    refused(lambda: create(world, backup_ids=[world.id("sam"), world.id("frank")]), "backup_ids")
    refused(lambda: create(world, backup_ids=[world.id("rival")]), "backup_ids")
    refused(lambda: create(world, escalation=[{"person_id": world.id("gina"), "respond_within_hours": 4}]),
            "escalation")
    protocol = create(world, backup_ids=[world.id("sam"), world.id("dev")],
                      escalation=[{"person_id": world.id("bob"), "respond_within_hours": 8}])
    assert ProtocolVersion.get(ProtocolVersion.protocol == protocol.id).backup_ids == sorted(
        [world.id("sam"), world.id("dev")])


def test_a_new_version_is_held_to_the_same_rules(world):
    protocol = agreed(world)
    alice = world.actor("alice")
    refused(lambda: services.add_version(alice, world.clock, protocol.id,
                                         **terms(world, customer_point_person_id=world.id("frank"))),
            "customer_point_person_id")
    refused(lambda: services.add_version(alice, world.clock, protocol.id,
                                         **terms(world, cadence={"every": 30, "unit": "hours"},
                                                 supplier_point_person_id=world.id("dev"))),
            "supplier_point_person_id")


# --- cadence ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cadence", [
    {"every": 0, "unit": "hours"},
    {"every": -1, "unit": "days"},
    {"every": 367, "unit": "days"},
    {"every": 53, "unit": "weeks"},
    {"every": 13, "unit": "months"},
    {"every": 9000, "unit": "hours"},
    {"respond_within_hours": 0},
    {"respond_within_hours": 24 * 366 + 1},
], ids=lambda c: "-".join(str(v) for v in c.values()))
def test_a_cadence_under_one_hour_or_over_one_year_is_refused(world, cadence):
    refused(lambda: create(world, cadence=cadence), "cadence")


@pytest.mark.parametrize("cadence", [
    {"every": 1, "unit": "hours"},
    {"every": 24, "unit": "hours"},
    {"every": 52, "unit": "weeks"},
    {"every": 12, "unit": "months"},
    {"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]},
    {"respond_within_hours": 1},
    {"respond_within_hours": 24 * 365},
], ids=lambda c: "-".join(str(v) for v in c.values()))
def test_cadences_from_one_hour_to_one_year_are_accepted(world, cadence):
    protocol = create(world, cadence=cadence)
    assert ProtocolVersion.get(ProtocolVersion.protocol == protocol.id).cadence == cadence


def test_weekdays_go_with_a_weekly_cadence_only(world):
    refused(lambda: create(world, cadence={"every": 1, "unit": "days", "weekdays": ["mon"]}), "cadence")


def test_a_version_without_a_cadence_or_an_open_ended_phase_is_refused(world):
    refused(lambda: create(world, cadence=None), "cadence")
    refused(lambda: create(world, cadence=None, phases=[{"cadence": DAILY, "days": 14}]), "cadence")


# --- phases ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, -14])
def test_a_phase_must_last_a_positive_number_of_days(world, days):
    refused(lambda: create(world, phases=[{"cadence": DAILY, "days": days}]), "phases")


def test_only_the_last_phase_may_be_open_ended(world):
    refused(lambda: create(world, cadence=None,
                           phases=[{"cadence": DAILY, "days": None}, {"cadence": WEEKLY, "days": 14}]),
            "phases")
    refused(lambda: create(world, cadence=WEEKLY,
                           phases=[{"cadence": DAILY, "days": 14}, {"cadence": DAILY, "days": None},
                                   {"cadence": WEEKLY, "days": 28}]),
            "phases")


def test_an_open_ended_last_phase_and_a_cadence_after_it_contradict_each_other(world):
    refused(lambda: create(world, cadence=WEEKLY, phases=[{"cadence": DAILY, "days": None}]), "phases")


def test_the_cadence_of_a_phase_is_held_to_one_hour_to_one_year(world):
    refused(lambda: create(world, phases=[{"cadence": {"every": 0, "unit": "hours"}, "days": 7}]), "phases")
    refused(lambda: create(world, phases=[{"cadence": {"every": 400, "unit": "days"}, "days": 7}]), "phases")


def test_phases_must_be_in_order_a_taper_slows_down_and_never_speeds_up(world):
    """Onboarding taper: contact is frequent and then slows down (DESIGN.md). Phases that
    get more frequent than the phase before them are out of order."""
    refused(lambda: create(world, scenario="onboarding", cadence=WEEKLY,
                           phases=[{"cadence": WEEKLY, "days": 14}, {"cadence": DAILY, "days": 14}]),
            "phases")


def test_a_taper_in_order_is_accepted(world):
    phases = [{"cadence": DAILY, "days": 14},
              {"cadence": {"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]}, "days": 28}]
    protocol = create(world, scenario="onboarding", cadence=WEEKLY, phases=phases)
    assert ProtocolVersion.get(ProtocolVersion.protocol == protocol.id).phases == phases


def test_an_unknown_time_zone_is_refused(world):
    refused(lambda: create(world, timezone="Mars/Olympus_Mons"), "timezone")


def test_a_protocol_per_project_and_scenario(world):
    create(world)
    refused(lambda: create(world), "scenario")


def test_a_project_the_caller_cannot_see_is_refused_exactly_like_an_unknown_one(world):
    counts = table_counts()
    refusals = []
    for project_id in (world.projects["contoso"].id, UNKNOWN):
        with pytest.raises((Invalid, NotFound)) as error:
            services.create_protocol(world.actor("frank"), world.clock, project_id=project_id,
                                     scenario="routine", **terms(world))
        text = f"{error.value.detail} {getattr(error.value, 'errors', '')}"
        refusals.append((type(error.value), text.replace(str(project_id), "N")))
    assert refusals[0] == refusals[1]
    assert table_counts() == counts


# --- the channel, through the API ----------------------------------------------------------------


def _signed_in(world):
    for key in world.people:
        world.token(key)


def test_an_unknown_channel_is_refused_by_the_api_with_422_naming_it(api, world):
    _signed_in(world)
    protocol = agreed(world)
    body = {"scenario": "incident", "cadence": {"respond_within_hours": 4}, "channel": "carrier_pigeon",
            "supplier_point_person_id": world.id("alice"), "customer_point_person_id": world.id("carla")}
    counts = table_counts()

    response = api.post(f"{API}/projects/{world.projects['contoso'].id}/protocols", body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]) == {"channel"}

    version = {k: v for k, v in body.items() if k != "scenario"}
    response = api.post(f"{API}/protocols/{protocol.id}/versions", version)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"channel"}

    response = api.post(f"{API}/protocols/{protocol.id}/touchpoints", {
        "occurred_at": world.clock.now().isoformat(), "channel": "fax",
        "supplier_person_id": world.id("alice"), "customer_person_id": world.id("carla"), "summary": "Sent a fax."})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"channel"}
    assert table_counts() == counts


@pytest.mark.parametrize("field,value", [
    ("cadence", {"every": 0, "unit": "hours"}),
    ("cadence", {"every": 30, "unit": "minutes"}),
    ("cadence", {"every": 400, "unit": "days"}),
    ("cadence", {"respond_within_hours": 0}),
    ("phases", [{"cadence": DAILY, "days": 0}]),
    ("phases", [{"cadence": DAILY, "days": -3}]),
    ("customer_point_person_id", "carla"),
    ("timezone", "Nowhere/Never"),
])
def test_the_api_refuses_bad_terms_with_422_naming_the_field(api, world, field, value):
    _signed_in(world)
    body = {"scenario": "routine", "cadence": WEEKLY, "channel": "video",
            "supplier_point_person_id": world.id("alice"), "customer_point_person_id": world.id("carla"),
            field: value}
    counts = table_counts()
    response = api.post(f"{API}/projects/{world.projects['contoso'].id}/protocols", body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.json["errors"], response.json
    assert table_counts() == counts


# --- touchpoints --------------------------------------------------------------------------------------


def touch(world, protocol_id, by="alice", when=None, **overrides):
    values = dict(occurred_at=when or world.clock.now(), channel="video", supplier_person_id=world.id("alice"),
                  customer_person_id=world.id("carla"), summary="Weekly call.")
    values.update(overrides)
    return services.log_touchpoint(world.actor(by), world.clock, protocol_id, **values)


def test_no_touchpoint_on_a_protocol_that_was_never_agreed(world):
    protocol = create(world)
    refused(lambda: touch(world, protocol.id), "occurred_at")
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    services.acknowledge(world.actor("alice"), world.clock, protocol.id, version=1)
    refused(lambda: touch(world, protocol.id), "occurred_at")


def test_no_touchpoint_before_the_protocol_came_into_force(world):
    protocol = agreed(world)
    world.clock.advance(days=2)
    refused(lambda: touch(world, protocol.id, when=world.clock.now() - timedelta(days=3)), "occurred_at")
    touch(world, protocol.id, when=world.clock.now() - timedelta(days=1))


def test_no_touchpoint_after_the_protocol_was_retired(world):
    protocol = agreed(world)
    world.clock.advance(days=10)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="retire")
    world.clock.advance(days=1)
    refused(lambda: touch(world, protocol.id), "occurred_at")
    touch(world, protocol.id, when=world.clock.now() - timedelta(days=5))  # while it was in force


def test_no_touchpoint_in_the_future(world):
    protocol = agreed(world)
    world.clock.advance(days=1)
    refused(lambda: touch(world, protocol.id, when=world.clock.now() + timedelta(minutes=1)), "occurred_at")
    touch(world, protocol.id, when=world.clock.now())


def test_no_touchpoint_before_an_effective_from_that_has_not_come(world):
    protocol = agreed(world, effective_from=world.clock.now() + timedelta(days=7))
    world.clock.advance(days=1)
    refused(lambda: touch(world, protocol.id), "occurred_at")


@pytest.mark.parametrize("field,who", [
    ("supplier_person_id", "carla"),
    ("supplier_person_id", "frank"),
    ("customer_person_id", "sam"),
    ("customer_person_id", "frank"),
])
def test_the_people_of_a_touchpoint_belong_to_their_sides_company(world, field, who):
    protocol = agreed(world)
    refused(lambda: touch(world, protocol.id, **{field: world.id(who)}), field)


def test_a_touchpoint_with_people_who_are_not_point_people_is_allowed_and_is_a_deviation(world):
    protocol = agreed(world)
    world.clock.advance(hours=1)
    touch(world, protocol.id, supplier_person_id=world.id("sam"), customer_person_id=world.id("dev"))
    result = compliance_reading.compliance(world.actor("alice"), world.clock, protocol.id)
    assert result.people_deviations == 1


# --- incidents ------------------------------------------------------------------------------------------


def test_an_incident_needs_a_response_time_cadence_in_force_and_a_start_not_in_the_future(world):
    routine = agreed(world)
    incident = agreed(world, scenario="incident", cadence={"respond_within_hours": 4}, channel="phone")
    world.clock.advance(days=1)

    def report(protocol, when):
        return services.report_incident(world.actor("carla"), world.clock, protocol.id, started_at=when,
                                        summary="Orders are not arriving.")

    refused(lambda: report(routine, world.clock.now()), "started_at")
    refused(lambda: report(incident, world.clock.now() + timedelta(hours=1)), "started_at")
    refused(lambda: report(incident, world.clock.now() - timedelta(days=2)), "started_at")
    report(incident, world.clock.now() - timedelta(hours=1))


# --- acknowledgements ------------------------------------------------------------------------------------


def proposed(world, **overrides) -> Protocol:
    protocol = create(world, **overrides)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    return protocol


def ack(world, protocol_id, who, number=1):
    return services.acknowledge(world.actor(who), world.clock, protocol_id, version=number)


@pytest.mark.parametrize("who", ["frank", "gina"])
def test_a_person_of_another_account_cannot_acknowledge_nor_learn_the_protocol_exists(world, who):
    protocol = proposed(world)
    nothing_written(lambda: ack(world, protocol.id, who), NotFound)
    nothing_written(lambda: ack(world, UNKNOWN, who), NotFound)


@pytest.mark.parametrize("who", ["bob", "sam", "dev"])
def test_people_who_neither_manage_the_account_nor_are_point_people_cannot_acknowledge(world, who):
    protocol = proposed(world)
    nothing_written(lambda: ack(world, protocol.id, who), Forbidden)


def test_a_backup_named_in_the_protocol_may_acknowledge_for_their_company(world):
    protocol = proposed(world, backup_ids=[world.id("dev")])
    ack(world, protocol.id, "dev")
    ack(world, protocol.id, "alice")
    assert ProtocolVersion.get(ProtocolVersion.protocol == protocol.id).status == "agreed"


def test_the_same_person_acknowledges_a_version_once(world):
    protocol = proposed(world)
    ack(world, protocol.id, "carla")
    refused(lambda: ack(world, protocol.id, "carla"), "version")


def test_a_company_acknowledges_a_version_once_whoever_speaks_for_it(outsiders):
    world = outsiders
    protocol = proposed(world)
    ack(world, protocol.id, "alice")
    refused(lambda: ack(world, protocol.id, "admin"), "version")
    ack(world, protocol.id, "carla2")
    refused(lambda: ack(world, protocol.id, "carla"), "version")


def test_two_acknowledgements_of_the_supplier_do_not_make_an_agreement(world):
    protocol = proposed(world)
    ack(world, protocol.id, "alice")
    with pytest.raises(Invalid):
        ack(world, protocol.id, "admin")
    assert ProtocolVersion.get(ProtocolVersion.protocol == protocol.id).status == "proposed"


def test_a_draft_is_not_acknowledged(world):
    protocol = create(world)
    refused(lambda: ack(world, protocol.id, "alice"), "version")
    refused(lambda: ack(world, protocol.id, "carla"), "version")


def test_an_agreed_or_retired_or_unknown_version_is_not_acknowledged(world):
    protocol = agreed(world)
    refused(lambda: ack(world, protocol.id, "admin"), "version")  # agreed already
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world))
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 2, trigger="retire")
    refused(lambda: ack(world, protocol.id, "carla", number=2), "version")
    refused(lambda: ack(world, protocol.id, "carla", number=3), "version")


# --- auditors -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("auditor", ["auditor", "contoso_auditor"])
def test_auditors_are_refused_every_change(world, auditor):
    routine = agreed(world)
    incident = agreed(world, scenario="incident", cadence={"respond_within_hours": 4}, channel="phone")
    pending = proposed(world, scenario="onboarding")
    world.clock.advance(hours=2)
    actor, clock, now = world.actor(auditor), world.clock, world.clock.now()
    changes = [
        lambda: services.create_protocol(actor, clock, project_id=world.projects["contoso"].id,
                                         scenario="executive_review", **terms(world)),
        lambda: services.add_version(actor, clock, routine.id, **terms(world)),
        lambda: services.transition_version(actor, clock, pending.id, 1, trigger="retire"),
        lambda: services.transition_version(actor, clock, routine.id, 1, trigger="retire"),
        lambda: services.acknowledge(actor, clock, pending.id, version=1),
        lambda: services.log_touchpoint(actor, clock, routine.id, occurred_at=now, channel="video",
                                        supplier_person_id=world.id("alice"),
                                        customer_person_id=world.id("carla"), summary="Call."),
        lambda: services.report_incident(actor, clock, incident.id, started_at=now, summary="Outage."),
    ]
    for change in changes:
        nothing_written(change, Forbidden)


@pytest.mark.parametrize("auditor", ["auditor", "contoso_auditor"])
def test_auditors_read_protocols_and_their_compliance(world, auditor):
    protocol = agreed(world)
    assert queries.get_protocol(world.actor(auditor), protocol.id).id == protocol.id
    assert compliance_reading.compliance(world.actor(auditor), world.clock, protocol.id).status in (
        "on_track", "due_soon", "overdue", "over_communicating")
