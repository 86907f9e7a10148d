"""The dispute lifecycle and the record rules, through mediation.services.

Every refused call is checked to have written nothing: no row, no event, no changed
dispute or commitment.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest

from mediation import dispute_queries
from mediation import lifecycle
from mediation import services
from mediation import ledger
from mediation.db import database
from mediation.disputes import Acceptance
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import GuardsUnmet
from mediation.errors import Invalid
from mediation.errors import InvalidTrigger
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from mediation.ledger import history
from tests.conftest import table_counts

ALL_STATES = ["intake", "story_gathering", "option_generation", "resolution", "resolved", "withdrawn"]

# DESIGN.md's lifecycle table, written out: state -> the triggers possible from it.
VALID_TRIGGERS = {
    "intake": {"gather_stories", "withdraw"},
    "story_gathering": {"generate_options", "withdraw"},
    "option_generation": {"start_resolution", "withdraw"},
    "resolution": {"resolve", "revisit", "withdraw"},
    "resolved": {"reopen"},
    "withdrawn": set(),
}
ALL_TRIGGERS = ["gather_stories", "generate_options", "start_resolution", "resolve", "revisit", "reopen", "withdraw"]
INVALID_PAIRS = [(s, t) for s in ALL_STATES for t in ALL_TRIGGERS if t not in VALID_TRIGGERS[s]]


# --- helpers ---------------------------------------------------------------------------------


def snapshot():
    """Everything a refused call could have touched."""
    return (
        table_counts(),
        list(Dispute.select().order_by(Dispute.id).dicts()),
        list(Commitment.select().order_by(Commitment.id).dicts()),
    )


@contextmanager
def refused(error):
    """The block raises `error` and leaves the database exactly as it was."""
    before = snapshot()
    with pytest.raises(error) as caught:
        yield caught
    assert snapshot() == before


def current(world, dispute, by="alice"):
    return dispute_queries.get_dispute(world.actor(by), dispute.id)


def fire(world, dispute, trigger, by="alice", **data):
    """Fire `trigger` at the dispute's current version."""
    version = current(world, dispute, by).version
    return services.transition(
        world.actor(by), world.clock, dispute.id, trigger=trigger, expected_version=version, **data
    )


def unmet(world, dispute, trigger, by="alice", **data) -> list[str]:
    """The unmet condition names `trigger` is refused with (and check it wrote nothing)."""
    with refused(GuardsUnmet) as caught:
        fire(world, dispute, trigger, by=by, **data)
    assert caught.value.trigger == trigger
    return caught.value.unmet


def events(dispute):
    return history("dispute", dispute.id)


def last_event(dispute):
    return events(dispute)[-1]


def tell(world, dispute, party, by="alice", **extra):
    values = {"text": f"{party}'s side of it"}
    values.update(extra)
    return services.record_story(world.actor(by), world.clock, dispute.id, party_id=world.id(party), **values)


def decline(world, dispute, party, by="alice"):
    return services.record_story(
        world.actor(by), world.clock, dispute.id, party_id=world.id(party), declined=True
    )


def propose(world, dispute, supplier, customer, by="alice", summary=None):
    return services.propose_option(
        world.actor(by), world.clock, dispute.id, summary=summary or f"option {supplier}/{customer}",
        value_to_supplier=supplier, value_to_customer=customer,
    )


def accept(world, dispute, option, by):
    return services.accept_option(world.actor(by), world.clock, dispute.id, option_id=option.id)


def options_of(world, dispute):
    return dispute_queries.details(world.actor("alice"), current(world, dispute))["options"]


def commit(world, dispute, person="carla", by="alice", days=14):
    return services.record_commitment(
        world.actor(by), world.clock, dispute.id, person_id=world.id(person),
        description="Issue the credit note", due_at=world.clock.now() + timedelta(days=days),
    )


def at_state(world, state, **open_kwargs):
    return world.drive(world.open_dispute(**open_kwargs), state)


