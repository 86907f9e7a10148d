"""The web layer: the Flask app (JSON API and pages) and the `accord` command."""

import os
import secrets

from flask import Flask
from flask import g
from flask import request
from marshmallow import ValidationError
from peewee import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from mediation.checkpoints import MissingSigningKey
from mediation.clock import SystemClock
from mediation.db import configured_url
from mediation.db import database
from mediation.db import open_database
from mediation.db import release_connection
from mediation.errors import DomainError
from outreach import install as install_outreach
from outreach.config import configured_base_url
from web import problems
from web.schemas import MAX_ID
from web.ui import PAGE_CONFIG

MAX_BODY_BYTES = 1024 * 1024


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` may set DATABASE_URL, CLOCK, SECRET_KEY, MAX_CONTENT_LENGTH,
    BASE_URL (where absolute links lead; else the request's own, which a proxy's Host
    header decides), and
    the limits EXPENSIVE_SLOTS, EXPENSIVE_PER_PERSON (web.limits) and BOARD_SECONDS (web.boards)."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=configured_url(),
        SECRET_KEY=os.environ.get("ACCORD_SECRET_KEY") or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        CLOCK=SystemClock(),
        SESSION_COOKIE_SECURE=os.environ.get("ACCORD_SECURE_COOKIES") == "1",
        BASE_URL=configured_base_url(),
        **PAGE_CONFIG,
    )
    app.config.update(config or {})
    app.json.sort_keys = False
    app.url_map.converters["int"] = StoredId
    open_database(app.config["DATABASE_URL"])
    install_outreach()
    _connect_per_request(app)
    _never_store_signed_in_answers(app)
    _register_problem_handlers(app)

    from web import api
    from web import boards
    from web import limits
    from web import logs
    from web import ui

    logs.install(app)
    boards.register(app)
    api.register(app)
    ui.register(app)
    limits.register(app)
    return app


def _up_to(limit: int) -> str:
    """A regex for the decimal numbers 1 to `limit` in ASCII digits, without leading zeros."""
    digits = str(limit)
    alternatives = [f"[1-9][0-9]{{0,{len(digits) - 2}}}", digits]
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            alternatives.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}][0-9]{{{len(digits) - position - 1}}}")
    return "|".join(alternatives)


class StoredId(IntegerConverter):
    """Ids in paths: an integer a database column can hold, otherwise no route (404). The
    range is in the pattern, not only checked after matching: a path that matches and is
    then refused reports the methods of its other rules, 405 instead of 404."""

    regex = _up_to(MAX_ID)

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, **kwargs)


def _connect_per_request(app: Flask) -> None:
    """Each request takes this thread's SQLite connection, or one from the PostgreSQL pool,
    and leaves it without a transaction open (see `mediation.db.release_connection`)."""

    @app.before_request
    def connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def release(_error):
        release_connection()


def _never_store_signed_in_answers(app: Flask) -> None:
    """What a signed-in person is shown is theirs alone: no browser or proxy cache keeps it
    for the next person at the same machine or behind the same proxy."""

    @app.after_request
    def no_store(response):
        if g.get("actor") or g.get("viewer") or g.get("calendar_actor"):
            response.headers["Cache-Control"] = "no-store"
        return response


def _register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(problems.ApiProblem, problems.from_api_problem)
    app.register_error_handler(ValidationError, problems.from_validation)
    app.register_error_handler(DomainError, problems.from_domain)

    @app.errorhandler(MissingSigningKey)
    def no_signing_key(error):
        return problems.problem(503, "no-signing-key", "Not configured yet", str(error))

    @app.errorhandler(IntegrityError)
    def integrity(_error):
        return problems.problem(
            409, "conflict", "Conflict",
            "the change clashes with a concurrent change; read the object again and retry",
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if request.path.startswith("/api/"):
            return problems.from_http(error)
        from web.ui import error_pages

        return error_pages.for_http(error)
