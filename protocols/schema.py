"""The protocols' migration plan, applied after the mediation plan it builds on."""

from mediation.schema import MEDIATION
from mediation.schema import Plan

PROTOCOLS = Plan("protocols", "protocols.migrations")

ALL_PLANS = (MEDIATION, PROTOCOLS)
