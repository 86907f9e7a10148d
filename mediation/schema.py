"""The schema's history: each component's numbered migrations, applied in order by `accord init`.

A component is a package that owns tables (`mediation`, `protocols`), so a package never
imports the ones that build on it. Its migrations are the modules `m0001_...`,
`m0002_...` of its `migrations` package, found by their number; each says what it does
(`DESCRIPTION`) and does it (`apply()`), in explicit DDL or with `playhouse.migrate`,
never from the live models, so that a released migration means the same thing forever.
"""

import importlib
import pkgutil
import re
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from peewee import CharField
from peewee import CompositeKey
from peewee import IntegerField
from peewee import TextField
from peewee import fn

from mediation.db import BaseModel
from mediation.db import database
from mediation.db import is_postgres
from mediation.db import write_transaction
from mediation.fields import UTCDateTimeField

# The column types that differ between the two databases, named in the DDL of migrations.
_TYPES = {
    "sqlite": {"serial": "INTEGER", "moment": "DATETIME", "flag": "INTEGER"},
    "postgresql": {"serial": "SERIAL", "moment": "TIMESTAMP", "flag": "BOOLEAN"},
}

_SCHEMA_VERSION_TABLE = (
    'CREATE TABLE IF NOT EXISTS "schema_version" ("component" VARCHAR(32) NOT NULL, '
    '"version" INTEGER NOT NULL, "description" TEXT NOT NULL, "applied_at" {moment} NOT NULL, '
    'PRIMARY KEY ("component", "version"))'
)

_MODULE_NAME = re.compile(r"m(\d{4})_\w+")


class SchemaVersion(BaseModel):
    component = CharField(max_length=32)
    version = IntegerField()
    description = TextField()
    applied_at = UTCDateTimeField()

    class Meta:
        primary_key = CompositeKey("component", "version")


class SchemaTooNew(Exception):
    """The database was written by a newer release than this one: nothing is changed."""


def run_ddl(statements: Iterable[str]) -> None:
    """Run DDL whose differing column types are named `{serial}`, `{moment}` and `{flag}`."""
    types = _TYPES["postgresql" if is_postgres() else "sqlite"]
    for statement in statements:
        database.execute_sql(statement.format(**types))


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[], None]


@dataclass(frozen=True)
class Plan:
    """One component and the package that holds its migrations."""

    component: str
    package: str

    def migrations(self) -> list[Migration]:
        """Its migrations in order; their numbers run 1, 2, 3... without a gap."""
        found = []
        for module in pkgutil.iter_modules(importlib.import_module(self.package).__path__):
            match = _MODULE_NAME.fullmatch(module.name)
            if match:
                code: ModuleType = importlib.import_module(f"{self.package}.{module.name}")
                found.append(Migration(int(match.group(1)), code.DESCRIPTION, code.apply))
        found.sort(key=lambda migration: migration.version)
        numbers = [migration.version for migration in found]
        if numbers != list(range(1, len(found) + 1)):
            raise RuntimeError(f"the migrations of {self.component} are numbered {numbers}: expected 1 to {len(found)}")
        return found

    def latest(self) -> int:
        return len(self.migrations())


MEDIATION = Plan("mediation", "mediation.migrations")


def current_version(component: str = "mediation") -> int:
    if not SchemaVersion.table_exists():
        return 0
    query = SchemaVersion.select(fn.MAX(SchemaVersion.version)).where(SchemaVersion.component == component)
    return query.scalar() or 0


def pending(plans) -> list[str]:
    """The migrations of `plans` not yet applied, as 'component/version'."""
    return [
        f"{plan.component}/{migration.version}"
        for plan in plans
        for migration in plan.migrations()
        if migration.version > current_version(plan.component)
    ]


def refuse_newer(plans) -> None:
    if not SchemaVersion.table_exists():
        return
    known = {plan.component: plan.latest() for plan in plans}
    applied = dict(
        SchemaVersion.select(SchemaVersion.component, fn.MAX(SchemaVersion.version))
        .group_by(SchemaVersion.component).tuples()
    )
    newer = [
        f"{component} {version} (this release knows {known[component]})" if component in known
        else f"{component} {version} (unknown to this release)"
        for component, version in sorted(applied.items())
        if version > known.get(component, 0)
    ]
    if newer:
        raise SchemaTooNew(
            "this database was written by a newer release of Accord: schema " + ", ".join(newer)
            + ". It was left unchanged; run the release that wrote it, or restore a backup made with this one."
        )


def migrate(clock, progress: Callable[[str], None] = lambda message: None, plans=(MEDIATION,)) -> list[str]:
    """Apply every pending migration of `plans` in order, each in its own transaction.

    Returns the migrations applied, as 'component/version'. Raises SchemaTooNew, before
    changing anything, when the database is ahead of this release.
    """
    refuse_newer(plans)
    with write_transaction():
        run_ddl([_SCHEMA_VERSION_TABLE])
    applied = []
    for plan in plans:
        done = current_version(plan.component)
        for migration in plan.migrations():
            if migration.version <= done:
                continue
            with write_transaction():
                migration.apply()
                SchemaVersion.create(component=plan.component, version=migration.version,
                                     description=migration.description, applied_at=clock.now())
            progress(f"applied migration {plan.component}/{migration.version}: {migration.description}")
            applied.append(f"{plan.component}/{migration.version}")
    return applied
