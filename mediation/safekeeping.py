"""Backups and health checks of the database, for the operator's `accord db` commands."""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peewee import DatabaseError

from mediation import ledger
from mediation.db import database
from mediation.db import is_postgres

BACKUP_PAGES_PER_STEP = 1024


class BackupRefused(Exception):
    """A backup this command cannot make (PostgreSQL, or a target that already exists)."""


def backup_sqlite(target: Path, progress: Callable[[int, int], None] = lambda copied, total: None) -> None:
    """Copy the served SQLite database to `target` with SQLite's online backup API.

    The copy is consistent even while other processes write: the backup restarts a step
    whenever the source changes under it, and it only takes short read locks.
    """
    if is_postgres():
        raise BackupRefused(
            "this database is PostgreSQL: back it up with pg_dump (for example "
            "'pg_dump --format=custom --file=accord.dump DATABASE_URL') and restore it with pg_restore"
        )
    if target.exists():
        raise BackupRefused(f"{target} already exists: choose a new file, a backup never overwrites one")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database.obj.database)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy, pages=BACKUP_PAGES_PER_STEP,
                          progress=lambda status, remaining, total: progress(total - remaining, total))
        finally:
            copy.close()
    finally:
        source.close()


@dataclass(frozen=True)
class Health:
    problems: list[str]
    events_verified: int
    head: ledger.Digest | None
    integrity_checked: bool

    @property
    def ok(self) -> bool:
        return not self.problems


def check() -> Health:
    """SQLite's own integrity check (where it applies) and the whole ledger's verification."""
    problems = []
    try:
        if not is_postgres():
            rows = [row[0] for row in database.execute_sql("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                problems.extend(f"SQLite integrity check: {row}" for row in rows)
        verification = ledger.verify()
    except DatabaseError as error:
        return Health([*problems, f"the database could not be read: {error}"], 0, None, not is_postgres())
    if not verification.ok:
        problems.append(
            f"audit ledger: {verification.where}: {verification.problem}"
        )
    return Health(problems, verification.checked, verification.head, not is_postgres())
