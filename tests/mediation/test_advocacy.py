"""An account manager as a balanced advocate (issue 13): the value of the resolutions of
the disputes they mediated to each company, the overrides and their reasons, one-sided
resolutions by side, the flag over at least five resolutions, who may read it, and every
manager side by side for the supplier's administrators and auditors."""

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mediation import advocacy
from mediation.balance import ADVOCACY_MINIMUM
from mediation.balance import LEAN_POINTS
from mediation.balance import Resolution
from mediation.balance import balance_of
from mediation.errors import Forbidden
from mediation.errors import NotFound
from tests.mediation.test_balance import resolve_with


def read(world, who="alice", whom="alice", **period):
    return advocacy.advocacy(world.actor(who), world.clock, world.id(whom), **period)


def resolved(world, *runs):
    """Contoso disputes mediated by Alice, resolved with options of these values, a minute ago."""
    found = [resolve_with(world, *values) for values in runs]
    world.clock.advance(minutes=1)
    return found


def test_a_manager_without_resolutions_has_too_few_to_tell_and_no_flag(world):
    found = read(world)
    assert (found.value.resolutions, found.value.balance, found.flag) == (0, "too_few", None)
    assert found.overrides == [] and found.accounts == [] and found.person.name == "Alice"


def test_five_resolutions_that_favour_the_customer_flag_a_manager_who_forgot_who_they_work_for(world):
    resolved(world, (1, 4), (0, 3), (1, 4), (1, 3), (2, 4))
    found = read(world)
    assert (found.value.resolutions, found.value.to_supplier, found.value.to_customer) == (5, 5, 18)
    assert found.value.one_sided == {"supplier": 0, "customer": 1}
    assert (found.value.balance, found.flag) == ("leans_customer", "forgot_who_they_work_for")
    assert [(a.name, a.resolutions, a.to_supplier, a.to_customer) for a in found.accounts] == [
        ("Contoso account", 5, 5, 18)]


def test_four_such_resolutions_are_too_few_for_a_flag(world):
    resolved(world, (1, 4), (0, 3), (1, 4), (1, 3))
    assert (read(world).value.balance, read(world).flag) == ("too_few", None)


def test_resolutions_that_favour_the_supplier_flag_a_customer_left_hanging(world):
    resolved(world, (4, 1), (3, 0), (4, 1), (3, 1), (4, 2))
    assert read(world).flag == "customer_left_hanging"


def test_overrides_come_with_their_reasons_newest_first(world):
    resolved(world, (2, 2))
    (first,) = resolved(world, (0, 3, "Goodwill before the renewal."))
    (second,) = resolved(world, (4, -1, "Contract terms are clear."))
    overrides = read(world).overrides
    assert [(o.dispute_id, o.reason) for o in overrides] == [(second.id, "Contract terms are clear."),
                                                             (first.id, "Goodwill before the renewal.")]
    assert all(o.account == "Contoso account" and o.title for o in overrides)
    assert (overrides[0].to_supplier, overrides[0].to_customer) == (4, -1)


def test_only_the_disputes_the_person_mediated_count(world):
    resolved(world, (1, 4))
    assert read(world, "bob", "bob").value.resolutions == 0


@pytest.mark.parametrize("who, whom, error", [
    ("bob", "alice", Forbidden), ("sam", "alice", Forbidden),
    ("carla", "alice", NotFound), ("contoso_admin", "alice", NotFound), ("frank", "bob", NotFound),
    ("admin", "sam", NotFound),  # not an account manager
    ("admin", "carla", NotFound),
])
def test_who_may_read_whose_advocacy(world, who, whom, error):
    with pytest.raises(error):
        read(world, who, whom)


@pytest.mark.parametrize("who", ["alice", "admin", "auditor"])
def test_a_manager_reads_their_own_and_administrators_and_auditors_everyones(world, who):
    resolved(world, (1, 4))
    assert read(world, who, "alice").value.resolutions == 1


def test_administrators_and_auditors_see_every_manager_side_by_side(world):
    resolved(world, (1, 4), (0, 3), (1, 4), (1, 3), (2, 4))
    for who in ("admin", "auditor"):
        _, _, found = advocacy.advocates(world.actor(who), world.clock)
        assert [(a.person.name, a.value.resolutions, a.flag) for a in found] == [
            ("Alice", 5, "forgot_who_they_work_for"), ("Bob", 0, None)]


@pytest.mark.parametrize("who, error", [("alice", Forbidden), ("sam", Forbidden), ("carla", NotFound),
                                        ("contoso_admin", NotFound)])
def test_no_one_else_sees_the_managers_side_by_side(world, who, error):
    with pytest.raises(error):
        advocacy.advocates(world.actor(who), world.clock)


def reference_flag(values: list[tuple[int, int]]) -> str | None:
    """Directly from the documented rule: over at least five resolutions, a mean gap beyond
    LEAN_POINTS a resolution towards one company."""
    if len(values) < ADVOCACY_MINIMUM:
        return None
    gap = sum(s - c for s, c in values) / len(values)
    return "customer_left_hanging" if gap > LEAN_POINTS else "forgot_who_they_work_for" if gap < -LEAN_POINTS else None


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), max_size=12))
def test_the_flag_is_the_documented_rule(values):
    found = [Resolution(n, None, s, c, False) for n, (s, c) in enumerate(values)]
    assert advocacy.flag_of(balance_of(found, ADVOCACY_MINIMUM)) == reference_flag(values)
