"""Compliance read from the database: one protocol's touchpoints and incidents set against
what was agreed (the arithmetic of protocols.compliance), over a range the caller asks for."""

from datetime import datetime
from datetime import timedelta

from mediation.access import Actor
from mediation.errors import Invalid
from mediation.periods import MAX_RANGE
from mediation.periods import check_range as check_span
from protocols import compliance as rules
from protocols.models import Incident
from protocols.models import Touchpoint
from protocols.queries import get_protocol
from protocols.queries import latest_incidents
from protocols.queries import versions_and_activations

def check_range(start: datetime, end: datetime, now: datetime) -> None:
    """Invalid unless compliance may be computed over [start, end): forwards, at most
    MAX_RANGE long, ending at most MAX_RANGE from now. Windows are counted one by one from
    the start of the version in force, so a week far ahead costs as much as every window
    before it: a week in the year 2500 of an hourly cadence took 40 seconds."""
    check_span(start, end)
    if end > now + MAX_RANGE:
        raise Invalid.field("to", "a range ends at most two years from now")


def compliance(actor: Actor, clock, protocol_id: int, *, start: datetime | None = None,
               end: datetime | None = None) -> rules.Compliance:
    """Compliance over [start, end) (default: the last 30 days and the next), status as of now."""
    protocol = get_protocol(actor, protocol_id)
    now = clock.now()
    end = end or now + timedelta(days=1)
    start = start or now - timedelta(days=30)
    check_range(start, end, now)
    versions, activations = versions_and_activations(protocol)
    expected = rules.expectations(protocol, versions, activations)
    since = min(start, now) - rules.lookback(expected)
    latest = latest_incidents([protocol.id]).get(protocol.id)
    if latest is not None:
        since = min(since, latest)
    touchpoints = [
        rules.Touchpoint(t.occurred_at, t.channel, t.supplier_person_id, t.customer_person_id)
        for t in Touchpoint.select().where((Touchpoint.protocol == protocol.id) & (Touchpoint.occurred_at >= since))
    ]
    incidents = [i.started_at for i in Incident.select().where(
        (Incident.protocol == protocol.id) & (Incident.started_at >= since))]
    return rules.assess(expected, touchpoints, incidents, start=start, end=end, now=now)
