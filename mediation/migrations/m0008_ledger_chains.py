"""Two hash chains per account (the shared one and the supplier's internal one), and one
for the installation's events of no account, instead of one chain through every
customer's events.

Each event gets its chain and its position in it, and is hashed again with the previous
event of its own chain. What an event was hashed as before (its global sequence, previous
hash and hash) is kept in `legacy_*` columns and still verified, so every digest taken
before the upgrade still verifies. The Merkle tree committed to the old hashes, so it is
built again by the integrator over the new ones: its checkpoints named hashes that no
event carries any more.

The event hash and the chains' names are the ledger's own, fixed for good since every
stored hash depends on them. The account of each subject is read from the tables as they
were then (protocols are a later component's, present whenever there are events).
"""

import json

from mediation.db import database
from mediation.db import execute
from mediation.db import is_postgres
from mediation.ledger import GENESIS_HASH
from mediation.ledger import chain_name
from mediation.ledger import event_hash
from mediation.ledger import is_internal
from mediation.fields import UTCDateTimeField
from mediation.schema import run_ddl

DESCRIPTION = "a hash chain per account and one for the installation; the old single chain kept verifiable"

COLUMNS = (
    'ALTER TABLE "audit_event" ADD COLUMN "chain" VARCHAR(40)',
    'ALTER TABLE "audit_event" ADD COLUMN "chain_sequence" INTEGER',
    'ALTER TABLE "audit_event" ADD COLUMN "legacy_prev_hash" VARCHAR(64)',
    'ALTER TABLE "audit_event" ADD COLUMN "legacy_hash" VARCHAR(64)',
)
INDEXES = (
    'CREATE UNIQUE INDEX IF NOT EXISTS "audit_event_chain_position" ON "audit_event" ("chain", "chain_sequence")',
    'CREATE INDEX IF NOT EXISTS "audit_event_subject_chain" ON "audit_event" ("subject_type", "subject_id", "chain_sequence")',
)
BATCH = 2_000
_FIELDS = ("id", "sequence", "occurred_at", "actor_person_id", "actor_organization_id", "actor_role", "subject_type",
           "subject_id", "kind", "from_state", "to_state", "payload", "prev_hash", "hash")


def apply() -> None:
    run_ddl(COLUMNS)
    _rechain()
    run_ddl(INDEXES)
    database.execute_sql('UPDATE "audit_event" SET "leaf_index" = NULL')
    database.execute_sql('DELETE FROM "tree_node"')
    database.execute_sql('DELETE FROM "checkpoint"')
    if is_postgres():
        # Global positions are handed out without a lock: writers to two accounts never wait.
        database.execute_sql('CREATE SEQUENCE IF NOT EXISTS "audit_event_positions"')
        database.execute_sql('SELECT setval(\'"audit_event_positions"\', COALESCE(MAX("sequence"), 0) + 1, false)'
                             ' FROM "audit_event"')


def _accounts() -> dict[tuple[str, int], int]:
    """The account of every subject that has one."""
    queries = {
        "account": 'SELECT "id", "id" FROM "account"',
        "dispute": 'SELECT "id", "account_id" FROM "dispute"',
        "project": 'SELECT "id", "account_id" FROM "project"',
    }
    if database.table_exists("protocol"):
        queries["protocol"] = ('SELECT pr."id", p."account_id" FROM "protocol" AS pr'
                               ' JOIN "project" AS p ON p."id" = pr."project_id"')
    return {(kind, ident): account for kind, sql in queries.items() for ident, account in execute(sql)}


def _rechain() -> None:
    moment = UTCDateTimeField()
    accounts = _accounts()
    heads: dict[str, tuple[int, str]] = {}
    after = 0
    columns = ", ".join(f'"{name}"' for name in _FIELDS)
    while True:
        rows = execute(f'SELECT {columns} FROM "audit_event" WHERE "sequence" > ? ORDER BY "sequence" LIMIT ?',
                       (after, BATCH)).fetchall()
        if not rows:
            return
        updates = []
        for row in rows:
            event = dict(zip(_FIELDS, row))
            internal = is_internal(json.loads(event["payload"]))
            chain = chain_name(accounts.get((event["subject_type"], event["subject_id"])), internal)
            position, prev_hash = heads.get(chain, (0, GENESIS_HASH))
            new_hash = event_hash(
                chain=chain, chain_sequence=position + 1, occurred_at=moment.python_value(event["occurred_at"]),
                actor_person_id=event["actor_person_id"], actor_organization_id=event["actor_organization_id"],
                actor_role=event["actor_role"], subject_type=event["subject_type"], subject_id=event["subject_id"],
                kind=event["kind"], from_state=event["from_state"], to_state=event["to_state"],
                payload=event["payload"], prev_hash=prev_hash,
            )
            heads[chain] = (position + 1, new_hash)
            updates.append((chain, position + 1, prev_hash, new_hash, event["prev_hash"], event["hash"], event["id"]))
        database.cursor().executemany(
            ('UPDATE "audit_event" SET "chain" = ?, "chain_sequence" = ?, "prev_hash" = ?, "hash" = ?,'
             ' "legacy_prev_hash" = ?, "legacy_hash" = ? WHERE "id" = ?').replace("?", "%s" if is_postgres() else "?"),
            updates,
        )
        after = rows[-1][1]
