"""The outreach migration plan, and every plan of the product in the order they apply."""

from mediation.schema import MEDIATION
from mediation.schema import Plan
from protocols.schema import PROTOCOLS

OUTREACH = Plan("outreach", "outreach.migrations")

ALL_PLANS = (MEDIATION, PROTOCOLS, OUTREACH)
