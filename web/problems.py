"""Errors as RFC 9457 problem details (`application/problem+json`)."""

import json as stdlib_json

from flask import Response
from flask import json
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge

from mediation.errors import Conflict
from mediation.errors import DomainError
from mediation.errors import Forbidden
from mediation.errors import GuardsUnmet
from mediation.errors import Invalid
from mediation.errors import InvalidTrigger
from mediation.errors import NotFound
from mediation.errors import StaleVersion

PROBLEM_TYPE = "urn:accord:problem:"


class ApiProblem(Exception):
    """A problem raised by the web layer itself (bad credentials, malformed JSON)."""

    def __init__(self, status: int, slug: str, title: str, detail: str, headers=None):
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.headers = headers or {}


def problem(status: int, slug: str, title: str, detail: str, headers=None, **extra) -> Response:
    body = {"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail, **extra}
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_validation(error: ValidationError) -> Response:
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    fields = ", ".join(sorted(messages))
    return problem(422, "validation", "Invalid request", f"these fields are invalid: {fields}", errors=messages)


def from_domain(error: DomainError) -> Response:
    if isinstance(error, NotFound):
        return problem(404, "not-found", "Not found", error.detail)
    if isinstance(error, Forbidden):
        return problem(403, "forbidden", "Not allowed", error.detail)
    if isinstance(error, Invalid):
        return problem(422, "validation", "Invalid request", error.detail, errors=error.errors)
    if isinstance(error, GuardsUnmet):
        return problem(409, "guards-unmet", "Conditions not met", error.detail,
                       trigger=error.trigger, unmet=error.unmet)
    if isinstance(error, InvalidTrigger):
        return problem(409, "invalid-trigger", "Not possible in this state", error.detail,
                       trigger=error.trigger, state=error.state, available_triggers=error.available)
    if isinstance(error, StaleVersion):
        return problem(409, "stale-version", "Changed by someone else", error.detail,
                       current_version=error.current_version)
    if isinstance(error, Conflict):
        return problem(409, "conflict", "Conflict", error.detail)
    return problem(400, "bad-request", "Bad request", error.detail)


TOO_LARGE_DETAIL = "the request body is larger than the limit"


def from_http(error: HTTPException) -> Response:
    slug = (error.name or "error").lower().replace(" ", "-")
    detail = error.description or error.name
    if error.code == 413:
        detail = TOO_LARGE_DETAIL
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
    return problem(error.code or 500, slug, error.name, detail, headers=headers)


def from_api_problem(error: ApiProblem) -> Response:
    return problem(error.status, error.slug, error.title, error.detail, headers=error.headers)


def refused_unread(app, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of the 413 a server answers on its own, before `app`
    sees the request, to a body it refused while reading it (`accord serve`: waitress,
    once the Content-Length is read or more than the limit came chunked): the same
    problem details as the app's own 413 on the API (`path` under /api/), the app's own
    error page elsewhere, as to someone not signed in (the cookie is not read)."""
    status = "413 Request Entity Too Large"
    if path.startswith("/api/"):
        body = {"type": PROBLEM_TYPE + "request-entity-too-large", "title": "Request Entity Too Large",
                "status": 413, "detail": TOO_LARGE_DETAIL}
        return status, [("Content-Type", "application/problem+json")], stdlib_json.dumps(body).encode()
    from web.ui import SECURITY_HEADERS
    from web.ui import error_pages

    with app.test_request_context(path):
        page, _, _ = error_pages.for_http(RequestEntityTooLarge())
    return status, [("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS.items()], page.encode()
