"""The database connection and write transactions, for SQLite and PostgreSQL alike.

SQLite runs in WAL mode with foreign keys and a busy timeout, and every write
transaction begins IMMEDIATE, so a read-then-write takes the write lock up front and
never fails half-way with "database is locked".
"""

import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from peewee import DatabaseProxy
from peewee import Model
from peewee import PostgresqlDatabase
from peewee import SqliteDatabase
from playhouse.db_url import connect as connect_url

database = DatabaseProxy()

DEFAULT_URL = "sqlite:///accord.sqlite3"
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 30_000,
    "synchronous": "normal",
}


def configured_url() -> str:
    """The URL from ACCORD_DATABASE_URL, or a SQLite file in the working directory."""
    return os.environ.get("ACCORD_DATABASE_URL") or DEFAULT_URL


def open_database(url: str | None = None):
    """Point the shared proxy at the database named by `url` and return it."""
    url = url or configured_url()
    scheme = urlparse(url).scheme
    if scheme.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=30)
    elif scheme in ("postgres", "postgresql"):
        db = connect_url(url, prefer_psycopg3=True)
    else:
        raise ValueError(
            f"unsupported database URL scheme '{scheme}': use sqlite:///path or postgresql://..."
        )
    database.initialize(db)
    return db


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def portable(sql: str) -> str:
    """Hand-written SQL with `?` placeholders, in the placeholder style of the database.

    Used on the hottest write path only (the ledger append, loading, checking and
    updating a dispute under change), where building a statement with peewee costs
    several times more than SQLite takes to run it. Everything else uses peewee queries.
    """
    return sql.replace("?", "%s") if is_postgres() else sql


def execute(sql: str, params=()):
    """Run hand-written SQL (see `portable`)."""
    return database.execute_sql(portable(sql), params)


# A row lock for changing a row's own columns. Unlike FOR UPDATE it lets other
# transactions insert rows that reference it (their foreign key check takes KEY SHARE),
# so a writer holding the ledger's lock never waits on it.
ROW_LOCK = "FOR NO KEY UPDATE"


def locked(query):
    """`query` taking row locks where the database has them.

    SQLite needs none: its IMMEDIATE write transaction already excludes other writers.
    """
    return query.for_update(ROW_LOCK) if is_postgres() else query


@contextmanager
def write_transaction():
    """One atomic write: commits on success, rolls back on any exception."""
    if isinstance(database.obj, SqliteDatabase):
        with database.atomic("IMMEDIATE"):
            yield
    else:
        with database.atomic():
            yield


class BaseModel(Model):
    """Every table lives in the database behind the shared proxy."""

    class Meta:
        database = database
        legacy_table_names = False