def race(*calls):
    """Run `calls` at the same moment, each on its own thread and connection; their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # the refusal is the result
            results[index] = exc
        finally:
            database.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def assert_transition_event(event, world, dispute, trigger, from_state, to_state, payload, by="alice", role="mediator"):
    assert event.subject_type == "dispute"
    assert event.subject_id == dispute.id
    assert event.kind == "transition"
    assert (event.from_state, event.to_state) == (from_state, to_state)
    assert event.data == {"trigger": trigger, **payload}
    assert event.actor_person_id == world.id(by)
    assert event.actor_organization_id == world.people[by].organization_id
    assert event.actor_role == role
    assert event.occurred_at == world.clock.now()


# --- opening ----------------------------------------------------------------------------------


def test_a_new_dispute_starts_in_intake_at_version_one_with_an_opened_event(world):
    dispute = world.open_dispute()
    stored = current(world, dispute)
    assert (stored.state, stored.version) == ("intake", 1)
    assert stored.mediator_id == world.id("alice"), "the managing opener mediates by default"
    [event] = events(dispute)
    assert (event.kind, event.from_state, event.to_state) == ("opened", None, "intake")
    assert event.actor_person_id == world.id("alice")
    assert event.actor_role == "account_manager"
    assert event.data["party_ids"] == [world.id("sam"), world.id("carla")]
    assert event.data["mediator_id"] == world.id("alice")
    assert event.data["account_id"] == world.accounts["contoso"].id


def test_an_admin_who_does_not_manage_the_account_opens_without_a_mediator(world):
    dispute = world.open_dispute(by="admin")
    assert current(world, dispute).mediator_id is None
    assert events(dispute)[0].actor_role == "admin"


def test_parties_must_be_people_of_the_accounts_two_companies(world):
    with refused(Invalid) as caught:
        world.open_dispute(parties=["sam", "frank"])
    assert list(caught.value.errors) == ["party_ids"]


def test_a_co_mediator_must_be_a_person_of_the_customer(world):
    with refused(Invalid) as caught:
        world.open_dispute(co_mediator_id=world.id("sam"))
    assert list(caught.value.errors) == ["co_mediator_id"]


def test_an_account_manager_of_another_account_may_not_open_a_dispute_on_this_one(world):
    with refused(Forbidden):
        world.open_dispute(account="contoso", by="bob")


# --- gather_stories ------------------------------------------------------------------------------


def test_gather_stories_moves_intake_to_story_gathering(world, clock):
    dispute = world.open_dispute()
    clock.advance(hours=2)
    moved = fire(world, dispute, "gather_stories")
    stored = current(world, dispute)
    assert moved.state == stored.state == "story_gathering"
    assert stored.version == 2
    assert stored.state_changed_at == clock.now()
    assert_transition_event(last_event(dispute), world, dispute, "gather_stories", "intake", "story_gathering", {})


def test_gather_stories_needs_parties_from_both_companies(world):
    dispute = world.open_dispute(parties=["sam"])
    assert unmet(world, dispute, "gather_stories") == ["parties_from_both_companies"]


def test_gather_stories_with_only_customer_parties_or_none_lacks_both_companies(world):
    assert unmet(world, world.open_dispute(parties=["carla"]), "gather_stories") == ["parties_from_both_companies"]
    assert unmet(world, world.open_dispute(parties=[]), "gather_stories") == ["parties_from_both_companies"]


def test_gather_stories_needs_a_mediator(world):
    dispute = world.open_dispute(by="admin")
    assert unmet(world, dispute, "gather_stories", by="admin") == ["mediator_assigned"]


def test_gather_stories_reports_every_unmet_condition_together(world):
    dispute = world.open_dispute(by="admin", parties=["sam"])
    assert unmet(world, dispute, "gather_stories", by="admin") == [
        "parties_from_both_companies",
        "mediator_assigned",
    ]


def test_adding_a_customer_party_and_a_mediator_meets_gather_stories(world):
    dispute = world.open_dispute(by="admin", parties=["sam"])
    services.add_party(world.actor("admin"), world.clock, dispute.id, person_id=world.id("carla"))
    services.assign_mediators(world.actor("admin"), world.clock, dispute.id, mediator_id=world.id("alice"))
    assert [e.kind for e in events(dispute)] == ["opened", "party_added", "mediators_assigned"]
    assert fire(world, dispute, "gather_stories", by="admin").state == "story_gathering"


# --- generate_options ------------------------------------------------------------------------------


def test_generate_options_moves_story_gathering_to_option_generation(world):
    dispute = at_state(world, "story_gathering")
    tell(world, dispute, "sam")
    tell(world, dispute, "carla")
    assert fire(world, dispute, "generate_options").state == "option_generation"
    assert_transition_event(
        last_event(dispute), world, dispute, "generate_options", "story_gathering", "option_generation", {}
    )


def test_generate_options_without_any_story_reports_both_conditions(world):
    dispute = at_state(world, "story_gathering")
    assert unmet(world, dispute, "generate_options") == ["story_from_each_company", "every_party_heard"]


def test_generate_options_needs_a_story_told_by_each_company_not_just_declined(world):
    dispute = at_state(world, "story_gathering")
    tell(world, dispute, "sam")
    decline(world, dispute, "carla")
    assert unmet(world, dispute, "generate_options") == ["story_from_each_company"]


def test_generate_options_needs_every_party_heard(world):
    dispute = at_state(world, "story_gathering", parties=["sam", "carla", "dev"])
    tell(world, dispute, "sam")
    tell(world, dispute, "carla")
    assert unmet(world, dispute, "generate_options") == ["every_party_heard"]


def test_a_party_marked_as_declining_counts_as_heard(world):
    dispute = at_state(world, "story_gathering", parties=["sam", "carla", "dev"])
    tell(world, dispute, "sam")
    tell(world, dispute, "carla")
    decline(world, dispute, "dev")
    assert fire(world, dispute, "generate_options").state == "option_generation"


def test_stories_told_in_intake_count_for_generate_options(world):
    dispute = world.open_dispute()
    tell(world, dispute, "sam")
    tell(world, dispute, "carla", by="carla")
    fire(world, dispute, "gather_stories")
    assert fire(world, dispute, "generate_options").state == "option_generation"


# --- start_resolution -------------------------------------------------------------------------------


def test_start_resolution_moves_option_generation_to_resolution(world):
    dispute = at_state(world, "option_generation")
    propose(world, dispute, 2, 2)
    propose(world, dispute, -1, 3)
    moved = fire(world, dispute, "start_resolution")
    assert moved.state == "resolution"
    assert current(world, dispute).override_reason is None
    assert_transition_event(
        last_event(dispute), world, dispute, "start_resolution", "option_generation", "resolution",
        {"override_reason": None},
    )


def test_start_resolution_without_options_reports_both_conditions(world):
    dispute = at_state(world, "option_generation")
    assert unmet(world, dispute, "start_resolution") == ["at_least_two_options", "mutual_value_option_or_override"]


def test_start_resolution_needs_at_least_two_options(world):
    dispute = at_state(world, "option_generation")
    propose(world, dispute, 3, 3)
    assert unmet(world, dispute, "start_resolution") == ["at_least_two_options"]


def test_start_resolution_needs_an_option_with_value_to_both_companies(world):
    dispute = at_state(world, "option_generation")
    propose(world, dispute, 5, 0)
    propose(world, dispute, 0, 5)
    assert unmet(world, dispute, "start_resolution") == ["mutual_value_option_or_override"]


def test_a_blank_override_reason_does_not_replace_mutual_value(world):
    dispute = at_state(world, "option_generation")
    propose(world, dispute, 5, -2)
    propose(world, dispute, -2, 5)
    assert unmet(world, dispute, "start_resolution", override_reason="   ") == ["mutual_value_option_or_override"]


def test_an_override_reason_is_recorded_when_no_option_gives_mutual_value(world):
    dispute = at_state(world, "option_generation")
    propose(world, dispute, 5, -2)
    propose(world, dispute, -2, 5)
    reason = "the contract leaves no room; keep the customer whole"
    assert fire(world, dispute, "start_resolution", override_reason=reason).state == "resolution"
    assert current(world, dispute).override_reason == reason
    assert last_event(dispute).data == {"trigger": "start_resolution", "override_reason": reason}


# --- resolve -------------------------------------------------------------------------------------------


def test_resolve_moves_resolution_to_resolved_with_the_accepted_option(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[1]
    accept(world, dispute, option, "alice")
    accept(world, dispute, option, "carla")
    moved = fire(world, dispute, "resolve", option_id=option.id, summary="Credit note issued")
    stored = current(world, dispute)
    assert moved.state == stored.state == "resolved"
    assert (stored.resolution_option_id, stored.resolution_summary) == (option.id, "Credit note issued")
    assert_transition_event(
        last_event(dispute), world, dispute, "resolve", "resolution", "resolved",
        {"option_id": option.id, "summary": "Credit note issued"},
    )


def test_resolve_without_option_or_summary_reports_both_conditions(world):
    dispute = at_state(world, "resolution")
    assert unmet(world, dispute, "resolve") == ["option_accepted_by_both_companies", "resolution_summary"]


def test_resolve_needs_an_option_accepted_by_both_companies(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    accept(world, dispute, option, "alice")
    assert unmet(world, dispute, "resolve", option_id=option.id, summary="x") == [
        "option_accepted_by_both_companies"
    ]


def test_resolve_is_not_met_by_the_customer_alone(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    accept(world, dispute, option, "carla")
    assert unmet(world, dispute, "resolve", option_id=option.id, summary="x") == [
        "option_accepted_by_both_companies"
    ]


def test_resolve_needs_both_acceptances_on_the_same_option(world):
    dispute = at_state(world, "resolution")
    first, second = options_of(world, dispute)
    accept(world, dispute, first, "alice")
    accept(world, dispute, second, "carla")
    for option in (first, second):
        assert unmet(world, dispute, "resolve", option_id=option.id, summary="x") == [
            "option_accepted_by_both_companies"
        ]


def test_resolve_names_the_option_that_was_accepted_not_another(world):
    dispute = at_state(world, "resolution")
    first, second = options_of(world, dispute)
    accept(world, dispute, first, "alice")
    accept(world, dispute, first, "carla")
    assert unmet(world, dispute, "resolve", option_id=second.id, summary="x") == [
        "option_accepted_by_both_companies"
    ]


def test_resolve_does_not_count_acceptances_on_another_disputes_option(world):
    other = at_state(world, "resolution")
    other_option = options_of(world, other)[0]
    accept(world, other, other_option, "alice")
    accept(world, other, other_option, "carla")
    dispute = at_state(world, "resolution")
    assert unmet(world, dispute, "resolve", option_id=other_option.id, summary="x") == [
        "option_accepted_by_both_companies"
    ]


def test_resolve_needs_a_summary(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    accept(world, dispute, option, "alice")
    accept(world, dispute, option, "carla")
    assert unmet(world, dispute, "resolve", option_id=option.id, summary=" \n") == ["resolution_summary"]


# --- revisit, reopen, withdraw ---------------------------------------------------------------------------


def test_revisit_goes_back_from_resolution_to_option_generation(world):
    dispute = at_state(world, "resolution")
    assert fire(world, dispute, "revisit", reason="neither side accepts").state == "option_generation"
    assert_transition_event(
        last_event(dispute), world, dispute, "revisit", "resolution", "option_generation",
        {"reason": "neither side accepts", "acceptances_cleared": 0},
    )
    propose(world, dispute, 1, 1, summary="a fresh idea")
    assert len(options_of(world, dispute)) == 3


def test_revisit_needs_a_reason(world):
    dispute = at_state(world, "resolution")
    assert unmet(world, dispute, "revisit") == ["reason_given"]
    assert unmet(world, dispute, "revisit", reason="  ") == ["reason_given"]


def test_reopen_goes_back_from_resolved_to_story_gathering_and_clears_the_resolution(world):
    dispute = at_state(world, "resolved")
    assert current(world, dispute).resolution_option_id is not None
    assert fire(world, dispute, "reopen", reason="the credit note never came").state == "story_gathering"
    stored = current(world, dispute)
    assert (stored.resolution_option_id, stored.resolution_summary) == (None, None)
    assert_transition_event(
        last_event(dispute), world, dispute, "reopen", "resolved", "story_gathering",
        {"reason": "the credit note never came", "acceptances_cleared": 2},
    )


def test_reopening_asks_both_companies_to_accept_again(world):
    dispute = at_state(world, "resolved")
    fire(world, dispute, "reopen", reason="the credit note never came")
    world.drive(current(world, dispute), "resolution")
    option = options_of(world, dispute)[0]
    assert unmet(world, dispute, "resolve", option_id=option.id, summary="again") == [
        "option_accepted_by_both_companies"
    ]
    accept(world, dispute, option, "alice")
    accept(world, dispute, option, "carla")
    assert fire(world, dispute, "resolve", option_id=option.id, summary="again").state == "resolved"


def test_reopen_needs_a_reason(world):
    dispute = at_state(world, "resolved")
    assert unmet(world, dispute, "reopen", reason="") == ["reason_given"]


def test_a_broken_commitment_is_the_reason_to_reopen(world):
    dispute = at_state(world, "resolved")
    commitment = commit(world, dispute)
    services.settle_commitment(world.actor("alice"), world.clock, dispute.id, commitment.id, status="broken")
    assert fire(world, dispute, "reopen", reason=f"commitment {commitment.id} broken").state == "story_gathering"


@pytest.mark.parametrize("state", ["intake", "story_gathering", "option_generation", "resolution"])
def test_withdraw_ends_a_dispute_from_any_open_state(world, state):
    dispute = at_state(world, state)
    assert fire(world, dispute, "withdraw", reason="settled by phone").state == "withdrawn"
    assert_transition_event(
        last_event(dispute), world, dispute, "withdraw", state, "withdrawn", {"reason": "settled by phone"}
    )


@pytest.mark.parametrize("state", ["intake", "resolution"])
def test_withdraw_needs_a_reason(world, state):
    dispute = at_state(world, state)
    assert unmet(world, dispute, "withdraw", reason=None) == ["reason_given"]


# --- triggers not valid in the current state ------------------------------------------------------------


def test_the_available_triggers_follow_the_lifecycle_table():
    for state in ALL_STATES:
        assert set(lifecycle.available_triggers(state)) == VALID_TRIGGERS[state]


@pytest.mark.parametrize("state,trigger", INVALID_PAIRS)
def test_a_trigger_not_valid_in_the_current_state_is_refused(world, state, trigger):
    dispute = at_state(world, state)
    with refused(InvalidTrigger) as caught:
        fire(world, dispute, trigger, reason="because", summary="s", override_reason="o")
    assert (caught.value.trigger, caught.value.state) == (trigger, state)
    assert set(caught.value.available) == VALID_TRIGGERS[state]


def test_an_unknown_trigger_is_refused_as_invalid(world):
    dispute = world.open_dispute()
    with refused(InvalidTrigger) as caught:
        fire(world, dispute, "approve")
    assert caught.value.trigger == "approve"


def test_an_invalid_trigger_is_reported_before_its_conditions(world):
    dispute = world.open_dispute()
    with refused(InvalidTrigger):
        fire(world, dispute, "resolve")  # no option, no summary: still not a guard problem


def test_the_shared_machine_keeps_no_dispute_after_firing(world):
    dispute = world.open_dispute(parties=["sam"])
    fire(world, world.open_dispute(), "gather_stories")
    with pytest.raises(GuardsUnmet):
        fire(world, dispute, "gather_stories")
    with pytest.raises(InvalidTrigger):
        fire(world, dispute, "resolve")
    assert lifecycle.machine.models == []


# --- stale versions ---------------------------------------------------------------------------------


def test_every_change_bumps_the_version_by_one(world):
    dispute = world.open_dispute()
    assert current(world, dispute).version == 1
    services.add_party(world.actor("alice"), world.clock, dispute.id, person_id=world.id("dev"))
    assert current(world, dispute).version == 2
    tell(world, dispute, "sam")
    assert current(world, dispute).version == 3
    fire(world, dispute, "gather_stories")
    assert current(world, dispute).version == 4


def test_a_transition_with_a_stale_version_is_refused(world):
    dispute = world.open_dispute()
    read_version = current(world, dispute).version
    services.add_party(world.actor("alice"), world.clock, dispute.id, person_id=world.id("dev"))
    with refused(StaleVersion) as caught:
        services.transition(
            world.actor("alice"), world.clock, dispute.id, trigger="gather_stories", expected_version=read_version
        )
    assert caught.value.current_version == read_version + 1


def test_a_version_from_the_future_is_stale_too(world):
    dispute = world.open_dispute()
    with refused(StaleVersion):
        services.transition(world.actor("alice"), world.clock, dispute.id, trigger="gather_stories", expected_version=7)


def test_a_stale_version_is_reported_before_the_trigger_is_checked(world):
    dispute = world.open_dispute()
    with refused(StaleVersion):
        services.transition(world.actor("alice"), world.clock, dispute.id, trigger="resolve", expected_version=99)


def test_records_with_a_stale_expected_version_are_refused(world):
    dispute = at_state(world, "option_generation")
    stale = current(world, dispute).version - 1
    alice = world.actor("alice")
    with refused(StaleVersion):
        services.propose_option(alice, world.clock, dispute.id, summary="s", value_to_supplier=1,
                                value_to_customer=1, expected_version=stale)
    with refused(StaleVersion):
        services.add_note(alice, world.clock, dispute.id, text="n", expected_version=stale)
    story_dispute = world.open_dispute()
    with refused(StaleVersion):
        services.record_story(alice, world.clock, story_dispute.id, party_id=world.id("sam"), text="t",
                              expected_version=0)


def test_an_acceptance_with_a_stale_expected_version_is_refused(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    stale = current(world, dispute).version - 1
    with refused(StaleVersion):
        services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=option.id,
                               expected_version=stale)


def test_a_record_with_the_current_expected_version_is_accepted(world):
    dispute = world.open_dispute()
    note = services.add_note(world.actor("alice"), world.clock, dispute.id, text="ok",
                             expected_version=current(world, dispute).version)
    assert note.id is not None


def test_two_concurrent_transitions_from_the_same_version_let_exactly_one_through(world):
    dispute = world.open_dispute()
    alice, admin = world.actor("alice"), world.actor("admin")
    results = race(
        lambda: services.transition(alice, world.clock, dispute.id, trigger="gather_stories", expected_version=1),
        lambda: services.transition(admin, world.clock, dispute.id, trigger="withdraw", expected_version=1,
                                    reason="duplicate"),
    )
    assert sorted(type(r).__name__ for r in results) == ["Dispute", "StaleVersion"]
    stored = current(world, dispute)
    assert stored.version == 2
    assert [e.kind for e in events(dispute)] == ["opened", "transition"]
    assert last_event(dispute).to_state == stored.state
    assert ledger.verify().ok


def test_two_concurrent_acceptances_by_one_company_record_one(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    alice, admin = world.actor("alice"), world.actor("admin")
    results = race(
        lambda: services.accept_option(alice, world.clock, dispute.id, option_id=option.id),
        lambda: services.accept_option(admin, world.clock, dispute.id, option_id=option.id),
    )
    assert sorted(type(r).__name__ for r in results) == ["Acceptance", "Conflict"]
    assert Acceptance.select().where(Acceptance.option == option.id).count() == 1
    assert [e.kind for e in events(dispute)].count("option_accepted") == 1
    assert ledger.verify().ok


# --- what moves the version and the last change --------------------------------------------------------


def seen_by(world, dispute, who):
    """The dispute's version and last change as `who` reads them."""
    found = current(world, dispute, by=who)
    return found.version, found.updated_at


