"""The figures of a relationship that come from its disputes (issue 13, "The relationship
view"), each from a world built for it, with its edges: no resolutions, withdrawn and
reopened disputes, a dispute resolved, reopened and resolved again, stale ones, medians,
and commitments due earlier and later on the same day."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

from mediation import services
from mediation.balance import resolutions
from mediation.disputes import Dispute
from mediation.relationship_figures import commitment_figures
from mediation.relationship_figures import dispute_figures
from mediation.relationship_figures import quarters
from tests.mediation.test_balance import resolve_with


def figures(world, start, account="contoso"):
    end = world.clock.now() + timedelta(seconds=1)
    account_id = world.accounts[account].id
    found = resolutions(Dispute.account == account_id, start, end)
    return dispute_figures(account_id, start, end, world.clock.now(), found)


def test_an_account_without_disputes_has_nothing_to_count_and_no_medians(world):
    found = figures(world, world.clock.now() - timedelta(days=30))
    assert found.open == {"intake": 0, "story_gathering": 0, "option_generation": 0, "resolution": 0}
    assert (found.stale, found.resolved, found.withdrawn, found.reopened) == (0, 0, 0, 0)
    assert found.median_days_to_resolution is None
    assert set(found.median_days_in_stage.values()) == {None}


def test_open_disputes_are_counted_by_state_and_those_left_in_intake_a_day_are_stale(world):
    start = world.clock.now()
    world.open_dispute()
    world.clock.advance(hours=25)
    world.open_dispute()
    world.drive(world.open_dispute(), "option_generation")
    world.open_dispute(account="fabrikam")
    found = figures(world, start)
    assert found.open == {"intake": 2, "story_gathering": 0, "option_generation": 1, "resolution": 0}
    assert found.stale == 1, "only the one opened 25 hours ago"


def test_withdrawn_and_reopened_disputes_and_one_resolved_twice_counted_once(world):
    start = world.clock.now()
    world.drive(world.open_dispute(), "withdrawn")
    twice = resolve_with(world, 3, -1)
    world.clock.advance(days=2)
    services.transition(world.actor("alice"), world.clock, twice.id, trigger="reopen", reason="Broken promise",
                        expected_version=twice.version)
    world.clock.advance(days=2)
    world.drive(Dispute.get_by_id(twice.id), "resolved")
    reopened = resolve_with(world, 1, 1)
    services.transition(world.actor("alice"), world.clock, reopened.id, trigger="reopen", reason="Again",
                        expected_version=reopened.version)
    found = figures(world, start)
    assert (found.resolved, found.withdrawn, found.reopened) == (1, 1, 2)
    assert found.median_days_to_resolution == 4.0, "from opening to the final resolution"


def test_medians_of_days_to_resolution_and_days_in_each_stage(world):
    start = world.clock.now()
    for days in (1, 3, 8):
        dispute = world.open_dispute()
        world.clock.advance(days=days)
        world.drive(dispute, "resolved")
    found = figures(world, start)
    assert found.median_days_to_resolution == 3.0
    assert found.median_days_in_stage["intake"] == 3.0
    assert found.median_days_in_stage["story_gathering"] == 0.0
    assert found.median_days_in_stage["resolution"] == 0.0


def test_stays_that_ended_before_the_period_are_not_measured(world):
    dispute = world.open_dispute()
    world.clock.advance(days=5)
    world.drive(dispute, "story_gathering")
    world.clock.advance(days=1)
    assert figures(world, world.clock.now()).median_days_in_stage["intake"] is None


def commit(world, dispute, who, due):
    return services.record_commitment(world.actor("alice"), world.clock, dispute.id, person_id=world.id(who),
                                      description=f"{who} delivers", due_at=due)


def test_commitments_count_for_the_company_of_who_committed_and_are_missed_once_due_and_not_kept(world):
    dispute = world.drive(world.open_dispute(), "resolution")
    now = world.clock.now()
    start = now - timedelta(days=1)
    earlier_today, later_today = now - timedelta(minutes=5), now + timedelta(hours=3)
    kept = commit(world, dispute, "sam", earlier_today)
    services.settle_commitment(world.actor("alice"), world.clock, dispute.id, kept.id, status="kept")
    commit(world, dispute, "sam", earlier_today)
    commit(world, dispute, "carla", later_today)
    commit(world, dispute, "carla", earlier_today)
    broken = commit(world, dispute, "carla", now + timedelta(days=3))
    services.settle_commitment(world.actor("alice"), world.clock, dispute.id, broken.id, status="broken")
    found = commitment_figures(world.accounts["contoso"].id, start, now + timedelta(seconds=1), now)
    assert (found["supplier"].kept, found["supplier"].missed, found["supplier"].open) == (1, 1, 0)
    assert (found["customer"].kept, found["customer"].missed, found["customer"].open) == (0, 2, 1)
    other = commitment_figures(world.accounts["fabrikam"].id, start, now + timedelta(seconds=1), now)
    assert other["supplier"].kept == other["customer"].missed == 0


def test_quarters_are_calendar_quarters_cut_to_the_range():
    start = datetime(2025, 12, 5, 7, tzinfo=timezone.utc)
    end = datetime(2026, 7, 1, tzinfo=timezone.utc)
    found = quarters(start, end)
    assert [q.label for q in found] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert found[0].start == start and found[-1].end == end
    assert found[1].start == datetime(2026, 1, 1, tzinfo=timezone.utc)
