"""The page a person gets when a request for a page fails: what happened, in plain words,
and what they can do next, in the site's layout; never a trace of the server's insides.
Under /api/ the same failures are problem details (web.problems)."""

from flask import current_app
from flask import g
from flask import render_template
from werkzeug.exceptions import HTTPException

# The words of the failures that come from the HTTP layer itself (no route, no such
# method, a body over the limit, an unexpected exception); a refusal with a reason of its
# own (web.ui.session) brings its own words.
HTTP_FAILURES = {
    403: ("Not allowed", "You may not see or do this."),
    404: ("Page not found", "There is no page at this address, or none that you may see."),
    405: ("This address does not work that way",
          "The page was asked for in a way it does not answer, as when the address of a form is opened "
          "as a link."),
    413: ("Too large to send", "What you sent is larger than the limit of {size}, so none of it was kept."),
    500: ("Something went wrong", "Accord could not finish what you asked for, because of a fault on its "
                                  "side, not yours. The fault is recorded for its administrators."),
}


def render_error(status: int, title: str, detail: str):
    """(page, status): the error page, with the next steps that suit `status`."""
    now = current_app.config["CLOCK"].now()
    return render_template("error.html", status=status, title=title, detail=detail, now=now), status


def for_http(error: HTTPException):
    """(page, status, headers) of a failure werkzeug or Flask raised: words of its own for
    the common ones, never the exception's text; a 405 still names the methods that work
    (Allow). Flask hands an unexpected exception here as a 500 once it has logged it; if
    the page fails too (the database may be what failed), it is shown without the
    signed-in person, whose navigation needs the database."""
    status = error.code or 500
    title, detail = HTTP_FAILURES.get(status, (error.name, error.description or error.name))
    if status == 413:
        detail = detail.format(size=_size(current_app.config["MAX_CONTENT_LENGTH"]))
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
    try:
        return (*render_error(status, title, detail), headers)
    except Exception:
        if status != 500:
            raise
        current_app.logger.exception("the error page failed; it is shown without the signed-in person")
        g.viewer = None
        return (*render_error(status, title, detail), headers)


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MiB" if limit % 2**10 == 0 else f"{limit} bytes"
