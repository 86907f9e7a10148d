"""The value of resolutions to each company, and the rule that calls a run of them balanced
or leaning one way."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from mediation import dispute_queries
from mediation import services
from mediation.balance import LEAN_POINTS
from mediation.balance import Resolution
from mediation.balance import balance_of
from mediation.balance import resolutions
from mediation.disputes import Dispute


def resolve_with(world, to_supplier: int, to_customer: int, override: str | None = None):
    """A Contoso dispute resolved with an option of these values (beside one of value to
    both, or an override, so that resolution may start)."""
    alice, carla = world.actor("alice"), world.actor("carla")
    dispute = world.drive(world.open_dispute(), "option_generation")
    chosen = services.propose_option(alice, world.clock, dispute.id, summary="Chosen",
                                     value_to_supplier=to_supplier, value_to_customer=to_customer)
    if override is None:
        services.propose_option(alice, world.clock, dispute.id, summary="Both", value_to_supplier=1,
                                value_to_customer=1)
    else:
        services.propose_option(alice, world.clock, dispute.id, summary="Other", value_to_supplier=-1,
                                value_to_customer=-1)
    version = dispute_queries.get_dispute(alice, dispute.id).version
    services.transition(alice, world.clock, dispute.id, trigger="start_resolution", expected_version=version,
                        **({"override_reason": override} if override else {}))
    services.accept_option(alice, world.clock, dispute.id, option_id=chosen.id)
    services.accept_option(carla, world.clock, dispute.id, option_id=chosen.id)
    version = dispute_queries.get_dispute(alice, dispute.id).version
    return services.transition(alice, world.clock, dispute.id, trigger="resolve", expected_version=version,
                               option_id=chosen.id, summary="Done")


def contoso(world):
    return Dispute.account == world.accounts["contoso"].id


def test_a_resolution_is_worth_what_its_final_option_gives_each_company(world):
    start = world.clock.now()
    resolve_with(world, 3, -1)
    resolve_with(world, 1, 4)
    world.drive(world.open_dispute(), "withdrawn")
    world.drive(world.open_dispute(), "resolution")
    found = resolutions(contoso(world), start, world.clock.now() + timedelta(seconds=1))
    assert [(r.to_supplier, r.to_customer, r.favours) for r in found] == [(3, -1, "supplier"), (1, 4, None)]


def test_a_dispute_resolved_reopened_and_resolved_again_counts_once_with_its_final_option(world):
    start = world.clock.now()
    first = resolve_with(world, 3, -1)
    alice = world.actor("alice")
    services.transition(alice, world.clock, first.id, trigger="reopen", reason="The fix did not hold",
                        expected_version=first.version)
    assert resolutions(contoso(world), start, world.clock.now() + timedelta(seconds=1)) == []
    world.drive(Dispute.get_by_id(first.id), "resolution")
    both = [o for o in dispute_queries.details(alice, Dispute.get_by_id(first.id))["options"] if o.summary == "Both"][0]
    for who in ("alice", "carla"):
        services.accept_option(world.actor(who), world.clock, first.id, option_id=both.id)
    services.transition(alice, world.clock, first.id, trigger="resolve", option_id=both.id, summary="Again",
                        expected_version=Dispute.get_by_id(first.id).version)
    (only,) = resolutions(contoso(world), start, world.clock.now() + timedelta(seconds=1))
    assert (only.dispute_id, only.to_supplier, only.to_customer) == (first.id, 1, 1)


def test_the_period_holds_the_resolutions_made_in_it_and_no_other(world):
    resolve_with(world, 2, 2)
    world.clock.advance(days=10)
    middle = world.clock.now()
    resolve_with(world, 1, 1)
    world.clock.advance(days=10)
    assert len(resolutions(contoso(world), middle, world.clock.now())) == 1
    assert resolutions(contoso(world), middle, middle) == []


def test_a_run_needs_three_resolutions_for_a_balance_and_leans_past_a_point_a_resolution(world):
    start = world.clock.now()
    resolve_with(world, 4, 1)
    resolve_with(world, 4, 1, override="The customer asked to close it")
    assert balance_of(resolutions(contoso(world), start, world.clock.now() + timedelta(1))).balance == "too_few"
    resolve_with(world, 0, 3)
    found = balance_of(resolutions(contoso(world), start, world.clock.now() + timedelta(1)))
    assert (found.resolutions, found.to_supplier, found.to_customer, found.overrides) == (3, 8, 5, 1)
    assert found.one_sided == {"supplier": 0, "customer": 1}
    assert found.balance == "balanced", "a gap of exactly one point a resolution is not a lean"
    resolve_with(world, 5, -2)
    assert balance_of(resolutions(contoso(world), start, world.clock.now() + timedelta(1))).balance == \
        "leans_supplier"


def test_an_advocate_needs_five_resolutions(world):
    run = [Resolution(n, world.clock.now(), -1, 5, False) for n in range(4)]
    assert balance_of(run, minimum=5).balance == "too_few"
    assert balance_of(run + run[:1], minimum=5).balance == "leans_customer"


values = st.integers(min_value=-5, max_value=5)


@given(st.lists(st.tuples(values, values, st.booleans()), max_size=30), st.integers(min_value=1, max_value=6))
def test_the_balance_matches_a_direct_computation(run, minimum):
    found = balance_of([Resolution(n, None, s, c, o) for n, (s, c, o) in enumerate(run)], minimum)
    supplier, customer = sum(s for s, _, _ in run), sum(c for _, c, _ in run)
    assert (found.resolutions, found.to_supplier, found.to_customer) == (len(run), supplier, customer)
    assert found.overrides == sum(o for _, _, o in run)
    assert found.one_sided == {
        "supplier": sum(1 for s, c, _ in run if s > 0 and c <= 0),
        "customer": sum(1 for s, c, _ in run if c > 0 and s <= 0),
    }
    if len(run) < minimum:
        assert found.balance == "too_few"
    elif supplier - customer > LEAN_POINTS * len(run):
        assert found.balance == "leans_supplier"
    elif customer - supplier > LEAN_POINTS * len(run):
        assert found.balance == "leans_customer"
    else:
        assert found.balance == "balanced"
