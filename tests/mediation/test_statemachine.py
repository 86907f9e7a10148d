"""Firing a trigger of a shared machine: every condition is evaluated exactly once."""

from collections import Counter

import pytest

from mediation import lifecycle
from mediation import statemachine
from mediation.errors import GuardsUnmet


class CountingFlow:
    """A flow whose conditions count their evaluations and answer as told."""

    def __init__(self, answers: dict[str, bool]):
        self.answers = answers
        self.calls = Counter()

    def __getattr__(self, name):
        if name in self.__dict__.get("answers", {}):
            def condition():
                self.calls[name] += 1
                return self.answers[name]
            return condition
        raise AttributeError(name)


@pytest.mark.parametrize("trigger", lifecycle.TRIGGERS)
def test_a_trigger_that_fires_evaluates_each_of_its_conditions_once(trigger):
    declared = lifecycle.DECLARED[trigger]
    flow = CountingFlow(dict.fromkeys(declared.conditions, True))
    assert statemachine.fire(lifecycle.machine, flow, declared.source[0], trigger) == declared.dest
    assert flow.calls == Counter(dict.fromkeys(declared.conditions, 1))


def test_a_refused_trigger_names_every_unmet_condition_having_evaluated_each_once():
    flow = CountingFlow({"parties_from_both_companies": False, "mediator_assigned": False})
    with pytest.raises(GuardsUnmet) as refused:
        statemachine.fire(lifecycle.machine, flow, "intake", "gather_stories")
    assert refused.value.unmet == ["parties_from_both_companies", "mediator_assigned"]
    assert flow.calls == Counter({"parties_from_both_companies": 1, "mediator_assigned": 1})
