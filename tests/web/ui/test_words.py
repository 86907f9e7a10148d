"""Every code the domain defines has its words in the one module of its domain that the
pages read them from, so a new state, trigger, condition or event kind cannot reach a
page as a bare name."""

import pytest

from mediation import lifecycle
from mediation.disputes import COMMITMENT_STATUSES
from mediation.disputes import SEVERITIES
from mediation.disputes import VISIBILITIES
from mediation.parties import ORGANIZATION_KINDS
from mediation.parties import ROLES
from mediation.reports import OUTCOMES
from outreach.webhooks import EVENT_KINDS
from protocols import agreement
from protocols.cadence import UNITS
from protocols.cadence import WEEKDAYS
from protocols.compliance import STATUS_URGENCY
from protocols.models import CHANNELS
from protocols.models import SCENARIOS
from web.ui import directory_words
from web.ui import dispute_words
from web.ui import event_words
from web.ui import protocol_words

AGREEMENT_CONDITIONS = [c for t in agreement.TRANSITIONS for c in t.get("conditions", ())]
CAPACITIES = ["mediator", "co_mediator", "party", "system", *ROLES]

WORDED = [
    (lifecycle.STATES, dispute_words.STATES),
    (lifecycle.TRIGGERS, {name: dispute_words.trigger_label(name) for name in lifecycle.DECLARED}),
    (SEVERITIES, dispute_words.SEVERITIES),
    (COMMITMENT_STATUSES, dispute_words.COMMITMENT_STATUSES),
    (VISIBILITIES, dispute_words.VISIBILITIES),
    (OUTCOMES, dispute_words.OUTCOMES),
    (SCENARIOS, protocol_words.SCENARIOS),
    (agreement.VERSION_STATES, protocol_words.VERSION_STATUSES),
    ([t["trigger"] for t in agreement.TRANSITIONS], protocol_words.TRIGGERS),
    (AGREEMENT_CONDITIONS, protocol_words.CONDITIONS),
    (STATUS_URGENCY, protocol_words.COMPLIANCE_STATUSES),
    (CHANNELS, protocol_words.CHANNELS),
    (UNITS, protocol_words.UNITS),
    (WEEKDAYS, protocol_words.WEEKDAYS),
    (ROLES, directory_words.ROLES),
    (ORGANIZATION_KINDS, directory_words.ORGANIZATION_KINDS),
    (EVENT_KINDS, event_words.KINDS),
]


@pytest.mark.parametrize(("codes", "words"), WORDED)
def test_every_code_has_words_of_its_own(codes, words):
    assert set(codes) == set(words), "every code has words, and no words stand for a code that is gone"
    assert all(words[code] and "_" not in words[code] for code in codes)
    assert len(set(words.values())) == len(words), "no two codes read alike"


def test_every_guard_condition_has_a_name_and_a_sentence_in_words():
    for name in lifecycle.CONDITIONS:
        assert "_" not in dispute_words.condition_label(name)
        assert dispute_words.condition_needs(name).endswith(".")


def test_every_capacity_someone_acts_in_reads_as_a_noun():
    assert [event_words.capacity(name) for name in CAPACITIES] == [
        "mediator", "co-mediator", "party", "Accord itself", "administrator", "account manager", "point person",
        "auditor",
    ]
