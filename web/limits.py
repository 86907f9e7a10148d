"""Limits on what one request may cost the server.

A body is read up to the app's limit (MAX_CONTENT_LENGTH) and refused with 413 beyond it,
chunked ones without a Content-Length included.

Expensive requests (calendar feeds, exports, verifying the whole chain) run a few at a
time: at most EXPENSIVE_SLOTS at once in a server process, at most EXPENSIVE_PER_PERSON of
them for one person. Any more are refused at once with Retry-After (429 for the person,
503 for the server) rather than queued, so that they never hold every thread while cheap
requests wait behind them.
"""

import io
import threading
from collections import Counter
from contextlib import contextmanager
from functools import wraps

from flask import Flask
from flask import current_app
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from web import problems

EXPENSIVE_SLOTS = 4
EXPENSIVE_PER_PERSON = 2
RETRY_AFTER_SECONDS = 5


class Busy(Exception):
    """Refused before any work was done: 429 when the person already runs enough, 503 when
    the server does."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class Gate:
    """Counts the expensive requests running in this process, in total and per person."""

    def __init__(self, slots: int, per_person: int):
        self.slots, self.per_person = slots, per_person
        self._lock = threading.Lock()
        self._running = Counter()

    def enter(self, person_id: int) -> None:
        with self._lock:
            if self._running[person_id] >= self.per_person:
                raise Busy(429)
            if self._running.total() >= self.slots:
                raise Busy(503)
            self._running[person_id] += 1

    def leave(self, person_id: int) -> None:
        with self._lock:
            self._running[person_id] -= 1
            if not self._running[person_id]:
                del self._running[person_id]


def _gate() -> Gate:
    return current_app.extensions["accord_gate"]


@contextmanager
def admitted(person_id: int):
    """Do expensive work for `person_id` inside, or raise Busy without starting it."""
    gate = _gate()
    gate.enter(person_id)
    try:
        yield
    finally:
        gate.leave(person_id)


class _Slot:
    """One admitted request's place in the gate, given back once."""

    def __init__(self, gate: Gate, person_id: int):
        self.gate, self.person_id, self.held = gate, person_id, True
        gate.enter(person_id)

    def release(self) -> None:
        if self.held:
            self.held = False
            self.gate.leave(self.person_id)


def _until_sent(chunks, slot: _Slot):
    """`chunks`, giving the slot back after the last one or when closed; started at once by
    the caller, so that closing it even before its first chunk gives the slot back."""
    try:
        yield
        yield from chunks
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
        slot.release()


def expensive(caller):
    """A view that runs as an expensive request of `caller()` (who must be known first, so
    an anonymous request is refused as such). A streamed answer (an export) holds its slot
    until its last chunk is sent or the client went away."""

    def decorate(view):
        @wraps(view)
        def limited(*args, **kwargs):
            slot = _Slot(_gate(), caller().person_id)
            try:
                response = current_app.make_response(view(*args, **kwargs))
            except BaseException:
                slot.release()
                raise
            if not response.is_streamed:
                slot.release()
                return response
            response.response = _until_sent(response.response, slot)
            next(response.response)
            return response

        return limited

    return decorate


def _refused(error: Busy):
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if error.status == 429:
        title, detail = "Too many requests", "you already have expensive requests running; retry when they are done"
    else:
        title, detail = "Busy", "the server is running as many expensive requests as it takes; retry shortly"
    if request.path.startswith("/api/"):
        slug = "too-many-requests" if error.status == 429 else "busy"
        return problems.problem(error.status, slug, title, detail, headers=headers)
    from web.ui.error_pages import render_error

    body, status = render_error(error.status, title, detail[0].upper() + detail[1:] + ".")
    return body, status, headers


def _whole_body_within_limit() -> None:
    """werkzeug stops reading a body without Content-Length at the limit and hands on what
    it read as if that were all of it: read one byte more, and refuse the body if it came."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not chunked or not request.environ.get("wsgi.input_terminated"):
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    body = request.environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    request.environ["wsgi.input"] = io.BytesIO(body)


def register(app: Flask) -> None:
    """Registered after the API, whose callers are authenticated before their body is read."""
    app.config.setdefault("EXPENSIVE_SLOTS", EXPENSIVE_SLOTS)
    app.config.setdefault("EXPENSIVE_PER_PERSON", EXPENSIVE_PER_PERSON)
    app.extensions["accord_gate"] = Gate(app.config["EXPENSIVE_SLOTS"], app.config["EXPENSIVE_PER_PERSON"])
    app.register_error_handler(Busy, _refused)
    app.before_request(_whole_body_within_limit)
