"""The protocols' own migration plan, applied after the mediation plan it builds on."""

from mediation.db import database
from mediation.migrations import MEDIATION
from mediation.migrations import Plan
from protocols.models import PROTOCOL_MODELS


def _protocol_tables() -> None:
    database.create_tables(PROTOCOL_MODELS)


PROTOCOLS = Plan(
    "protocols",
    ((1, "protocols, versions, acknowledgements, touchpoints, incidents, escalations", _protocol_tables),),
)

ALL_PLANS = (MEDIATION, PROTOCOLS)