@pytest.mark.parametrize("visibility", ["internal", "shared"])
def test_a_note_moves_neither_the_version_nor_the_last_change(world, visibility):
    dispute = world.open_dispute()
    before = {who: seen_by(world, dispute, who) for who in ("carla", "alice")}
    world.clock.advance(hours=3)

    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Margin is thin", visibility=visibility)

    assert {who: seen_by(world, dispute, who) for who in ("carla", "alice")} == before
    assert last_event(dispute).kind == "note_added"


def test_an_internal_story_moves_neither_the_version_nor_the_last_change(world):
    dispute = world.open_dispute()
    before = {who: seen_by(world, dispute, who) for who in ("carla", "alice")}
    world.clock.advance(hours=3)

    tell(world, dispute, "sam", text="Finance padded the hours", visibility="internal")
    services.record_story(world.actor("alice"), world.clock, dispute.id, party_id=world.id("carla"),
                          declined=True, visibility="internal")

    assert {who: seen_by(world, dispute, who) for who in ("carla", "alice")} == before
    assert [e.kind for e in events(dispute)][-2:] == ["story_recorded", "story_declined"]


def test_a_shared_story_moves_the_version_and_the_last_change_since_conditions_read_it(world):
    dispute = world.open_dispute()
    version, _ = seen_by(world, dispute, "carla")
    told_at = world.clock.advance(hours=3)

    tell(world, dispute, "carla", by="carla")

    assert seen_by(world, dispute, "carla") == (version + 1, told_at)


