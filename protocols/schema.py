"""The protocols' migration plan, applied after the mediation plan it builds on (see
outreach.schema for every plan in order)."""

from mediation.schema import Plan

PROTOCOLS = Plan("protocols", "protocols.migrations")
