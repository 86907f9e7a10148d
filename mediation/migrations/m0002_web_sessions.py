"""Browser sessions and the access log, as the first release (b71d0b4) created them."""

from mediation.schema import run_ddl

DESCRIPTION = "browser sessions and the access log"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "access_event" ("id" {serial} NOT NULL PRIMARY KEY, "occurred_at" {moment} NOT NULL, "kind" VARCHAR(32) NOT NULL, "email" VARCHAR(254), "person_id" INTEGER, "address" VARCHAR(64), "path" VARCHAR(500), "detail" TEXT NOT NULL)',
    'CREATE INDEX IF NOT EXISTS "access_event_occurred_at" ON "access_event" ("occurred_at")',
    'CREATE INDEX IF NOT EXISTS "access_event_kind_email_occurred_at" ON "access_event" ("kind", "email", "occurred_at")',
    'CREATE INDEX IF NOT EXISTS "access_event_kind_address_occurred_at" ON "access_event" ("kind", "address", "occurred_at")',
    'CREATE TABLE IF NOT EXISTS "web_session" ("id" {serial} NOT NULL PRIMARY KEY, "key_hash" VARCHAR(64) NOT NULL, "person_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, "last_seen_at" {moment} NOT NULL, "ended_at" {moment}, "ended_because" VARCHAR(32), FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "web_session_key_hash" ON "web_session" ("key_hash")',
    'CREATE INDEX IF NOT EXISTS "web_session_person_id" ON "web_session" ("person_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
