"""The team of each account: the people of either company who work on it, each with a
function, kept by the administrators of their own company."""

from mediation.schema import run_ddl

DESCRIPTION = "the team of each account on both sides, each member with a function"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "account_member" ("id" {serial} NOT NULL PRIMARY KEY, "account_id" INTEGER NOT NULL,'
    ' "person_id" INTEGER NOT NULL, "function" VARCHAR(40) NOT NULL, "added_at" {moment} NOT NULL,'
    ' FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE,'
    ' FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "account_member_account_id_person_id" ON "account_member" ("account_id", "person_id")',
    'CREATE INDEX IF NOT EXISTS "account_member_person_id" ON "account_member" ("person_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
