"""What the lifecycle's conditions read about one stored dispute, and the model the shared
machine works on: one dispute with one transition request, its conditions as named methods."""

from functools import cached_property

from mediation import guards
from mediation.db import execute


class DisputeFacts:
    """What the conditions need to know about one stored dispute, each loaded on first use.

    The queries are hand-written (see mediation.db.portable): they run on every transition.
    """

    def __init__(self, dispute):
        self.dispute = dispute
        self._acceptances: dict[int, dict[int, list[str]]] = {}

    def _rows(self, sql: str, *params) -> list[tuple]:
        return execute(sql, (self.dispute.id, *params)).fetchall()

    @cached_property
    def parties(self) -> list[tuple[int, str]]:
        """(person id, organization kind) of every party."""
        return self._rows(
            "SELECT p.person_id, o.kind FROM party p JOIN person pe ON pe.id = p.person_id "
            "JOIN organization o ON o.id = pe.organization_id WHERE p.dispute_id = ?"
        )

    @cached_property
    def stories(self) -> list[tuple[int, bool, str]]:
        """(party id, declined, organization kind) of every story."""
        rows = self._rows(
            "SELECT s.party_id, s.declined, o.kind FROM story s JOIN person pe ON pe.id = s.party_id "
            "JOIN organization o ON o.id = pe.organization_id WHERE s.dispute_id = ?"
        )
        return [(party, bool(declined), kind) for party, declined, kind in rows]

    @cached_property
    def option_values(self) -> list[tuple[int, int]]:
        return self._rows("SELECT value_to_supplier, value_to_customer FROM option WHERE dispute_id = ?")

    def acceptance_kinds(self, option_id: int) -> dict[int, list[str]]:
        if option_id not in self._acceptances:
            rows = self._rows(
                "SELECT o.kind FROM acceptance a JOIN organization o ON o.id = a.organization_id "
                "WHERE a.dispute_id = ? AND a.option_id = ?",
                option_id,
            )
            self._acceptances[option_id] = {option_id: [kind for (kind,) in rows]}
        return self._acceptances[option_id]

    def option_count(self) -> int:
        return len(self.option_values)


class DisputeFlow:
    """One dispute and one transition request, as the machine's model."""

    def __init__(self, facts: DisputeFacts, request: dict):
        self.facts = facts
        self.request = request

    def parties_from_both_companies(self) -> bool:
        return guards.parties_from_both_companies(kind for _, kind in self.facts.parties)

    def mediator_assigned(self) -> bool:
        return guards.mediator_assigned(self.facts.dispute.mediator_id)

    def story_from_each_company(self) -> bool:
        told = (kind for _, declined, kind in self.facts.stories if not declined)
        return guards.story_from_each_company(told)

    def every_party_heard(self) -> bool:
        heard = (party_id for party_id, _, _ in self.facts.stories)
        return guards.every_party_heard((pid for pid, _ in self.facts.parties), heard)

    def at_least_two_options(self) -> bool:
        return guards.at_least_two_options(self.facts.option_count())

    def mutual_value_option_or_override(self) -> bool:
        return guards.mutual_value_option_or_override(
            self.facts.option_values, self.request.get("override_reason")
        )

    def option_accepted_by_both_companies(self) -> bool:
        option_id = self.request.get("option_id")
        if option_id is None:
            return False
        return guards.option_accepted_by_both_companies(
            option_id, self.facts.acceptance_kinds(option_id)
        )

    def resolution_summary(self) -> bool:
        return guards.has_text(self.request.get("summary"))

    def reason_given(self) -> bool:
        return guards.has_text(self.request.get("reason"))
