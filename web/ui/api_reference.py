"""The API reference page: the OpenAPI description of /api/v1, made readable.

Everything on the page is read from the generated description (`web.api.openapi`), so it
says what the API parses and answers, for every signed-in person.
"""

import re
from dataclasses import dataclass

from flask import render_template

from web.api.openapi import current_description
from web.ui.session import page_blueprint

blueprint = page_blueprint("api_reference_ui", __name__)

ACCESS = {
    "bearer": "A bearer token in the Authorization header.",
    "calendar": "A bearer token, or a calendar token as ?token= (calendar apps cannot send headers).",
    "public": "No token needed.",
}
NESTING_LIMIT = 4


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool
    rules: tuple[str, ...]
    note: tuple


@dataclass(frozen=True)
class Reply:
    status: str
    meaning: tuple
    body: str


@dataclass(frozen=True)
class Step:
    anchor: str
    label: str


@dataclass(frozen=True)
class Entry:
    anchor: str
    method: str
    path: str
    summary: str
    description: tuple
    access: str
    parameters: tuple[Field, ...]
    body_name: str | None
    body: tuple[Field, ...]
    replies: tuple[Reply, ...]
    leads_to: tuple[Step, ...]


@dataclass(frozen=True)
class Section:
    tag: str
    description: tuple
    entries: tuple[Entry, ...]


def prose(text: str) -> tuple:
    """Text with `code` spans, as (text, is_code) pieces for the template to mark up."""
    return tuple((piece, index % 2 == 1) for index, piece in enumerate(text.split("`")) if piece)


def paragraphs(text: str) -> list[tuple]:
    return [prose(" ".join(block.split())) for block in text.split("\n\n") if block.strip()]


def anchor_of(operation_id: str) -> str:
    return "op-" + re.sub(r"[^\w-]", "-", operation_id)


class Reference:
    """The description read as sections of operations, one per tag."""

    def __init__(self, described: dict):
        self.described = described
        self.components = described["components"]["schemas"]
        self.labels = {
            operation["operationId"]: f"{method.upper()} {path}"
            for path, method, operation in self._operations()
        }

    def _operations(self):
        for path, item in self.described["paths"].items():
            for method, operation in item.items():
                yield path, method, operation

    def sections(self) -> list[Section]:
        entries = {}
        for path, method, operation in self._operations():
            entries.setdefault(operation["tags"][0], []).append(self._entry(path, method, operation))
        return [
            Section(tag["name"], prose(tag.get("description", "")), tuple(entries.get(tag["name"], ())))
            for tag in self.described["tags"]
        ]

    def _entry(self, path: str, method: str, operation: dict) -> Entry:
        body_name, body = None, ()
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            body_name = self._name(schema)
            body = tuple(self._fields(schema))
        links = [link for reply in operation["responses"].values() for link in reply.get("links", {}).values()]
        return Entry(
            anchor=anchor_of(operation["operationId"]),
            method=method.upper(),
            path=path,
            summary=operation["summary"],
            description=prose(" ".join(operation.get("description", "").split())),
            access=ACCESS[self._access(operation)],
            parameters=tuple(
                Field(p["name"], f"{self._kind(p['schema'])} in the {p['in']}", p.get("required", False),
                      self._rules(p["schema"]), prose(p["schema"].get("description", "")))
                for p in operation.get("parameters", ())
            ),
            body_name=body_name,
            body=body,
            replies=tuple(self._reply(status, reply) for status, reply in operation["responses"].items()),
            leads_to=tuple(dict.fromkeys(
                Step(anchor_of(link["operationId"]), self.labels[link["operationId"]]) for link in links
            )),
        )

    @staticmethod
    def _access(operation: dict) -> str:
        security = operation.get("security")
        if security == []:
            return "public"
        if security and {"calendarToken": []} in security:
            return "calendar"
        return "bearer"

    def _reply(self, status: str, reply: dict) -> Reply:
        if "$ref" in reply:
            reply = self.described["components"]["responses"][reply["$ref"].rsplit("/", 1)[1]]
            return Reply(status, prose(reply["description"]), "problem")
        if "content" not in reply:
            return Reply(status, prose(reply["description"]), "no body")
        (media, content), = reply["content"].items()
        schema = content["schema"]
        if media != "application/json":
            return Reply(status, prose(reply["description"]), media)
        if "items" in schema.get("properties", {}):
            return Reply(status, prose(reply["description"]), f"list of {self._name(schema['properties']['items']['items'])}")
        return Reply(status, prose(reply["description"]), self._name(schema) or schema.get("description", "object"))

    def _resolved(self, schema: dict) -> dict | None:
        """The component a property refers to (directly, or as `anyOf` it or null)."""
        refs = [schema] + schema.get("anyOf", [])
        for candidate in refs:
            if "$ref" in candidate:
                return self.components[candidate["$ref"].rsplit("/", 1)[1]]
        return None

    def _name(self, schema: dict) -> str | None:
        for candidate in [schema] + schema.get("anyOf", []):
            if "$ref" in candidate:
                return candidate["$ref"].rsplit("/", 1)[1]
        return None

    def _kind(self, schema: dict) -> str:
        if self._name(schema):
            nullable = any(c.get("type") == "null" for c in schema.get("anyOf", []))
            return "object or null" if nullable else "object"
        kinds = schema.get("type", "any")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        words = []
        for kind in kinds:
            if kind == "array":
                kind = f"array of {self._kind(schema.get('items', {}))}s"
            elif kind == "string" and "format" in schema:
                kind = f"string ({schema['format']})"
            words.append(kind)
        return " or ".join(words)

    @staticmethod
    def _rules(schema: dict) -> tuple[str, ...]:
        rules = []
        if "enum" in schema:
            rules.append("one of: " + ", ".join(str(v) for v in schema["enum"] if v is not None))
        rules += _bounds(schema, "minLength", "maxLength", "characters")
        if "minimum" in schema or "maximum" in schema:
            rules.append(f"from {schema.get('minimum', '…')} to {schema.get('maximum', '…')}")
        rules += _bounds(schema, "minItems", "maxItems", "items")
        if "pattern" in schema and "description" not in schema:
            rules.append(f"matches {schema['pattern']}")
        if schema.get("default") not in (None, [], ""):
            rules.append(f"default {schema['default']}")
        if schema.get("writeOnly"):
            rules.append("never shown again")
        return tuple(rules)

    def _fields(self, schema: dict, prefix: str = "", depth: int = 0):
        component = self._resolved(schema) or schema
        required = set(component.get("required", ()))
        for name, field in component.get("properties", {}).items():
            items = field.get("items", {})
            each = tuple(f"each {rule}" for rule in self._rules(items))
            yield Field(prefix + name, self._kind(field), name in required, self._rules(field) + each,
                        prose(field.get("description", "")))
            if depth >= NESTING_LIMIT:
                continue
            if self._resolved(field):
                yield from self._fields(field, f"{prefix}{name}.", depth + 1)
            elif self._resolved(items):
                yield from self._fields(items, f"{prefix}{name}[].", depth + 1)


def _bounds(schema: dict, least: str, most: str, unit: str) -> list[str]:
    low, high = schema.get(least, 0), schema.get(most)
    if high is None:
        return [f"at least {low} {unit}"] if low else []
    return [f"{low} to {high} {unit}"] if low else [f"at most {high} {unit}"]


@blueprint.get("/api-reference")
def reference():
    described = current_description()
    return render_template(
        "api_reference.html",
        introduction=paragraphs(described["info"]["description"]),
        openapi_version=described["openapi"],
        sections=Reference(described).sections(),
    )
