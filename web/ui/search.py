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


@blueprint.context_processor
def _helpers():
    return {"page_of": page_of, "snippet_html": snippet_html}


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