def test_a_transition_decided_before_notes_is_not_stale(world):
    dispute = world.open_dispute()
    read_version = current(world, dispute).version
    services.add_note(world.actor("carla"), world.clock, dispute.id, text="We expect an answer")
    services.add_note(world.actor("sam"), world.clock, dispute.id, text="Ask finance", visibility="internal")

    moved = services.transition(world.actor("alice"), world.clock, dispute.id, trigger="gather_stories",
                                expected_version=read_version)

    assert (moved.state, moved.version) == ("story_gathering", read_version + 1)


def test_a_transition_decided_before_an_internal_story_is_not_stale_and_counts_it(world):
    """An internal story can only meet a condition: the transition it lets through is the one
    that was asked for."""
    dispute = world.drive(world.open_dispute(), "story_gathering")
    tell(world, dispute, "carla", by="carla")
    read_version = current(world, dispute, by="carla").version
    tell(world, dispute, "sam", visibility="internal")

    moved = services.transition(world.actor("alice"), world.clock, dispute.id, trigger="generate_options",
                                expected_version=read_version)

    assert (moved.state, moved.version) == ("option_generation", read_version + 1)


def test_a_note_with_the_version_its_writer_read_keeps_that_version(world):
    dispute = world.open_dispute()
    read_version = current(world, dispute, by="carla").version
    note = services.add_note(world.actor("carla"), world.clock, dispute.id, text="Seen it",
                             expected_version=read_version)
    assert note.dispute.version == read_version
    services.add_note(world.actor("carla"), world.clock, dispute.id, text="And again",
                      expected_version=read_version)
    assert current(world, dispute, by="carla").version == read_version


