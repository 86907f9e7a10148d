"""Every event becomes a leaf of one Merkle tree: its leaf index, given when the
integrator adds it, the tree's complete subtrees, so that a proof reads a few rows, and
the signed checkpoints of the tree."""

from mediation.schema import run_ddl

DESCRIPTION = "a Merkle tree over the ledger's events, its stored subtrees and its signed checkpoints"

STATEMENTS = (
    'ALTER TABLE "audit_event" ADD COLUMN "leaf_index" INTEGER',
    'CREATE UNIQUE INDEX IF NOT EXISTS "audit_event_leaf_index" ON "audit_event" ("leaf_index")',
    # The integrator's queue: the events without a leaf yet, found without reading the rest.
    'CREATE INDEX IF NOT EXISTS "audit_event_unintegrated" ON "audit_event" ("sequence") WHERE "leaf_index" IS NULL',
    'CREATE TABLE IF NOT EXISTS "tree_node" ("level" INTEGER NOT NULL, "position" INTEGER NOT NULL,'
    ' "hash" VARCHAR(64) NOT NULL, PRIMARY KEY ("level", "position"))',
    'CREATE TABLE IF NOT EXISTS "checkpoint" ("id" {serial} NOT NULL PRIMARY KEY, "size" INTEGER NOT NULL,'
    ' "root" VARCHAR(64) NOT NULL, "note" TEXT NOT NULL, "created_at" {moment} NOT NULL)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "checkpoint_size" ON "checkpoint" ("size")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
