"""Marshmallow schemas of a search, in and out."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from mediation.disputes import VISIBILITIES
from mediation.search import MAX_QUERY_LENGTH
from mediation.search import PAGE_SIZE
from mediation.search import WEIGHTS
from web.outreach_schemas import SubjectOut
from web.schemas import QueryInteger

MAX_SEARCH_PAGE = 50


class SearchQuery(Schema):
    q = fields.String(load_default="", validate=validate.Length(
        max=MAX_QUERY_LENGTH, error="must be at most {max} characters: search for a few words"),
        metadata={"description": "words to find; punctuation, quotes and operators are left out, every word "
                                 "must occur in one text"})
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "where the page starts: the `next` of the page before"})
    limit = QueryInteger(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_SEARCH_PAGE))


class SearchHitOut(Schema):
    subject = fields.Nested(SubjectOut, metadata={"description": "the dispute or protocol found"})
    title = fields.String()
    url = fields.String(metadata={"description": "the page of the subject"})
    found_in = fields.String(metadata={"enum": list(WEIGHTS), "description": "where its best match is"})
    visibility = fields.String(metadata={"enum": list(VISIBILITIES)})
    snippet = fields.String(metadata={"description": "a few words around the match; … where words are left out"})
    snippet_html = fields.String(metadata={"description": "the snippet as HTML: its text escaped, each matching "
                                                          "word in <mark>"})
    matches = fields.Integer(metadata={"description": "how many of its texts the caller may read match"})
