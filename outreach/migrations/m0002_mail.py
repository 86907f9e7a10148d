"""The mail outbox, and which mail carried each notification."""

from mediation.schema import run_ddl

DESCRIPTION = "the mail outbox"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "mail" ("id" {serial} NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "key" VARCHAR(200) NOT NULL, "to_address" VARCHAR(254) NOT NULL, "subject" TEXT NOT NULL, "text_body" TEXT NOT NULL, "html_body" TEXT NOT NULL, "kinds" VARCHAR(200) NOT NULL, "unsubscribe_token" VARCHAR(64), "local_day" VARCHAR(10) NOT NULL, "created_at" {moment} NOT NULL, "attempts" INTEGER NOT NULL, "next_attempt_at" {moment} NOT NULL, "claimed_until" {moment}, "sent_at" {moment}, "last_error" TEXT, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "mail_key" ON "mail" ("key")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "mail_unsubscribe_token" ON "mail" ("unsubscribe_token")',
    'CREATE INDEX IF NOT EXISTS "mail_sent_at_next_attempt_at" ON "mail" ("sent_at", "next_attempt_at")',
    'CREATE INDEX IF NOT EXISTS "mail_person_id_local_day" ON "mail" ("person_id", "local_day")',
    'ALTER TABLE "notification" ADD COLUMN "mail_state" VARCHAR(16) NOT NULL DEFAULT \'pending\'',
    'ALTER TABLE "notification" ADD COLUMN "mail_id" INTEGER REFERENCES "mail" ("id") ON DELETE SET NULL',
    'CREATE INDEX IF NOT EXISTS "notification_mail_state_person_id" ON "notification" ("mail_state", "person_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
