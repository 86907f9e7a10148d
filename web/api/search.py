"""Search: the disputes and protocols whose texts hold every word asked for, among those
the caller may read, best match first."""

from flask import Blueprint

from protocols import search as searching
from web import search_schemas as schemas
from web.api import load_query
from web.api import paged_by_cursor
from web.api.documented import Page
from web.api.documented import documented
from web.auth import current_actor
from web.links import absolute
from web.search_results import page_of
from web.search_results import snippet_html
from web.search_results import snippet_text

blueprint = Blueprint("search_api", __name__)

_hit = schemas.SearchHitOut()


def _dump(hit) -> dict:
    return _hit.dump({
        "subject": {"type": hit.subject_type, "id": hit.subject_id}, "title": hit.title,
        "url": absolute(page_of(hit)), "found_in": hit.source, "visibility": hit.visibility,
        "snippet": snippet_text(hit), "snippet_html": str(snippet_html(hit)), "matches": hit.matches,
    })


@blueprint.get("/search")
@documented("Search the disputes and protocols the caller may read, best match first; no words, no results",
            query=schemas.SearchQuery, answers={200: Page(schemas.SearchHitOut)})
def search():
    params = load_query()
    found = searching.search(current_actor(), params["q"], cursor=params["cursor"], limit=params["limit"])
    return paged_by_cursor([_dump(hit) for hit in found.hits], found.next_cursor, "search_api.search")
