"""Communication protocols agreed per project between the two companies.

Importing the package registers its reaction to dispute changes (protocols.escalation).
"""

from protocols import escalation  # noqa: F401  (registers the dispute-change listener)
