"""Communication protocols agreed per project between the two companies.

A dispute on a project puts its escalation protocol in force: `DISPUTE_LISTENERS` are told
of every dispute change once `outreach.install()` has installed them.
"""

from protocols import escalation

DISPUTE_LISTENERS = (escalation.switch_escalation,)
