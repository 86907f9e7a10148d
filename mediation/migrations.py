"""Schema versions, applied in order by `accord init`; running it again changes nothing.

Each migration is a function of its own and is never edited once released: later
changes to the models get a new migration (playhouse.migrate for columns).
"""

from collections.abc import Callable

from peewee import IntegerField
from peewee import TextField

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


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    description = TextField()
    applied_at = UTCDateTimeField()


def _initial_schema() -> None:
    database.create_tables(
        [Organization, Person, ApiToken, Account, AccountManager, Project, *DISPUTE_MODELS, AuditEvent]
    )


MIGRATIONS: list[tuple[int, str, Callable[[], None]]] = [
    (1, "organizations, people, tokens, accounts, projects, disputes, audit ledger", _initial_schema),
]


def current_version() -> int:
    if not SchemaVersion.table_exists():
        return 0
    return SchemaVersion.select(SchemaVersion.version).order_by(SchemaVersion.version.desc()).scalar() or 0


def migrate(clock, progress: Callable[[str], None] = lambda message: None) -> list[int]:
    """Apply every pending migration, each in its own transaction; return those applied."""
    database.create_tables([SchemaVersion])
    applied = []
    for version, description, apply in MIGRATIONS:
        if version <= current_version():
            continue
        with write_transaction():
            apply()
            SchemaVersion.create(version=version, description=description, applied_at=clock.now())
        progress(f"applied migration {version}: {description}")
        applied.append(version)
    return applied
