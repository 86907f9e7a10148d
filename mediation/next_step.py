"""What a dispute waits on next, and on whom, in words a reader of either company may see.

One rule for every place that says it: the top of the dispute page, and the home page
that lists what waits on its reader. It reads the dispute as the reader may read it
(`dispute_reading.read`), so a customer is told nothing an internal story or note would
reveal: the supplier's side is named as the supplier, never through its parties.
"""

from dataclasses import dataclass

from mediation.access import Actor
from mediation.dispute_permissions import acceptance_capacity
from mediation.dispute_permissions import case_capacity
from mediation.dispute_reading import DisputeRead
from mediation.disputes import Dispute
from mediation.parties import ORGANIZATION_KINDS
from mediation.parties import Organization
from mediation.parties import Person

COMPANIES = ORGANIZATION_KINDS


@dataclass(frozen=True)
class NextStep:
    """`stage` says who acts: "case" (the mediators and the account's managers), "parties"
    (`people` who have not told their side), "acceptance" (the `companies` still to
    accept), "commitments" (`people` holding open commitments). `waits_on` and `action`
    are the words: "Contoso Retail" and "to accept an option". `taken_by` names what takes
    the step: a trigger of the lifecycle, or the record it needs ("party", "story",
    "option", "acceptance", "settlement")."""

    stage: str
    waits_on: str
    action: str
    taken_by: str
    people: frozenset[int] = frozenset()
    companies: frozenset[str] = frozenset()


def _quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def _names(people, reader: Actor) -> str:
    """Names of the reader's own company's people; the other company by its name."""
    own = [p.name for p in people if p.organization_id == reader.organization.id]
    others = sorted({p.organization.name for p in people if p.organization_id != reader.organization.id})
    named = own + others
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def next_step(read: DisputeRead, reader: Actor, names: dict[str, str]) -> NextStep | None:
    """What the dispute waits on, or None once nothing does. `names` maps "supplier" and
    "customer" to the account's two companies' names."""
    state = read.dispute.state
    if state == "intake":
        return _intake(read, names)
    if state == "story_gathering":
        return _stories(read, reader)
    if state == "option_generation":
        return _options(read)
    if state == "resolution":
        return _acceptances(read, names)
    if state == "resolved":
        return _commitments(read, reader)
    return None


def _intake(read: DisputeRead, names: dict[str, str]) -> NextStep:
    sides = {party.person.organization.kind for party in read.parties}
    missing = [f"a party from {names[kind]}" for kind in COMPANIES if kind not in sides]
    if read.dispute.mediator_id is None:
        missing.append("a mediator")
    if missing:
        return NextStep("case", "the mediators", "to add " + " and ".join(missing), "party")
    return NextStep("case", "the mediators", "to start gathering stories", "gather_stories")


def _stories(read: DisputeRead, reader: Actor) -> NextStep:
    heard = {story.party_id for story in read.stories}
    untold = [party.person for party in read.parties if party.person.id not in heard]
    if untold:
        return NextStep("parties", _names(untold, reader), "to tell their side of the story, or decline", "story",
                        people=frozenset(p.id for p in untold))
    return NextStep("case", "the mediators", "to move on to finding options", "generate_options")


def _options(read: DisputeRead) -> NextStep:
    if len(read.options) < 2:
        return NextStep("case", "the mediators", "to propose at least two options", "option")
    if not any(option.mutual_value for option in read.options):
        return NextStep("case", "the mediators", "to propose an option of value to both companies, "
                                                  "or give a reason to go ahead without one", "option")
    return NextStep("case", "the mediators", "to start the resolution", "start_resolution")


def _acceptances(read: DisputeRead, names: dict[str, str]) -> NextStep:
    accepted = {kind: [o.row for o in read.options if kind in o.accepted_by] for kind in COMPANIES}
    both = [o.row for o in read.options if set(o.accepted_by) >= set(COMPANIES)]
    if both:
        return NextStep("case", "the mediators", f"to resolve the dispute with {_quoted(both[0].summary)}", "resolve")
    waiting = [kind for kind in COMPANIES if not accepted[kind]]
    if len(waiting) == 1:
        other = "customer" if waiting[0] == "supplier" else "supplier"
        offered = ", ".join(_quoted(option.summary) for option in accepted[other])
        return NextStep("acceptance", names[waiting[0]],
                        f"to accept {offered}, which {names[other]} accepted, or another option", "acceptance",
                        companies=frozenset(waiting))
    if waiting:
        return NextStep("acceptance", "both companies", "to accept an option", "acceptance",
                        companies=frozenset(COMPANIES))
    return NextStep("acceptance", "both companies", "to agree on one option: each accepted a different one",
                    "acceptance", companies=frozenset(COMPANIES))


def _commitments(read: DisputeRead, reader: Actor) -> NextStep | None:
    holders = {c.row.person_id for c in read.commitments if c.row.status == "open"}
    if not holders:
        return None
    people = list(Person.select(Person, Organization).join(Organization).where(Person.id.in_(sorted(holders))))
    return NextStep("commitments", _names(people, reader), "to keep what they committed to", "settlement",
                    people=frozenset(holders))


def acts_on(step: NextStep | None, reader: Actor, dispute: Dispute) -> bool:
    """Whether the next step is the reader's own to take."""
    if step is None or reader.is_read_only:
        return False
    if step.stage == "case":
        return case_capacity(reader, dispute) is not None
    if step.stage == "acceptance":
        return reader.company in step.companies and acceptance_capacity(reader, dispute) is not None
    return reader.person_id in step.people