# --- who moves the dispute ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["carla", "sam", "bob", "dev"])
def test_only_the_mediators_the_accounts_managers_and_admins_fire_triggers(world, who):
    dispute = world.open_dispute()
    with refused(Forbidden):
        fire(world, dispute, "gather_stories", by=who)


def test_a_customer_co_mediator_fires_triggers(world):
    dispute = world.open_dispute(co_mediator_id=world.id("carla"))
    fire(world, dispute, "gather_stories", by="carla")
    assert last_event(dispute).actor_role == "co_mediator"


def _error_text(error: Invalid, ident: int) -> str:
    return str(error.errors).replace(str(ident), "ID")


@pytest.mark.parametrize("operation", ["add_party", "record_commitment"])
def test_a_customer_co_mediator_cannot_tell_another_customers_people_from_missing_ones(world, operation):
    """DESIGN: existence must not leak across companies (a customer never learns of another's data)."""
    dispute = at_state(world, "intake" if operation == "add_party" else "resolution",
                       co_mediator_id=world.id("carla"))
    carla = world.actor("carla")

    def attempt(person_id):
        with refused(Invalid) as caught:
            if operation == "add_party":
                services.add_party(carla, world.clock, dispute.id, person_id=person_id)
            else:
                services.record_commitment(carla, world.clock, dispute.id, person_id=person_id,
                                           description="d", due_at=world.clock.now())
        return caught.value

    another_customers = attempt(world.id("frank"))
    missing = attempt(999_999)
    assert _error_text(another_customers, world.id("frank")) == _error_text(missing, 999_999)


# --- stories --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["intake", "story_gathering"])
def test_stories_are_recorded_in_intake_and_story_gathering(world, state):
    dispute = at_state(world, state)
    count = len(events(dispute))
    story = tell(world, dispute, "carla", text="We were billed for 220 hours")
    assert len(events(dispute)) == count + 1
    event = last_event(dispute)
    assert (event.kind, event.from_state, event.to_state) == ("story_recorded", state, state)
    assert event.data == {"story_id": story.id, "party_id": world.id("carla"),
                          "text": "We were billed for 220 hours", "visibility": "shared"}
    assert event.actor_role == "mediator"


@pytest.mark.parametrize("state", ["option_generation", "resolution", "resolved", "withdrawn"])
def test_stories_are_refused_after_story_gathering(world, state):
    dispute = at_state(world, state)
    with refused(Conflict):
        tell(world, dispute, "carla")


def test_a_declined_story_has_no_text_and_its_own_event(world):
    dispute = world.open_dispute()
    story = decline(world, dispute, "carla")
    assert (story.declined, story.text) == (True, None)
    assert last_event(dispute).kind == "story_declined"
    assert last_event(dispute).data["text"] is None


def test_a_declined_story_with_text_is_invalid(world):
    dispute = world.open_dispute()
    with refused(Invalid) as caught:
        tell(world, dispute, "carla", text="something", declined=True)
    assert list(caught.value.errors) == ["text"]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_a_story_needs_text_unless_declined(world, text):
    dispute = world.open_dispute()
    with refused(Invalid) as caught:
        tell(world, dispute, "carla", text=text)
    assert list(caught.value.errors) == ["text"]


def test_stories_are_told_by_parties_only(world):
    dispute = world.open_dispute()
    with refused(Invalid) as caught:
        tell(world, dispute, "dev")
    assert list(caught.value.errors) == ["party_id"]


def test_a_party_tells_their_own_story(world):
    dispute = world.open_dispute()
    tell(world, dispute, "carla", by="carla")
    event = last_event(dispute)
    assert (event.actor_person_id, event.actor_role) == (world.id("carla"), "party")


def test_a_party_may_not_record_another_partys_story(world):
    dispute = world.open_dispute()
    with refused(Forbidden):
        tell(world, dispute, "sam", by="carla")


def test_the_supplier_records_internal_stories(world):
    dispute = world.open_dispute()
    story = tell(world, dispute, "sam", visibility="internal")
    assert story.visibility == "internal"
    assert last_event(dispute).data["visibility"] == "internal"


def test_customer_people_may_not_record_internal_stories(world):
    dispute = world.open_dispute()
    with refused(Forbidden):
        tell(world, dispute, "carla", by="carla", visibility="internal")


def test_a_customer_co_mediator_may_not_record_internal_stories_either(world):
    dispute = world.open_dispute(co_mediator_id=world.id("carla"))
    with refused(Forbidden):
        tell(world, dispute, "sam", by="carla", visibility="internal")
    tell(world, dispute, "sam", by="carla")
    assert last_event(dispute).actor_role == "co_mediator"


# --- options ---------------------------------------------------------------------------------------------


def test_options_are_proposed_in_option_generation(world):
    dispute = at_state(world, "option_generation")
    option = propose(world, dispute, 3, -1, summary="Waive the overage")
    event = last_event(dispute)
    assert (event.kind, event.from_state, event.to_state) == ("option_proposed", "option_generation", "option_generation")
    assert event.data == {"option_id": option.id, "summary": "Waive the overage",
                          "value_to_supplier": 3, "value_to_customer": -1}


