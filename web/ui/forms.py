"""HTML forms read through the API's own marshmallow schemas.

A form sends every value as text; the API's schemas are strict about types. The form's
values are shaped by the schema's own field types first (numbers, lists, check boxes),
so one schema decides what is valid for both the API and the pages.
"""

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields

from web.schemas import MAX_ID

REQUIRED = "Missing data for required field."
CHECKED = ("on", "true", "1", "yes")


def number(text: str):
    """An integer from a form's text, or the text itself for the schema to refuse."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return text


def _shaped(field: fields.Field, values: list[str]):
    """The JSON-like value of one field from its form values; None when nothing was given."""
    if isinstance(field, fields.List):
        items = [v for v in (value.strip() for value in values) if v]
        if isinstance(field.inner, fields.Integer):
            return [number(item) for item in items]
        return items
    if isinstance(field, fields.Boolean):
        return bool(values) and values[-1].lower() in CHECKED
    text = values[-1] if values else ""
    if not text.strip():
        return None
    if isinstance(field, fields.Integer):
        return number(text.strip())
    return text


def shape(schema: Schema, form) -> dict:
    """The form's values for the schema's fields, typed as the API would receive them."""
    data = {}
    for name, field in schema.fields.items():
        if field.dump_only or isinstance(field, fields.Nested):
            continue
        value = _shaped(field, form.getlist(name))
        if value is None:
            if field.allow_none and name in form:
                data[name] = None
            continue
        data[name] = value
    return data


def _readable(messages):
    if isinstance(messages, dict):
        return {key: _readable(value) for key, value in messages.items()}
    return ["This field is required." if m == REQUIRED else m for m in messages]


def load(schema: Schema, form, **extra) -> tuple[dict | None, dict]:
    """(data, {}) when the form is valid for `schema`, else (None, errors by field)."""
    try:
        return schema.load({**shape(schema, form), **extra}), {}
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return None, _readable(messages)



def sorting(args, sorts) -> dict:
    """The `sort` and `order` of a list from the query, when `sort` is one of `sorts`; an
    unknown one is left out, and the list keeps its own order."""
    if args.get("sort") not in sorts:
        return {}
    return {"sort": args["sort"], "order": "desc" if args.get("order") == "desc" else "asc"}


def cursor(args, name: str = "after") -> int | None:
    """The id a list continues after, from the query; None for the first page or nonsense."""
    value = args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID else None
