"""A search result as the pages and the API show it: the page of what was found, and its
snippet as HTML, the text escaped and each matching word in <mark>."""

from flask import url_for
from markupsafe import Markup
from markupsafe import escape

from mediation.search import Hit

_PAGES = {"dispute": ("disputes_ui.show_dispute", "dispute_id"),
          "protocol": ("protocols_ui.show_protocol", "protocol_id")}


def page_of(hit: Hit) -> str:
    """The path of the page of the dispute or protocol found."""
    endpoint, parameter = _PAGES[hit.subject_type]
    return url_for(endpoint, **{parameter: hit.subject_id})


def snippet_html(hit: Hit) -> Markup:
    return Markup("").join(Markup("<mark>{}</mark>").format(segment.text) if segment.matched
                           else escape(segment.text) for segment in hit.snippet)


def snippet_text(hit: Hit) -> str:
    return "".join(segment.text for segment in hit.snippet)
