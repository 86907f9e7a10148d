"""Communication protocols agreed per project between the two companies.

`install()` connects them to dispute changes (a dispute on a project puts its escalation
protocol in force): every program that changes disputes calls it once at start-up.
"""

from mediation import hooks
from protocols import escalation


def install() -> None:
    hooks.install(escalation.switch_escalation)
