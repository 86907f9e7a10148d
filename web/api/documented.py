"""The contract of each API view, declared on the view itself.

`@documented` states what a view reads (its body and query schemas), what it answers (a
schema per success status) and which refusals its service can give. The OpenAPI
description is generated from these declarations and `load_body`/`load_query` parse with
the declared schemas, so the described request is the parsed request by construction.
"""

from dataclasses import dataclass

from flask import current_app
from flask import request
from marshmallow import Schema

CALENDAR = "text/calendar"
PLAIN_TEXT = "text/plain"
BODY_ID = "$response.body#/id"


@dataclass(frozen=True)
class Page:
    """A list answer: `{"items": [item, ...], "next": url-or-null}`."""

    item: type[Schema]


@dataclass(frozen=True)
class Link:
    """An operation a success answer leads to, and where its path parameters and body
    fields come from (OpenAPI runtime expressions such as `$response.body#/id`)."""

    endpoint: str
    parameters: dict[str, str]
    body: dict[str, str] | None = None


def link(endpoint: str, body: dict[str, str] | None = None, **parameters: str) -> Link:
    return Link(endpoint, parameters, body)


@dataclass(frozen=True)
class Operation:
    summary: str
    answers: dict
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    refuses: tuple[int, ...] = ()
    links: tuple[Link, ...] = ()


def documented(summary: str, *, answers: dict, body=None, query=None, refuses=(), links=()):
    """Declare a view's contract. `answers` maps each success status to a schema class, a
    `Page` of one, `CALENDAR`, a plain JSON schema, or None for an answer without a body;
    `refuses` lists the statuses its service refuses with (403, 409, ...) beyond those the
    request's shape implies (401, 400/413/422 for a body, 422 for a query, 404 for an id in
    the path)."""

    def attach(view):
        view.operation = Operation(summary, answers, body, query, tuple(refuses), tuple(links))
        return view

    return attach


def operation_of(view) -> Operation:
    """The declaration of a view; a view without one is a bug the description test names."""
    try:
        return view.operation
    except AttributeError:
        raise LookupError(f"API view {view.__module__}.{view.__name__} has no @documented contract") from None


def declared() -> Operation:
    """The declaration of the view serving this request."""
    return operation_of(current_app.view_functions[request.endpoint])
