"""Reading a transition's guards without firing it, and who may work a dispute: what the
dispute page shows before anyone presses a button."""

import pytest

from mediation import dispute_permissions
from mediation import dispute_queries
from mediation import lifecycle
from mediation import services
from mediation.errors import InvalidTrigger
from tests.conftest import table_counts


def test_unmet_conditions_names_every_unmet_condition_and_writes_nothing(world):
    dispute = world.open_dispute(by="admin", parties=["sam"])
    before = table_counts()

    assert lifecycle.unmet_conditions(dispute, "gather_stories", {}) == [
        "parties_from_both_companies", "mediator_assigned",
    ]
    assert table_counts() == before
    assert dispute_queries.get_dispute(world.actor("admin"), dispute.id).version == dispute.version


def test_unmet_conditions_is_empty_exactly_when_the_trigger_would_fire(world):
    dispute = world.open_dispute()
    assert lifecycle.unmet_conditions(dispute, "gather_stories", {}) == []
    assert lifecycle.fire(dispute, "gather_stories", {}) == "story_gathering"


def test_conditions_met_by_the_request_depend_on_what_it_carries(world):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]

    assert lifecycle.unmet_conditions(dispute, "resolve", {}) == [
        "option_accepted_by_both_companies", "resolution_summary",
    ]
    assert lifecycle.unmet_conditions(dispute, "withdraw", {"reason": "  "}) == ["reason_given"]
    assert lifecycle.unmet_conditions(dispute, "withdraw", {"reason": "settled by phone"}) == []

    services.accept_option(world.actor("alice"), world.clock, dispute.id, option_id=option.id)
    assert lifecycle.unmet_conditions(dispute, "resolve", {"option_id": option.id, "summary": "Split"}) == [
        "option_accepted_by_both_companies",
    ]
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=option.id)
    assert lifecycle.unmet_conditions(dispute, "resolve", {"option_id": option.id, "summary": "Split"}) == []


def test_an_override_reason_meets_the_mutual_value_condition(world):
    dispute = world.drive(world.open_dispute(), "option_generation")
    for summary in ("Credit note", "Free training"):
        services.propose_option(world.actor("alice"), world.clock, dispute.id, summary=summary,
                                value_to_supplier=-1, value_to_customer=3)

    assert lifecycle.unmet_conditions(dispute, "start_resolution", {}) == ["mutual_value_option_or_override"]
    assert lifecycle.unmet_conditions(dispute, "start_resolution", {"override_reason": "keep the account"}) == []


def test_unmet_conditions_of_a_trigger_not_possible_now_is_refused(world):
    dispute = world.open_dispute()
    with pytest.raises(InvalidTrigger):
        lifecycle.unmet_conditions(dispute, "resolve", {})


def test_each_condition_a_request_can_meet_reads_a_field_its_trigger_takes():
    for transition in lifecycle.TRANSITIONS:
        for name in transition["conditions"]:
            if name in lifecycle.CONDITION_INPUTS:
                assert lifecycle.CONDITION_INPUTS[name] in lifecycle.TRIGGER_INPUTS[transition["trigger"]]


@pytest.mark.parametrize("person, case, participant, accepting", [
    ("alice", "mediator", "mediator", "mediator"),
    ("admin", "admin", "admin", "admin"),
    ("sam", None, "party", "party"),
    ("carla", None, "party", "party"),
    ("dev", None, None, None),
    ("contoso_admin", None, None, None),
    ("auditor", None, None, None),
])
def test_capacities_in_which_people_work_a_dispute(world, person, case, participant, accepting):
    dispute = world.open_dispute()
    actor = world.actor(person)
    assert dispute_permissions.case_capacity(actor, dispute) == case
    assert dispute_permissions.participant_capacity(actor, dispute) == participant
    assert dispute_permissions.acceptance_capacity(actor, dispute) == accepting


def test_a_point_person_who_is_no_party_may_still_accept(world):
    dispute = world.open_dispute(parties=["sam", "dev"])
    assert dispute_permissions.participant_capacity(world.actor("carla"), dispute) is None
    assert dispute_permissions.acceptance_capacity(world.actor("carla"), dispute) == "point_person"


def test_the_co_mediator_and_the_account_manager_run_the_case(world):
    dispute = world.open_dispute(by="admin", co_mediator_id=world.id("carla"))
    assert dispute_permissions.case_capacity(world.actor("carla"), dispute) == "co_mediator"
    assert dispute_permissions.case_capacity(world.actor("alice"), dispute) == "account_manager"
    assert dispute_permissions.case_capacity(world.actor("bob"), dispute) is None


@pytest.mark.parametrize("person, accounts", [
    ("alice", ["Contoso account"]),
    ("bob", ["Fabrikam account"]),
    ("admin", ["Contoso account", "Fabrikam account"]),
    ("sam", []),
    ("auditor", []),
    ("carla", []),
    ("contoso_admin", []),
])
def test_disputes_are_opened_by_account_managers_on_their_accounts_and_by_supplier_admins(world, person, accounts):
    assert [a.name for a in dispute_permissions.openable_accounts(world.actor(person))] == accounts


def test_every_trigger_is_declared_once_with_its_words_and_the_fields_it_takes():
    """The machine, the request schema and the pages read one declaration."""
    for name, declared in lifecycle.DECLARED.items():
        assert declared.label and declared.explanation
        assert set(declared.inputs) <= set(lifecycle.INPUTS)
        assert set(declared.conditions) <= set(lifecycle.CONDITIONS)
        assert {n for n in declared.sets.values() if n} <= set(declared.inputs)
    assert {t["trigger"] for t in lifecycle.TRANSITIONS} == set(lifecycle.DECLARED)
