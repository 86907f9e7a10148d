"""Companies as witnesses of the ledger: the key each registered to cosign checkpoints
with, and the cosignatures it sent, one per checkpoint and company."""

from mediation.schema import run_ddl

DESCRIPTION = "the companies' witness keys and their cosignatures of checkpoints"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "witness_key" ("id" {serial} NOT NULL PRIMARY KEY, "organization_id" INTEGER NOT NULL,'
    ' "name" VARCHAR(200) NOT NULL, "verifier_key" TEXT NOT NULL, "public_key" VARCHAR(64) NOT NULL,'
    ' "registered_at" {moment} NOT NULL, "registered_by_id" INTEGER NOT NULL,'
    ' FOREIGN KEY ("organization_id") REFERENCES "organization" ("id") ON DELETE CASCADE,'
    ' FOREIGN KEY ("registered_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "witness_key_organization_id" ON "witness_key" ("organization_id")',
    # A cosignature's signature does not cover its key's name, so one public key must not
    # stand for two companies: either could claim the other's cosignatures.
    'CREATE UNIQUE INDEX IF NOT EXISTS "witness_key_public_key" ON "witness_key" ("public_key")',
    'CREATE TABLE IF NOT EXISTS "cosignature" ("id" {serial} NOT NULL PRIMARY KEY, "checkpoint_id" INTEGER NOT NULL,'
    ' "organization_id" INTEGER NOT NULL, "line" TEXT NOT NULL, "cosigned_at" {moment} NOT NULL,'
    ' "received_at" {moment} NOT NULL,'
    ' FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoint" ("id") ON DELETE CASCADE,'
    ' FOREIGN KEY ("organization_id") REFERENCES "organization" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "cosignature_checkpoint_id_organization_id"'
    ' ON "cosignature" ("checkpoint_id", "organization_id")',
    'CREATE INDEX IF NOT EXISTS "cosignature_organization_id" ON "cosignature" ("organization_id", "checkpoint_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
