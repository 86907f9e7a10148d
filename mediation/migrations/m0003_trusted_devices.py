"""Browsers a person has signed in with, so that failures elsewhere never hold them back."""

from mediation.schema import run_ddl

DESCRIPTION = "trusted browsers of each person, and the browser of each failed sign-in"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "trusted_device" ("id" {serial} NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "key_hash" VARCHAR(64) NOT NULL, "created_at" {moment} NOT NULL, "last_used_at" {moment} NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "trusted_device_person_id_key_hash" ON "trusted_device" ("person_id", "key_hash")',
    'ALTER TABLE "access_event" ADD COLUMN "device_hash" VARCHAR(64)',
)


def apply() -> None:
    run_ddl(STATEMENTS)
