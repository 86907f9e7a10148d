"""The value each resolution gave each company, and whether a run of resolutions leans one
way: one rule for the relationship with a customer and for an account manager's advocacy.

A resolution's value to each company is that of the option it resolved with. A dispute
resolved, reopened and resolved again counts once, with its final option, at the moment it
was last resolved. A run leans to a company when, over at least `minimum` resolutions,
that company gained on average more than `LEAN_POINTS` points a resolution more than the
other (values run from -5 to 5). An option that gives one company nothing or less is
one-sided, and counts for the company it favoured; one that gives neither anything counts
for neither.
"""

from dataclasses import dataclass
from datetime import datetime

from mediation.disputes import Dispute
from mediation.disputes import Option
from mediation.guards import gives_mutual_value

# The mean gap, in points a resolution, beyond which a run of resolutions leans one way.
LEAN_POINTS = 1.0
# Resolutions needed before a relationship's balance is called, and an advocate's.
RELATIONSHIP_MINIMUM = 3
ADVOCACY_MINIMUM = 5
BALANCES = ("balanced", "leans_supplier", "leans_customer", "too_few")


@dataclass(frozen=True)
class Resolution:
    """One resolved dispute and the values of the option it resolved with."""

    dispute_id: int
    resolved_at: datetime
    to_supplier: int
    to_customer: int
    overridden: bool

    @property
    def favours(self) -> str | None:
        """The company a one-sided resolution favoured; None when it gave both value, or neither."""
        if gives_mutual_value(self.to_supplier, self.to_customer):
            return None
        if self.to_supplier > 0:
            return "supplier"
        if self.to_customer > 0:
            return "customer"
        return None


@dataclass(frozen=True)
class Balance:
    """The sums of a run of resolutions, its one-sided ones by the company they favoured,
    its overrides, and the balance called from them."""

    resolutions: int
    to_supplier: int
    to_customer: int
    one_sided: dict
    overrides: int
    balance: str


def resolutions(where, start: datetime, end: datetime) -> list[Resolution]:
    """The disputes resolved in [start, end) that `where` (a peewee expression over Dispute)
    selects, each with its final option's values, in the order they were resolved."""
    rows = (Dispute.select(Dispute.id, Dispute.state_changed_at, Dispute.override_reason,
                           Option.value_to_supplier, Option.value_to_customer)
            .join(Option, on=(Option.id == Dispute.resolution_option_id))
            .where(where & (Dispute.state == "resolved")
                   & (Dispute.state_changed_at >= start) & (Dispute.state_changed_at < end))
            .order_by(Dispute.state_changed_at, Dispute.id)
            .tuples())
    return [Resolution(dispute_id, resolved_at, to_supplier, to_customer, bool(reason and reason.strip()))
            for dispute_id, resolved_at, reason, to_supplier, to_customer in rows]


def balance_of(found: list[Resolution], minimum: int = RELATIONSHIP_MINIMUM) -> Balance:
    """The balance of a run of resolutions: "too_few" under `minimum` of them."""
    to_supplier = sum(r.to_supplier for r in found)
    to_customer = sum(r.to_customer for r in found)
    one_sided = {"supplier": 0, "customer": 0}
    for resolution in found:
        if resolution.favours:
            one_sided[resolution.favours] += 1
    return Balance(len(found), to_supplier, to_customer, one_sided, sum(r.overridden for r in found),
                   lean(to_supplier, to_customer, len(found), minimum))


def lean(to_supplier: int, to_customer: int, count: int, minimum: int) -> str:
    """Which way `count` resolutions worth these sums lean, by the documented rule."""
    if count < minimum:
        return "too_few"
    gap = (to_supplier - to_customer) / count
    if gap > LEAN_POINTS:
        return "leans_supplier"
    if gap < -LEAN_POINTS:
        return "leans_customer"
    return "balanced"
