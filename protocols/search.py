"""Search across disputes and protocols, as the pages and the API search (mediation.search
does the searching). Protocols are found by their scenario and project, their versions'
agendas and escalation paths and their touchpoints' summaries; a reader finds those on
their own accounts (`queries.visible_protocols`), named as people name them."""

from mediation import search as searching
from mediation.access import Actor
from mediation.parties import Project
from protocols.models import Protocol
from protocols.models import protocol_name
from protocols.queries import visible_protocols


def _readable(actor: Actor) -> tuple[str, list]:
    return visible_protocols(actor).select(Protocol.id).sql()


def _names(ids: list[int]) -> dict[int, str]:
    rows = Protocol.select(Protocol.id, Protocol.scenario, Project.name).join(Project).where(Protocol.id.in_(ids))
    return {protocol_id: protocol_name(scenario, project) for protocol_id, scenario, project in rows.tuples()}


PROTOCOLS = searching.Subject("protocol", _readable, _names)
EVERYTHING = (searching.DISPUTES, PROTOCOLS)


def search(actor: Actor, text: str, *, cursor: str | None = None,
           limit: int = searching.PAGE_SIZE) -> searching.Results:
    """`mediation.search.search` over disputes and protocols alike."""
    return searching.search(actor, text, EVERYTHING, cursor=cursor, limit=limit)
