"""Schema versions, applied in order by `accord init`; running it again changes nothing.

Each package that owns tables keeps its own numbered plan (the `component`), so a
package never has to import the ones that depend on it. A migration is a function of
its own and is never edited once released: later changes to the models get a new
migration (playhouse.migrate for columns).
"""

from collections.abc import Callable
from dataclasses import dataclass

from peewee import CharField
from peewee import CompositeKey
from peewee import IntegerField
from peewee import TextField
from peewee import fn

from mediation.credentials import ApiToken
from mediation.db import BaseModel
from mediation.db import database
from mediation.db import write_transaction
from mediation.disputes import DISPUTE_MODELS
from mediation.fields import UTCDateTimeField
from mediation.ledger import AuditEvent
from mediation.parties import Account
from mediation.parties import AccountManager
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from mediation.sessions import SESSION_MODELS


class SchemaVersion(BaseModel):
    component = CharField(max_length=32)
    version = IntegerField()
    description = TextField()
    applied_at = UTCDateTimeField()

    class Meta:
        primary_key = CompositeKey("component", "version")


@dataclass(frozen=True)
class Plan:
    """The ordered migrations of one component."""

    component: str
    steps: tuple[tuple[int, str, Callable[[], None]], ...]


def _initial_schema() -> None:
    database.create_tables(
        [Organization, Person, ApiToken, Account, AccountManager, Project, *DISPUTE_MODELS, AuditEvent]
    )


def _web_sessions() -> None:
    database.create_tables(SESSION_MODELS)


MEDIATION = Plan(
    "mediation",
    (
        (1, "organizations, people, tokens, accounts, projects, disputes, audit ledger", _initial_schema),
        (2, "browser sessions and the access log", _web_sessions),
    ),
)


def current_version(component: str = "mediation") -> int:
    if not SchemaVersion.table_exists():
        return 0
    query = SchemaVersion.select(fn.MAX(SchemaVersion.version)).where(SchemaVersion.component == component)
    return query.scalar() or 0


def migrate(clock, progress: Callable[[str], None] = lambda message: None, plans=(MEDIATION,)) -> list[str]:
    """Apply every pending migration of `plans` in order, each in its own transaction.

    Returns the migrations applied, as 'component/version'.
    """
    database.create_tables([SchemaVersion])
    applied = []
    for plan in plans:
        for version, description, apply in plan.steps:
            if version <= current_version(plan.component):
                continue
            with write_transaction():
                apply()
                SchemaVersion.create(component=plan.component, version=version,
                                     description=description, applied_at=clock.now())
            progress(f"applied migration {plan.component}/{version}: {description}")
            applied.append(f"{plan.component}/{version}")
    return applied
