"""The database connection and write transactions, for SQLite and PostgreSQL alike.

SQLite runs in WAL mode with foreign keys and a busy timeout, and every write
transaction begins IMMEDIATE, so a read-then-write takes the write lock up front and
never fails half-way with "database is locked".

Connections are kept: on SQLite each thread keeps its own (its pragmas set once, its
statements prepared once), on PostgreSQL a process keeps a pool of at most
ACCORD_DB_POOL_SIZE. A forked child process never touches its parent's connections.
"""

import os
import select
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

from peewee import AutoField
from peewee import CharField
from peewee import DatabaseProxy
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import PostgresqlDatabase
from peewee import SqliteDatabase
from peewee import TextField
from playhouse.db_url import parse as parse_url
from playhouse.pool import PooledDatabase
from playhouse.pool import PooledPostgresqlDatabase

database = DatabaseProxy()

DEFAULT_URL = "sqlite:///accord.sqlite3"
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 30_000,
    "synchronous": "normal",
}
DEFAULT_POOL_SIZE = 8  # the threads of `accord serve`; a gunicorn sync worker uses one
POOL_WAIT_SECONDS = 30  # for a free connection when every one is in use, as SQLite's busy timeout

_opened: dict = {}  # how the database behind the proxy was opened, to open it again after a fork
_inherited: list = []  # a parent's databases in a forked child: never used, never closed


def configured_url() -> str:
    """The URL from ACCORD_DATABASE_URL, or a SQLite file in the working directory."""
    return os.environ.get("ACCORD_DATABASE_URL") or DEFAULT_URL


def configured_pool_size() -> int:
    """ACCORD_DB_POOL_SIZE: the most PostgreSQL connections one process keeps (default 8)."""
    text = os.environ.get("ACCORD_DB_POOL_SIZE", "").strip()
    if not text:
        return DEFAULT_POOL_SIZE
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"ACCORD_DB_POOL_SIZE must be a whole number of connections, at least 1, not '{text}'")
    return int(text)


class PostgresPool(PooledPostgresqlDatabase):
    """PostgreSQL connections kept between requests, up to `max_connections`.

    A connection goes back to the pool rolled back if it was left in a transaction, and is
    thrown away if it broke. One taken from the pool is checked without a round trip: a
    healthy idle connection has nothing to read, while one whose server went away (a
    restart, a terminated backend) has its last message or end of file waiting. Only then
    is it asked `SELECT 1`, and replaced by a new connection if that fails.
    """

    def _is_closed(self, conn) -> bool:
        if conn.closed or self._adapter.txn_status(conn) != self._adapter.txn_idle:
            return super()._is_closed(conn)
        waiting = select.poll()
        waiting.register(conn.fileno(), select.POLLIN)
        return bool(waiting.poll(0)) and super()._is_closed(conn)


def _build(url: str, pool_size: int):
    scheme = urlparse(url).scheme
    if scheme.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=30)
    if scheme in ("postgres", "postgresql"):
        params = parse_url(url)
        if not params.get("database"):
            raise ValueError("the PostgreSQL URL names no database: use postgresql://user@host:5432/db")
        return PostgresPool(**params, prefer_psycopg3=True, max_connections=pool_size, timeout=POOL_WAIT_SECONDS)
    raise ValueError(
        f"unsupported database URL scheme '{scheme}': use sqlite:///path or postgresql://..."
    )


def open_database(url: str | None = None, pool_size: int | None = None):
    """Point the shared proxy at the database named by `url` and return it. The database it
    pointed at before closes its idle connections (this thread's, or its pool's)."""
    url = url or configured_url()
    pool_size = pool_size or configured_pool_size()
    db = _build(url, pool_size)
    _let_go(database.obj)
    database.initialize(db)
    _opened.update(url=url, pool_size=pool_size)
    return db


def _let_go(db) -> None:
    if db is None:
        return
    if not db.is_closed() and not db.in_transaction():
        db.close()
    if isinstance(db, PooledDatabase):
        db.close_idle()


def release_connection() -> None:
    """The end of a request: nothing it left open reaches the next one. A transaction left
    open (by a bug, or an exception no `atomic` block saw) is rolled back; then this
    thread's SQLite connection stays open for its next request, a PostgreSQL one goes back
    to the pool. A connection that cannot even roll back is closed for good."""
    db = database.obj
    if db is None or db.is_closed():
        return
    try:
        if db.in_transaction() or _driver_in_transaction(db):
            db.rollback()
    except Exception:
        _forget_transactions(db)
        if isinstance(db, PooledDatabase):
            db.manual_close()
        else:
            db.close()
        return
    _forget_transactions(db)
    if isinstance(db, PooledDatabase):
        db.close()


def _driver_in_transaction(db) -> bool:
    conn = db.connection()
    if isinstance(db, SqliteDatabase):
        return conn.in_transaction
    # Idle is the usual; unknown is a broken connection, which the pool throws away.
    return db._adapter.txn_status(conn) not in (db._adapter.txn_idle, db._adapter.txn_unknown)


def _forget_transactions(db) -> None:
    while db.in_transaction():
        db.pop_transaction()


def _forget_parent_connections() -> None:
    """In a child process just forked: its parent's connections are sockets and files the
    parent goes on using. The child opens its own, and keeps the parent's database object
    unused and unclosed (closing a PostgreSQL connection would end the parent's session)."""
    if database.obj is None or not _opened:
        return
    _inherited.append(database.obj)
    database.initialize(_build(_opened["url"], _opened["pool_size"]))


os.register_at_fork(after_in_child=_forget_parent_connections)


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def portable(sql: str) -> str:
    """Hand-written SQL with `?` placeholders, in the placeholder style of the database.

    Used on the hottest paths only, where building a statement with peewee costs several
    times more than the database takes to run it: the write path (the ledger append,
    loading, checking and updating a dispute under change) and what every API call reads
    (its token with its person and organization) or the disputes list reads. Everything
    else uses peewee queries.
    """
    return sql.replace("?", "%s") if is_postgres() else sql


def columns(model, alias: str) -> str:
    """Every column of `model`, in field order, for hand-written SQL that reads whole rows
    (see `loaded`)."""
    return ", ".join(f'{alias}."{field.column_name}"' for field in model._meta.sorted_fields)


def loaded(model, values):
    """The `model` instance of a row read with `columns`, its values converted as peewee
    converts those it reads itself. Its data is filled in at once rather than one field
    at a time through the model's attributes, and only the values the driver does not
    already hand back as peewee would make them (moments, flags) are converted: a list of
    disputes took longer to build field by field than to read."""
    instance = model(__no_default__=1)
    names, readers = _readers(model)
    data = dict(zip(names, values))
    for name, read in readers:
        data[name] = read(data[name])
    instance.__data__ = data
    return instance


# Column types whose values both drivers hand back as the int or str peewee makes of them.
_AS_READ = (AutoField, IntegerField, CharField, TextField)


@cache
def _readers(model) -> tuple[tuple, tuple]:
    """Every field's name, and the (name, conversion) of the fields that need one."""
    fields = model._meta.sorted_fields
    needing = []
    for field in fields:
        stored = field.rel_field if isinstance(field, ForeignKeyField) else field
        if not isinstance(stored, _AS_READ):
            needing.append((field.name, field.python_value))
    return tuple(field.name for field in fields), tuple(needing)


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
