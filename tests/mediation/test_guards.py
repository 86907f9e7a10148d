"""The lifecycle's conditions as pure functions: no database, exhaustive where cheap."""

import itertools

import pytest

from mediation import guards

SCORES = range(-5, 6)
ALL_PAIRS = list(itertools.product(SCORES, SCORES))
# Written out rather than computed: both scores above zero, i.e. 1..5 on each side.
MUTUAL_PAIRS = {(s, c) for s in (1, 2, 3, 4, 5) for c in (1, 2, 3, 4, 5)}


# --- scores ---------------------------------------------------------------------------------


def test_scores_run_from_minus_five_to_five_inclusive():
    assert list(guards.SCORE_RANGE) == [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]


def test_there_are_twenty_five_mutual_value_pairs_among_the_121():
    assert len(ALL_PAIRS) == 121
    assert sum(guards.gives_mutual_value(s, c) for s, c in ALL_PAIRS) == 25


@pytest.mark.parametrize("supplier,customer", ALL_PAIRS)
def test_value_to_both_means_both_scores_above_zero(supplier, customer):
    assert guards.gives_mutual_value(supplier, customer) is ((supplier, customer) in MUTUAL_PAIRS)


@pytest.mark.parametrize("supplier,customer", ALL_PAIRS)
def test_a_single_option_without_override_passes_only_with_mutual_value(supplier, customer):
    met = guards.mutual_value_option_or_override([(supplier, customer)], None)
    assert met is ((supplier, customer) in MUTUAL_PAIRS)


@pytest.mark.parametrize("supplier,customer", ALL_PAIRS)
def test_an_override_reason_lets_any_option_through(supplier, customer):
    assert guards.mutual_value_option_or_override([(supplier, customer)], "customer relationship at risk")


@pytest.mark.parametrize("blank", [None, "", " ", "\t\n  "])
def test_a_blank_override_reason_is_no_override(blank):
    assert not guards.mutual_value_option_or_override([(5, 0), (0, 5), (-5, 5)], blank)


def test_one_mutual_option_among_one_sided_ones_is_enough():
    assert guards.mutual_value_option_or_override([(5, -5), (-5, 5), (1, 1), (0, 0)], None)


def test_options_each_favouring_one_company_do_not_add_up_to_mutual_value():
    assert not guards.mutual_value_option_or_override([(5, 0), (0, 5)], None)


def test_no_options_and_no_override_is_unmet_but_an_override_alone_suffices():
    assert not guards.mutual_value_option_or_override([], None)
    assert guards.mutual_value_option_or_override([], "board decision")


def test_option_values_may_be_any_iterable_even_a_generator():
    assert guards.mutual_value_option_or_override(((s, c) for s, c in [(0, 1), (2, 2)]), None)


# --- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", " ", "   \n\t"])
def test_blank_text_is_no_text(value):
    assert guards.has_text(value) is False


@pytest.mark.parametrize("value", ["x", " the customer withdrew ", "\nreason\n"])
def test_any_non_blank_text_counts(value):
    assert guards.has_text(value) is True


# --- parties and mediators -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kinds,met",
    [
        ([], False),
        (["supplier"], False),
        (["customer"], False),
        (["supplier", "supplier"], False),
        (["customer", "customer", "customer"], False),
        (["supplier", "customer"], True),
        (["customer", "supplier"], True),
        (["supplier", "supplier", "customer"], True),
    ],
)
def test_parties_must_come_from_both_companies(kinds, met):
    assert guards.parties_from_both_companies(kinds) is met


def test_party_kinds_may_be_a_generator():
    assert guards.parties_from_both_companies(k for k in ("customer", "supplier"))


@pytest.mark.parametrize("mediator_id,met", [(None, False), (1, True), (42, True)])
def test_a_mediator_is_assigned_when_there_is_an_id(mediator_id, met):
    assert guards.mediator_assigned(mediator_id) is met


# --- stories ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "told,met",
    [
        ([], False),
        (["supplier"], False),
        (["customer", "customer"], False),
        (["supplier", "customer"], True),
        (["customer", "supplier", "supplier"], True),
    ],
)
def test_a_story_is_needed_from_each_company(told, met):
    assert guards.story_from_each_company(told) is met


@pytest.mark.parametrize(
    "party_ids,heard_ids,met",
    [
        ([1, 2], [1, 2], True),
        ([1, 2], [2, 1], True),
        ([1, 2], [1], False),
        ([1, 2], [], False),
        ([1, 2, 3], [1, 2], False),
        ([1, 2], [1, 2, 9], True),  # a story about someone else does not hurt
        ([1, 2], [1, 1, 2, 2], True),  # several stories by one party
        ([], [], True),
    ],
)
def test_every_party_must_be_heard(party_ids, heard_ids, met):
    assert guards.every_party_heard(party_ids, heard_ids) is met


def test_hearing_people_who_are_not_parties_does_not_hear_the_parties():
    assert not guards.every_party_heard([1, 2], [3, 4])


# --- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count,met", [(0, False), (1, False), (2, True), (3, True), (50, True)])
def test_resolution_needs_at_least_two_options(count, met):
    assert guards.at_least_two_options(count) is met


@pytest.mark.parametrize(
    "option_id,acceptances,met",
    [
        (None, {}, False),
        (None, {None: ["supplier", "customer"]}, False),
        (7, {}, False),
        (7, {7: []}, False),
        (7, {7: ["supplier"]}, False),
        (7, {7: ["customer"]}, False),
        (7, {7: ["customer", "customer"]}, False),
        (7, {7: ["supplier", "customer"]}, True),
        (7, {7: ("customer", "supplier")}, True),
        (7, {8: ["supplier", "customer"]}, False),  # both companies accepted another option
        (7, {7: ["supplier"], 8: ["customer"]}, False),  # each accepted a different option
    ],
)
def test_an_option_must_be_accepted_by_both_companies(option_id, acceptances, met):
    assert guards.option_accepted_by_both_companies(option_id, acceptances) is met
