"""The JSON API under /api/v1: one blueprint per area, shared request helpers."""

import re
from functools import cache

from flask import Response
from flask import current_app
from flask import json
from flask import request
from flask import url_for

from mediation.dispute_summaries import SummaryPage
from mediation.paging import Page
from mediation.paging import page_of
from web.api.documented import declared
from web import schemas
from web.auth import current_actor
from web.problems import ApiProblem

PREFIX = "/api/v1"


def clock():
    return current_app.config["CLOCK"]


def load_body():
    """The JSON body validated by the view's declared body schema: 400 when it is not JSON,
    422 when it is invalid."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError as error:
        raise ApiProblem(400, "malformed-json", "Malformed JSON", f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise ApiProblem(400, "malformed-json", "Malformed JSON", "the body is nested too deeply to read") from None
    if data is None:
        raise ApiProblem(400, "malformed-json", "Malformed JSON", "the body must be a JSON object")
    if _holds_lone_surrogate(data):
        raise ApiProblem(400, "malformed-json", "Malformed JSON",
                         "the body escapes half of a UTF-16 surrogate pair (such as \\ud800), which is not text")
    return declared().body().load(data)


SURROGATE = re.compile(r"[\ud800-\udfff]")


def _holds_lone_surrogate(data) -> bool:
    """Whether a string or key in parsed JSON holds a lone surrogate: JSON's \\u escapes can
    spell one (a pair is joined into its character), but it cannot be encoded, stored or sent."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def load_query():
    """Query parameters validated by the view's declared query schema (422 naming the parameter)."""
    return _query_schema(declared().query).load(request.args.to_dict())


@cache
def _query_schema(schema_class):
    """One instance of each query schema, made once: making one copies each of its fields."""
    return schema_class()


def bundle_download(actor, bundle, filename: str) -> Response:
    """A proof bundle as a file to keep: the bundle is evidence, so it is downloaded, not shown."""
    body = json.dumps(schemas.bundle_dump(actor, bundle, clock().now()), indent=2, ensure_ascii=False)
    return Response(body + "\n", mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def page(items, limit: int, dump, endpoint: str, cursor=lambda item: item.id, **params):
    """`{"items": [...], "next": url-or-null}` from up to limit+1 rows fetched in the order
    of `cursor` (the id, unless told otherwise)."""
    return paged(page_of(items, limit), dump, endpoint, cursor, **params)


def paged(found: Page, dump, endpoint: str, cursor=lambda item: item.id, cursor_param="after", **params):
    """`{"items": [...], "next": url-or-null}` of a page already read; the next page starts
    at the query parameter `cursor_param` (`after`, or `before` for a list newest first)."""
    following = _next_url(endpoint, cursor_param, cursor(found.last), **params) if found.more else None
    return {"items": [dump(item) for item in found.items], "next": following}


def paged_by_cursor(items: list, cursor: str | None, endpoint: str) -> dict:
    """`{"items": [...], "next": url-or-null}` of a page whose next one starts at the opaque
    `cursor` (a search's pages)."""
    return {"items": items, "next": _next_url(endpoint, "cursor", cursor) if cursor else None}


def paged_text(found: SummaryPage, endpoint: str):
    """The answer of `paged` for a page whose items the database wrote as JSON text."""
    following = _next_url(endpoint, "after", found.last_id) if found.more else None
    body = f'{{"items":{found.items},"next":{json.dumps(following)}}}\n'
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def _next_url(endpoint: str, cursor_param: str, value, **params) -> str:
    """This request's URL for the page that starts at `value` of the cursor."""
    query = {k: v for k, v in request.args.items() if k != cursor_param}
    query.update(params)
    return url_for(endpoint, **{cursor_param: value}, **query)


# Endpoints that authenticate themselves (a calendar app sends its token in the URL).
SELF_AUTHENTICATING = {"protocols_api.protocol_calendar", "protocols_api.my_calendar"}
# Read without credentials: the description of the API holds no data, and tools load it first.
PUBLIC = {"openapi_api.description"}


def _authenticate() -> None:
    """Every API call is authenticated before its body is read: no credentials, 401."""
    if request.path.startswith(PREFIX + "/") and request.endpoint not in SELF_AUTHENTICATING | PUBLIC:
        current_actor()


def register(app) -> None:
    from web.api import audit
    from web.api import directory
    from web.api import disputes
    from web.api import notifications
    from web.api import openapi
    from web.api import protocols
    from web.api import relationship
    from web.api import search
    from web.api import tokens
    from web.api import webhooks
    from web.api import witnesses

    app.before_request(_authenticate)
    for module in (directory, disputes, protocols, audit, relationship, search, notifications, tokens, webhooks, witnesses,
                   openapi):
        app.register_blueprint(module.blueprint, url_prefix=PREFIX)
