"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json.

Generated on first use from the app's own routes and each view's `@documented` contract,
with apispec's marshmallow plugin reading the schemas the views parse and dump with: a
route without a contract cannot be described, and nothing is described that is not a
route. It is public (see `web.api.PUBLIC`): it describes the contract, not any data.
"""

import inspect
import re
import sys
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint
from flask import Flask
from flask import current_app
from werkzeug.routing import IntegerConverter

from web.api import PREFIX
from web.api import PUBLIC
from web.api import SELF_AUTHENTICATING
from web.api.documented import CALENDAR
from web.api.documented import PLAIN_TEXT
from web.api.documented import Page
from web.api.documented import documented
from web.api.documented import operation_of
from web.schemas import Moment
from web.schemas import Text
from web.schemas import _not_blank

blueprint = Blueprint("openapi_api", __name__)

OPENAPI_VERSION = "3.1.0"
PROBLEM_MEDIA_TYPE = "application/problem+json"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")

INTRODUCTION = """\
JSON over HTTP for Accord: dispute mediation and communication protocols between a
supplier and its customers.

Every call sends `Authorization: Bearer <token>`, except this description itself, which
anyone may read, and the calendar feeds, which also take a calendar token as `?token=`
because calendar apps cannot send headers.

Bodies are JSON objects; fields a schema does not name are refused. Refusals are
`application/problem+json` (RFC 9457) with `type`, `title`, `status` and `detail`, plus
`errors` (each invalid field with its messages) on 422 and `unmet` (the conditions not
met, by name) when a transition's guards refuse it. Lists answer
`{"items": [...], "next": url-or-null}`; follow `next` for the following page.
"""

# Statuses a refusal can have, with the name of its reusable response and its meaning.
REFUSALS = {
    400: ("MalformedJson", "The body is not JSON, or not a JSON object."),
    401: ("Unauthorized", "No credentials, or a token that is unknown, revoked, or of a disabled person."),
    403: ("Forbidden", "Authenticated, but this person may not do this."),
    404: ("NotFound", "No such object, or one this person may not know exists."),
    409: ("Conflict", "Not possible now: the trigger is not available in this state, guard conditions are "
                      "unmet (named in `unmet`), `expected_version` is stale (see `current_version`), or "
                      "the change clashes with a concurrent one."),
    413: ("TooLarge", "The body is larger than the limit."),
    422: ("Invalid", "The body or the query fails validation: `errors` holds the messages of each field."),
    429: ("TooManyRequests", "This person already has as many expensive requests running as one may; "
                             "retry after the seconds in Retry-After."),
    503: ("Busy", "The server is running as many expensive requests as it takes; retry after the seconds "
                  "in Retry-After."),
}

FIELD_ERRORS = {
    "description": "Messages by field name; a nested object or a list holds the errors of its own fields or items.",
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"$ref": "#/components/schemas/FieldErrors"},
        ],
    },
}

PROBLEM = {
    "description": "An RFC 9457 problem: what went wrong, for people and for programs.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "urn:accord:problem:<slug>, one per kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"$ref": "#/components/schemas/FieldErrors"},
        "unmet": {"type": "array", "items": {"type": "string"}, "description": "guard conditions not met, by name"},
        "trigger": {"type": "string"},
        "state": {"type": "string"},
        "available_triggers": {"type": "array", "items": {"type": "string"}},
        "current_version": {"type": "integer"},
    },
}


TEXT = r"^[^\x00]*$"
# The characters Python's str.strip() takes for white space, as web.schemas._not_blank
# does: JSON Schema's \s is JavaScript's, which lacks \x1c-\x1f and \x85 and has \ufeff.
BLANK = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK_TEXT = rf"^[^\x00]*[^{BLANK}\x00][^\x00]*$"
MOMENT = r"^(19|[2-8]\d)\d\d-\d\d-\d\d[Tt]\d\d:\d\d:[0-5]\d"


def _field_rules(self, field, ret, **kwargs) -> dict:
    """Rules of Accord's own field types that no marshmallow validator states: texts refuse
    NUL characters (and blank text where they must not be blank), moments are written in the
    years 1900 to 8999 and without a leap second."""
    if isinstance(field, Text) and _not_blank in field.validators:
        return _rule(ret, NOT_BLANK_TEXT, "not blank; no NUL characters")
    if isinstance(field, Text):
        return _rule(ret, TEXT, "no NUL characters")
    if isinstance(field, Moment):
        return _rule(ret, MOMENT, "a moment from 1900 to 8999 with its offset, as RFC 3339 writes it")
    return {}


def _rule(ret: dict, pattern: str, words: str) -> dict:
    said = ret.get("description")
    return {"pattern": pattern, "description": f"{said} ({words})" if said else words}


def describe(app: Flask) -> dict:
    """The description of every route under /api/v1; LookupError names a view without a contract."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Accord API",
        version="1",
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={"description": INTRODUCTION},
        security=[{"bearer": []}],
    )
    plugin.converter.add_attribute_function(_field_rules)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("calendarToken", {
        "type": "apiKey", "in": "query", "name": "token",
        "description": "a calendar-scoped token (POST /api/v1/me/calendar-token), for calendar feeds only",
    })
    spec.components.schema("FieldErrors", FIELD_ERRORS)
    spec.components.schema("Problem", PROBLEM)
    for status, (name, meaning) in REFUSALS.items():
        if status == 413:
            meaning = f"{meaning[:-1]} ({app.config['MAX_CONTENT_LENGTH']} bytes)."
        response = {"description": meaning,
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        if status in (429, 503):
            response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
        spec.components.response(name, response)

    paths, tags = {}, {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        tag = rule.endpoint.split(".")[0].removesuffix("_api")
        tags.setdefault(tag, _first_paragraph(sys.modules[view.__module__].__doc__))
        path, parameters = _path(rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            paths.setdefault(path, {})[method.lower()] = _operation(plugin.converter, rule, view, tag, parameters)
    for tag, description in tags.items():
        spec.tag({"name": tag, "description": description})
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    described = spec.to_dict()
    _rules_between_fields(plugin.converter.refs, described["components"]["schemas"])
    _answers_hold_every_field(described["components"]["schemas"])
    return described


def _first_paragraph(text: str | None) -> str:
    return " ".join(inspect.cleandoc(text or "").split("\n\n")[0].split())


def operation_id(endpoint: str) -> str:
    blueprint_name, _, function = endpoint.partition(".")
    return f"{blueprint_name.removesuffix('_api')}.{function}"


def _path(rule) -> tuple[str, list[dict]]:
    """The OpenAPI path template of a rule and its path parameters, typed by their converters."""
    parameters = []
    for name in ARGUMENT.findall(rule.rule):
        converter = rule._converters[name]
        if not isinstance(converter, IntegerConverter):
            raise LookupError(f"no description for the converter of <{name}> in {rule.rule}")
        schema = {"type": "integer", "minimum": 1 if converter.min is None else converter.min}
        if converter.max is not None:
            schema["maximum"] = converter.max
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
    return ARGUMENT.sub(r"{\1}", rule.rule), parameters


def _rules_between_fields(refs: dict, components: dict) -> None:
    """A schema's rules between its fields (its `validates_schema` methods) are code; where
    JSON Schema can state one too, the schema class holds it as BETWEEN_FIELDS."""
    for key, name in refs.items():
        components[name].update(getattr(key[0], "BETWEEN_FIELDS", {}))


def _answers_hold_every_field(components: dict) -> None:
    """An answer's schema (named ...Out) dumps every field it declares, so each is required."""
    for name, schema in components.items():
        if name.endswith("Out"):
            schema["required"] = sorted(schema["properties"])


def _query_parameters(converter, query) -> list[dict]:
    """Query parameters from a query schema; a query string cannot hold null, so an optional
    parameter is simply left out rather than described as nullable."""
    parameters = converter.schema2parameters(query, location="query")
    for parameter in parameters:
        schema = parameter["schema"]
        if isinstance(schema.get("type"), list):
            kinds = [kind for kind in schema["type"] if kind != "null"]
            schema["type"] = kinds[0] if len(kinds) == 1 else kinds
        if "enum" in schema:
            schema["enum"] = [value for value in schema["enum"] if value is not None]
        if "default" in schema and schema["default"] is None:
            del schema["default"]
    return parameters


def _operation(converter, rule, view, tag: str, parameters: list[dict]) -> dict:
    contract = operation_of(view)
    operation = {
        "operationId": operation_id(rule.endpoint),
        "tags": [tag],
        "summary": contract.summary,
        "responses": {},
    }
    if view.__doc__:
        operation["description"] = inspect.cleandoc(view.__doc__)
    parameters = list(parameters)
    if contract.query:
        parameters += _query_parameters(converter, contract.query)
    if parameters:
        operation["parameters"] = parameters
    if contract.body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": contract.body}}}

    for number, (status, answer) in enumerate(contract.answers.items()):
        response = {"description": HTTPStatus(status).phrase}
        if answer is not None:
            response["content"] = _content(answer)
        if number == 0 and contract.links:
            response["links"] = dict(_link(link) for link in contract.links)
        operation["responses"][str(status)] = response

    refusals = set(contract.refuses)
    if rule.endpoint not in PUBLIC:
        refusals.add(401)
    if contract.body:
        refusals |= {400, 413, 422}
    if contract.query:
        refusals.add(422)
    if rule.arguments:
        refusals.add(404)
    for status in sorted(refusals):
        operation["responses"][str(status)] = REFUSALS[status][0]

    if rule.endpoint in PUBLIC:
        operation["security"] = []
    elif rule.endpoint in SELF_AUTHENTICATING:
        operation["security"] = [{"bearer": []}, {"calendarToken": []}]
    return operation


def _link(link) -> tuple[str, dict]:
    """A link named after its target (and the body fields it fills)."""
    name = "_with_".join([link.endpoint.partition(".")[2], *(link.body or ())])
    described = {"operationId": operation_id(link.endpoint)}
    if link.parameters:
        described["parameters"] = dict(link.parameters)
    if link.body:
        described["requestBody"] = dict(link.body)
    return name, described


def _content(answer) -> dict:
    if answer == CALENDAR:
        return {CALENDAR: {"schema": {"type": "string", "description": "an iCalendar (RFC 5545) feed"}}}
    if answer == PLAIN_TEXT:
        return {PLAIN_TEXT: {"schema": {"type": "string", "description": "plain text, as the operation's summary says"}}}
    if isinstance(answer, Page):
        return {"application/json": {"schema": {
            "type": "object",
            "required": ["items", "next"],
            "properties": {
                "items": {"type": "array", "items": answer.item},
                "next": {"type": ["string", "null"], "description": "the URL of the next page, or null on the last"},
            },
            "additionalProperties": False,
        }}}
    return {"application/json": {"schema": answer}}


def current_description() -> dict:
    """The description of the current app, generated once per app."""
    app = current_app._get_current_object()
    if "accord_openapi" not in app.extensions:
        app.extensions["accord_openapi"] = describe(app)
    return app.extensions["accord_openapi"]


@blueprint.get("/openapi.json")
@documented("This description of the API", answers={200: {"type": "object", "description": "an OpenAPI 3.1 document"}})
def description():
    return current_description()
