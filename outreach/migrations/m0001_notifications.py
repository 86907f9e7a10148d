"""Notifications and each person's settings for them."""

from mediation.schema import run_ddl

DESCRIPTION = "notifications and notification settings"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "notification" ("id" {serial} NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "kind" VARCHAR(32) NOT NULL, "subject_type" VARCHAR(32) NOT NULL, "subject_id" INTEGER NOT NULL, "period" VARCHAR(200) NOT NULL, "title" TEXT NOT NULL, "path" VARCHAR(500) NOT NULL, "event_sequence" INTEGER, "urgent" {flag} NOT NULL, "created_at" {moment} NOT NULL, "read_at" {moment}, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "notification_person_id_kind_subject_type_subject_id_period" ON "notification" ("person_id", "kind", "subject_type", "subject_id", "period")',
    'CREATE INDEX IF NOT EXISTS "notification_person_id_read_at" ON "notification" ("person_id", "read_at")',
    'CREATE TABLE IF NOT EXISTS "notification_settings" ("person_id" INTEGER NOT NULL PRIMARY KEY, "frequencies" TEXT NOT NULL, "digest_hour" INTEGER NOT NULL, "timezone" VARCHAR(64) NOT NULL, "quiet_from" VARCHAR(5), "quiet_to" VARCHAR(5), "updated_at" {moment} NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
)


def apply() -> None:
    run_ddl(STATEMENTS)
