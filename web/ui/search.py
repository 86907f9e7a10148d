"""The search page: the disputes and protocols whose texts hold every word typed, among
those the viewer may read, best match first, a page at a time."""

from flask import render_template
from flask import request
from marshmallow import ValidationError

from mediation.errors import Invalid
from protocols import search
from web.search_results import page_of
from web.search_results import snippet_html
from web.search_schemas import SearchQuery
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("search_ui", __name__)

# Where a match was found, in words: "found in {}".
FOUND_IN = {"title": "the title", "summary": "the summary", "resolution": "the resolution", "story": "a story",
            "option": "an option", "note": "a note", "protocol": "the protocol's name", "agenda": "an agenda",
            "escalation": "an escalation path", "touchpoint": "a touchpoint"}
INTERNAL = {"story": "an internal story", "note": "an internal note"}
KINDS = {"dispute": "Dispute", "protocol": "Protocol"}


def found_in(hit) -> str:
    return INTERNAL[hit.source] if hit.visibility == "internal" else FOUND_IN[hit.source]


@blueprint.context_processor
def _helpers():
    return {"page_of": page_of, "snippet_html": snippet_html, "found_in": found_in, "kinds": KINDS}


@blueprint.get("/search")
def search_page():
    """An empty query shows what search is for; a query too long, or a page link that is
    not one, is shown next to the search box (422)."""
    chosen = {name: request.args[name] for name in ("q", "cursor") if request.args.get(name)}
    context = {"query": chosen.get("q", ""), "paged": "cursor" in chosen, "results": None, "errors": {}}
    try:
        params = SearchQuery().load(chosen)
        context["results"] = search.search(viewer(), params["q"], cursor=params["cursor"])
    except ValidationError as error:
        context["errors"] = error.messages
    except Invalid as error:
        context["errors"] = error.errors
    return render_template("search.html", **context), 422 if context["errors"] else 200
