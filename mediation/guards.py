"""The lifecycle's conditions as pure functions of plain data, testable without a database.

Scores run from -5 to 5; "value to both companies" means both scores are above zero.
"""

from collections.abc import Iterable
from collections.abc import Mapping

SCORE_RANGE = range(-5, 6)


def has_text(value: str | None) -> bool:
    return bool(value and value.strip())


def parties_from_both_companies(party_kinds: Iterable[str]) -> bool:
    """`party_kinds` holds the organization kind of each party."""
    return {"supplier", "customer"} <= set(party_kinds)


def mediator_assigned(mediator_id: int | None) -> bool:
    return mediator_id is not None


def story_from_each_company(told_story_kinds: Iterable[str]) -> bool:
    """`told_story_kinds`: organization kinds of parties who told a story (not declined)."""
    return {"supplier", "customer"} <= set(told_story_kinds)


def every_party_heard(party_ids: Iterable[int], heard_ids: Iterable[int]) -> bool:
    """Each party told a story or was marked as declining."""
    return set(party_ids) <= set(heard_ids)


def at_least_two_options(option_count: int) -> bool:
    return option_count >= 2


def gives_mutual_value(value_to_supplier: int, value_to_customer: int) -> bool:
    return value_to_supplier > 0 and value_to_customer > 0


def mutual_value_option_or_override(
    option_values: Iterable[tuple[int, int]], override_reason: str | None
) -> bool:
    return any(gives_mutual_value(s, c) for s, c in option_values) or has_text(override_reason)


def option_accepted_by_both_companies(
    option_id: int | None, acceptance_kinds: Mapping[int, Iterable[str]]
) -> bool:
    """`acceptance_kinds` maps an option id to the organization kinds that accepted it."""
    if option_id is None:
        return False
    return {"supplier", "customer"} <= set(acceptance_kinds.get(option_id, ()))