@pytest.mark.parametrize("state", ["intake", "story_gathering", "resolution", "resolved", "withdrawn"])
def test_options_are_refused_outside_option_generation(world, state):
    dispute = at_state(world, state)
    with refused(Conflict):
        propose(world, dispute, 1, 1)


def test_a_customer_party_does_not_propose_options(world):
    dispute = at_state(world, "option_generation")
    with refused(Forbidden):
        propose(world, dispute, 1, 1, by="carla")


def test_a_customer_co_mediator_proposes_options(world):
    dispute = at_state(world, "option_generation", co_mediator_id=world.id("carla"))
    propose(world, dispute, 1, 1, by="carla")
    assert last_event(dispute).actor_role == "co_mediator"


# --- acceptances -----------------------------------------------------------------------------------------


def test_an_acceptance_is_recorded_for_the_callers_company(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    acceptance = accept(world, dispute, option, "carla")
    assert acceptance.organization_id == world.orgs["contoso"].id
    event = last_event(dispute)
    assert (event.kind, event.from_state, event.to_state) == ("option_accepted", "resolution", "resolution")
    assert event.data == {"option_id": option.id, "organization_id": world.orgs["contoso"].id, "company": "customer"}
    assert (event.actor_person_id, event.actor_role) == (world.id("carla"), "party")


def retract(world, dispute, acceptance, by, **extra):
    return services.retract_acceptance(world.actor(by), world.clock, dispute.id, acceptance_id=acceptance.id, **extra)


def test_a_company_retracts_its_acceptance_and_the_ledger_keeps_both(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    given = accept(world, dispute, option, "carla")
    accept(world, dispute, option, "alice")
    world.clock.advance(minutes=10)

    taken = retract(world, dispute, given, "carla")

    assert taken.dispute.version == current(world, dispute).version
    assert not Acceptance.select().where(Acceptance.id == given.id).exists()
    event = last_event(dispute)
    assert (event.kind, event.from_state, event.to_state) == ("acceptance_retracted", "resolution", "resolution")
    assert event.data == {"option_id": option.id, "organization_id": world.orgs["contoso"].id, "company": "customer",
                          "accepted_by": world.id("carla"), "accepted_at": given.created_at.isoformat()}
    assert (event.actor_person_id, event.actor_role) == (world.id("carla"), "party")
    assert unmet(world, dispute, "resolve", option_id=option.id, summary="x") == ["option_accepted_by_both_companies"]
    accept(world, dispute, option, "carla")
    assert fire(world, dispute, "resolve", option_id=option.id, summary="agreed again").state == "resolved"


def test_another_person_of_the_same_company_may_retract_for_it(world):
    dispute = at_state(world, "resolution")
    given = accept(world, dispute, options_of(world, dispute)[0], "sam")
    retract(world, dispute, given, "alice")
    assert last_event(dispute).actor_person_id == world.id("alice")


@pytest.mark.parametrize(("by", "error"), [("alice", Forbidden), ("auditor", Forbidden), ("frank", NotFound),
                                           ("dev", Forbidden)])
def test_only_the_accepting_company_retracts_its_acceptance(world, by, error):
    dispute = at_state(world, "resolution")
    given = accept(world, dispute, options_of(world, dispute)[0], "carla")
    with refused(error):
        retract(world, dispute, given, by)


def test_an_acceptance_stands_for_good_once_the_dispute_is_resolved(world):
    dispute = at_state(world, "resolved")
    [given, _] = Acceptance.select().where(Acceptance.dispute == dispute.id).order_by(Acceptance.id)
    with refused(Conflict) as caught:
        retract(world, dispute, given, "alice")
    assert "resolved" in caught.value.detail


def test_retracting_an_acceptance_of_another_dispute_or_twice_is_not_found(world):
    dispute, other = at_state(world, "resolution"), at_state(world, "resolution")
    given = accept(world, other, options_of(world, other)[0], "carla")
    with refused(NotFound):
        retract(world, dispute, given, "carla")
    retract(world, other, given, "carla")
    with refused(NotFound):
        retract(world, other, given, "carla")


def test_a_retraction_with_a_stale_expected_version_is_refused(world):
    dispute = at_state(world, "resolution")
    given = accept(world, dispute, options_of(world, dispute)[0], "carla")
    stale = current(world, dispute).version - 1
    with refused(StaleVersion):
        retract(world, dispute, given, "carla", expected_version=stale)


def test_acceptances_are_refused_before_resolution(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    fire(world, dispute, "revisit", reason="more ideas needed")
    with refused(Conflict) as caught:
        accept(world, dispute, option, "carla")
    assert "resolution" in caught.value.detail


def test_acceptances_are_refused_once_resolved(world):
    dispute = at_state(world, "resolved")
    not_chosen = options_of(world, dispute)[1]
    with refused(Conflict) as caught:
        accept(world, dispute, not_chosen, "carla")
    assert "resolution" in caught.value.detail


def test_a_company_accepts_an_option_once(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    accept(world, dispute, option, "carla")
    with refused(Conflict):
        accept(world, dispute, option, "carla")


def test_a_second_person_of_the_same_company_cannot_accept_again(world):
    dispute = at_state(world, "resolution")
    option = options_of(world, dispute)[0]
    accept(world, dispute, option, "alice")
    with refused(Conflict):
        accept(world, dispute, option, "admin")


def test_a_company_may_accept_several_options(world):
    dispute = at_state(world, "resolution")
    first, second = options_of(world, dispute)
    accept(world, dispute, first, "carla")
    accept(world, dispute, second, "carla")
    assert len(dispute_queries.details(world.actor("alice"), current(world, dispute))["acceptances"]) == 2


def test_an_option_of_another_dispute_cannot_be_accepted(world):
    other = at_state(world, "resolution")
    dispute = at_state(world, "resolution")
    foreign = options_of(world, other)[0]
    with refused(Invalid) as caught:
        accept(world, dispute, foreign, "carla")
    assert list(caught.value.errors) == ["option_id"]


# --- notes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ALL_STATES)
def test_notes_are_added_in_every_state(world, state):
    dispute = at_state(world, state)
    note = services.add_note(world.actor("alice"), world.clock, dispute.id, text="spoke to finance")
    event = last_event(dispute)
    assert (event.kind, event.from_state, event.to_state) == ("note_added", state, state)
    assert event.data == {"note_id": note.id, "text": "spoke to finance", "visibility": "shared"}


def test_a_customer_party_adds_shared_notes_but_not_internal_ones(world):
    dispute = world.open_dispute()
    services.add_note(world.actor("carla"), world.clock, dispute.id, text="we want this fixed")
    assert last_event(dispute).actor_role == "party"
    with refused(Forbidden):
        services.add_note(world.actor("carla"), world.clock, dispute.id, text="x", visibility="internal")


def test_people_with_no_part_in_the_dispute_add_no_notes(world):
    dispute = world.open_dispute()
    with refused(Forbidden):
        services.add_note(world.actor("contoso_admin"), world.clock, dispute.id, text="hello")


# --- commitments -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["resolution", "resolved"])
def test_commitments_are_recorded_in_resolution_and_resolved(world, state):
    dispute = at_state(world, state)
    commitment = commit(world, dispute, person="carla", days=10)
    assert commitment.status == "open"
    event = last_event(dispute)
    assert (event.kind, event.from_state, event.to_state) == ("commitment_recorded", state, state)
    assert event.data == {
        "commitment_id": commitment.id,
        "person_id": world.id("carla"),
        "description": "Issue the credit note",
        "due_at": (world.clock.now() + timedelta(days=10)).isoformat(),
    }


@pytest.mark.parametrize("state", ["intake", "story_gathering", "option_generation", "withdrawn"])
def test_commitments_are_refused_before_resolution_and_after_withdrawal(world, state):
    dispute = at_state(world, state)
    with refused(Conflict):
        commit(world, dispute)


def test_a_commitment_is_made_by_a_person_of_the_accounts_companies(world):
    dispute = at_state(world, "resolved")
    with refused(Invalid) as caught:
        commit(world, dispute, person="frank")
    assert list(caught.value.errors) == ["person_id"]


@pytest.mark.parametrize("status", ["kept", "broken"])
def test_a_commitment_is_settled_kept_or_broken(world, clock, status):
    dispute = at_state(world, "resolved")
    commitment = commit(world, dispute)
    clock.advance(days=3)
    settled = services.settle_commitment(world.actor("alice"), clock, dispute.id, commitment.id, status=status)
    stored = Commitment.get_by_id(commitment.id)
    assert settled.status == stored.status == status
    assert stored.settled_at == clock.now()
    event = last_event(dispute)
    assert (event.kind, event.from_state, event.to_state) == (f"commitment_{status}", "resolved", "resolved")
    assert event.data == {"commitment_id": commitment.id}


def test_a_settled_commitment_cannot_be_settled_again(world):
    dispute = at_state(world, "resolved")
    commitment = commit(world, dispute)
    services.settle_commitment(world.actor("alice"), world.clock, dispute.id, commitment.id, status="kept")
    with refused(Conflict):
        services.settle_commitment(world.actor("alice"), world.clock, dispute.id, commitment.id, status="broken")


def test_a_commitment_is_settled_on_its_own_dispute_only(world):
    first = at_state(world, "resolved")
    second = at_state(world, "resolved")
    commitment = commit(world, first)
    with refused(NotFound):
        services.settle_commitment(world.actor("alice"), world.clock, second.id, commitment.id, status="kept")


def test_a_commitment_past_its_due_date_is_overdue_until_settled(world, clock):
    dispute = at_state(world, "resolved")
    commitment = commit(world, dispute, days=2)
    assert not dispute_queries.is_overdue(Commitment.get_by_id(commitment.id), clock.now())
    clock.advance(days=2, seconds=1)
    assert dispute_queries.is_overdue(Commitment.get_by_id(commitment.id), clock.now())
    services.settle_commitment(world.actor("alice"), clock, dispute.id, commitment.id, status="kept")
    assert not dispute_queries.is_overdue(Commitment.get_by_id(commitment.id), clock.now())


# --- auditors change nothing -----------------------------------------------------------------------------


def _commitment_in(world, dispute):
    return commit(world, dispute).id


# (name, state the dispute is driven to, the change) - each change is valid for the mediator.
CHANGES = [
    ("open_dispute", None, lambda w, who, d: w.open_dispute(by=who)),
    ("add_party", "intake", lambda w, who, d: services.add_party(w.actor(who), w.clock, d.id, person_id=w.id("dev"))),
    ("assign_mediators", "intake", lambda w, who, d: services.assign_mediators(
        w.actor(who), w.clock, d.id, mediator_id=w.id("bob"))),
    ("record_story", "intake", lambda w, who, d: tell(w, d, "sam", by=who)),
    ("add_note", "intake", lambda w, who, d: services.add_note(w.actor(who), w.clock, d.id, text="n")),
    ("transition", "intake", lambda w, who, d: services.transition(
        w.actor(who), w.clock, d.id, trigger="gather_stories", expected_version=d.version)),
    ("propose_option", "option_generation", lambda w, who, d: propose(w, d, 1, 1, by=who)),
    ("accept_option", "resolution", lambda w, who, d: accept(w, d, options_of(w, d)[0], who)),
    ("record_commitment", "resolution", lambda w, who, d: commit(w, d, by=who)),
]


def _dispute_for(world, state):
    if state is None:
        return None
    return current(world, at_state(world, state))


@pytest.mark.parametrize("name,state,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_the_mediator_may_make_each_change(world, name, state, change):
    """The counterpart of the auditor test below: each change is possible for someone."""
    change(world, "alice", _dispute_for(world, state))


@pytest.mark.parametrize("auditor", ["auditor", "contoso_auditor"])
@pytest.mark.parametrize("name,state,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_auditors_are_refused_every_change(world, auditor, name, state, change):
    dispute = _dispute_for(world, state)
    with refused(Forbidden):
        change(world, auditor, dispute)


@pytest.mark.parametrize("auditor", ["auditor", "contoso_auditor"])
def test_auditors_do_not_settle_commitments(world, auditor):
    dispute = at_state(world, "resolved")
    commitment = commit(world, dispute)
    with refused(Forbidden):
        services.settle_commitment(world.actor(auditor), world.clock, dispute.id, commitment.id, status="kept")


@pytest.mark.parametrize("who", ["contoso_auditor", "auditor", "admin", "contoso_admin"])
def test_auditors_and_administrators_without_another_role_are_not_named_as_parties(world, who):
    with refused(Invalid) as caught:
        world.open_dispute(parties=["sam", "carla", who])
    assert "cannot be named" in caught.value.errors["party_ids"][0]
    dispute = world.open_dispute()
    with refused(Invalid) as caught:
        services.add_party(world.actor("alice"), world.clock, dispute.id, person_id=world.id(who))
    assert list(caught.value.errors) == ["person_id"]


@pytest.mark.parametrize(("field", "who"), [("mediator_id", "auditor"), ("mediator_id", "admin"),
                                            ("co_mediator_id", "contoso_auditor"), ("co_mediator_id", "contoso_admin")])
def test_auditors_and_administrators_without_another_role_are_not_named_as_mediators(world, field, who):
    with refused(Invalid) as caught:
        world.open_dispute(**{field: world.id(who)})
    assert "cannot be named" in caught.value.errors[field][0]
    dispute = world.open_dispute()
    with refused(Invalid):
        services.assign_mediators(world.actor("alice"), world.clock, dispute.id, **{field: world.id(who)})


def test_a_disabled_person_is_not_named_as_a_party(world):
    from mediation import directory

    directory.disable_person(None, world.clock, person_id=world.id("dev"))
    with refused(Invalid):
        world.open_dispute(parties=["sam", "carla", "dev"])


def test_an_auditor_an_older_release_named_as_a_party_still_changes_nothing(world):
    from mediation.disputes import Party

    dispute = world.open_dispute()
    Party.create(dispute=dispute.id, person=world.id("contoso_auditor"), added_at=world.clock.now())
    auditor = world.actor("contoso_auditor")
    with refused(Forbidden):
        tell(world, dispute, "contoso_auditor", by="contoso_auditor")
    with refused(Forbidden):
        services.add_note(auditor, world.clock, dispute.id, text="for the record")


@pytest.mark.parametrize("auditor", ["auditor", "contoso_auditor"])
def test_auditors_still_read_the_dispute_and_its_history(world, auditor):
    dispute = at_state(world, "resolved")
    assert current(world, dispute, by=auditor).state == "resolved"
    assert [e.kind for e in dispute_queries.dispute_history(world.actor(auditor), dispute.id)][0] == "opened"


# --- what customer people see ------------------------------------------------------------------------------


def _with_internal_and_shared_records(world):
    dispute = world.open_dispute()
    tell(world, dispute, "sam", text="Finance padded the hours", visibility="internal")
    tell(world, dispute, "sam", text="We billed what was logged")
    tell(world, dispute, "carla", by="carla", text="We were overbilled")
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Margin is thin", visibility="internal")
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Call on Friday")
    return current(world, dispute)


def test_customer_people_never_see_internal_stories_or_notes(world):
    dispute = _with_internal_and_shared_records(world)
    for customer in ("carla", "dev", "contoso_auditor"):
        seen = dispute_queries.details(world.actor(customer), dispute)
        assert [s.text for s in seen["stories"]] == ["We billed what was logged", "We were overbilled"]
        notes = dispute_queries.notes_of(world.actor(customer), dispute, limit=10)
        assert [n.text for n in notes] == ["Call on Friday"]
        assert dispute_queries.count_notes(world.actor(customer), dispute) == 1


def test_supplier_people_see_internal_stories_and_notes(world):
    dispute = _with_internal_and_shared_records(world)
    seen = dispute_queries.details(world.actor("alice"), dispute)
    assert [s.visibility for s in seen["stories"]] == ["internal", "shared", "shared"]
    notes = dispute_queries.notes_of(world.actor("alice"), dispute, limit=10)
    assert [n.text for n in notes] == ["Margin is thin", "Call on Friday"]
    assert dispute_queries.count_notes(world.actor("alice"), dispute) == 2


def test_customer_people_never_see_internal_events_in_the_history(world):
    dispute = _with_internal_and_shared_records(world)
    supplier_view = dispute_queries.dispute_history(world.actor("alice"), dispute.id)
    assert len(supplier_view) == 6
    for customer in ("carla", "contoso_auditor"):
        seen = dispute_queries.dispute_history(world.actor(customer), dispute.id)
        assert [e.kind for e in seen] == ["opened", "story_recorded", "story_recorded", "note_added"]
        assert all(e.data.get("visibility") != "internal" for e in seen)
        texts = " ".join(e.payload for e in seen)
        assert "padded" not in texts and "Margin" not in texts


def test_another_customers_people_cannot_find_the_dispute(world):
    dispute = world.open_dispute()
    with pytest.raises(NotFound):
        dispute_queries.get_dispute(world.actor("frank"), dispute.id)
    with pytest.raises(NotFound):
        dispute_queries.dispute_history(world.actor("frank"), dispute.id)
    with refused(NotFound):
        services.add_note(world.actor("frank"), world.clock, dispute.id, text="hi")


# --- stale intake ------------------------------------------------------------------------------------------


def test_a_dispute_sitting_in_intake_for_more_than_a_day_is_flagged(world, clock):
    dispute = world.open_dispute()
    clock.advance(hours=23, minutes=59, seconds=59)
    assert not dispute_queries.is_stale(current(world, dispute), clock.now())
    clock.advance(seconds=2)
    assert dispute_queries.is_stale(current(world, dispute), clock.now())


def test_records_in_intake_do_not_reset_the_stale_flag(world, clock):
    dispute = world.open_dispute()
    clock.advance(hours=20)
    services.add_note(world.actor("alice"), clock, dispute.id, text="still looking")
    clock.advance(hours=5)
    assert dispute_queries.is_stale(current(world, dispute), clock.now())


def test_leaving_intake_clears_the_stale_flag(world, clock):
    dispute = world.open_dispute()
    clock.advance(hours=30)
    fire(world, dispute, "gather_stories")
    clock.advance(hours=30)
    assert not dispute_queries.is_stale(current(world, dispute), clock.now())


def test_listing_filters_disputes_by_the_stale_flag(world, clock):
    old = world.open_dispute()
    clock.advance(hours=25)
    fresh = world.open_dispute()
    moved_on = world.open_dispute()
    fire(world, moved_on, "gather_stories")
    clock.advance(hours=1)
    alice = world.actor("alice")
    assert [d.id for d in dispute_queries.list_disputes(alice, clock.now(), stale=True)] == [old.id]
    assert [d.id for d in dispute_queries.list_disputes(alice, clock.now(), stale=False)] == [fresh.id, moved_on.id]
