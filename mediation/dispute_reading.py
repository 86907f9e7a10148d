"""The read model of one dispute: what the API answers and the dispute page shows of it,
built once from what the reader may read, so the two never tell it differently."""

from dataclasses import dataclass

from mediation import dispute_queries
from mediation.access import Actor
from mediation.disputes import Acceptance
from mediation.disputes import Commitment
from mediation.disputes import Dispute
from mediation.disputes import Option
from mediation.guards import gives_mutual_value


class _Row:
    """A stored row with what is worked out about it: its own fields read through."""

    row: object

    def __getattr__(self, name: str):
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)


@dataclass(frozen=True)
class AcceptanceRead(_Row):
    row: Acceptance
    company: str


@dataclass(frozen=True)
class OptionRead(_Row):
    row: Option
    acceptances: tuple[Acceptance, ...]

    @property
    def mutual_value(self) -> bool:
        return gives_mutual_value(self.row.value_to_supplier, self.row.value_to_customer)

    @property
    def accepted_by(self) -> list[str]:
        """The companies that accepted it."""
        return sorted(acceptance.organization.kind for acceptance in self.acceptances)

    def accepted_for(self, organization_id: int) -> bool:
        return any(acceptance.organization_id == organization_id for acceptance in self.acceptances)


@dataclass(frozen=True)
class CommitmentRead(_Row):
    row: Commitment
    overdue: bool


@dataclass(frozen=True)
class DisputeRead:
    dispute: Dispute
    stale: bool
    parties: list
    stories: list
    options: list[OptionRead]
    acceptances: list[AcceptanceRead]
    commitments: list[CommitmentRead]


def read(actor: Actor, dispute: Dispute, now) -> DisputeRead:
    """Everything on `dispute` that `actor` may read but its notes and history, which are
    read a page at a time."""
    found = dispute_queries.details(actor, dispute)
    by_option: dict[int, list[Acceptance]] = {}
    for acceptance in found["acceptances"]:
        by_option.setdefault(acceptance.option_id, []).append(acceptance)
    return DisputeRead(
        dispute=dispute,
        stale=dispute_queries.is_stale(dispute, now),
        parties=found["parties"],
        stories=found["stories"],
        options=[OptionRead(option, tuple(by_option.get(option.id, ()))) for option in found["options"]],
        acceptances=[AcceptanceRead(acceptance, acceptance.organization.kind) for acceptance in found["acceptances"]],
        commitments=[CommitmentRead(c, dispute_queries.is_overdue(c, now)) for c in found["commitments"]],
    )


@dataclass(frozen=True)
class SecondThought:
    """Accepting `option` for one's company while the other company accepted `theirs`."""

    dispute: Dispute
    option: Option
    theirs: list[Option]


def second_thought(actor: Actor, dispute_id: int, option_id: int) -> SecondThought | None:
    """When the option `actor` is about to accept for their company is none of those the
    other company accepted, what to ask them first (both must accept the same option to
    resolve); None when there is nothing to ask, or no such option."""
    dispute = dispute_queries.get_dispute(actor, dispute_id)
    found = dispute_queries.details(actor, dispute)
    theirs = {a.option_id for a in found["acceptances"] if a.organization_id != actor.organization.id}
    option = next((o for o in found["options"] if o.id == option_id), None)
    if option is None or not theirs or option_id in theirs:
        return None
    return SecondThought(dispute, option, [o for o in found["options"] if o.id in theirs])
