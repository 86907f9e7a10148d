"""Single-use links to set a password: invitations and password resets."""

from mediation.schema import run_ddl

DESCRIPTION = "invitations and password resets"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "password_link" ("id" {serial} NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "purpose" VARCHAR(16) NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "created_at" {moment} NOT NULL, "expires_at" {moment} NOT NULL, "used_at" {moment}, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "password_link_token_hash" ON "password_link" ("token_hash")',
    'CREATE INDEX IF NOT EXISTS "password_link_person_id" ON "password_link" ("person_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
