"""Webhook subscriptions, their deliveries and each attempt at one."""

from mediation.schema import run_ddl

DESCRIPTION = "webhooks, their deliveries and attempts"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "webhook" ("id" {serial} NOT NULL PRIMARY KEY, "organization_id" INTEGER NOT NULL, "url" VARCHAR(2000) NOT NULL, "events" TEXT NOT NULL, "secret" VARCHAR(100) NOT NULL, "created_by_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, "disabled_at" {moment}, "disabled_because" TEXT, FOREIGN KEY ("organization_id") REFERENCES "organization" ("id") ON DELETE CASCADE, FOREIGN KEY ("created_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "webhook_organization_id" ON "webhook" ("organization_id")',
    'CREATE TABLE IF NOT EXISTS "webhook_delivery" ("id" {serial} NOT NULL PRIMARY KEY, "webhook_id" INTEGER NOT NULL, "event_sequence" INTEGER NOT NULL, "message_id" VARCHAR(64) NOT NULL, "kind" VARCHAR(64) NOT NULL, "payload" TEXT NOT NULL, "created_at" {moment} NOT NULL, "attempts" INTEGER NOT NULL, "next_attempt_at" {moment}, "claimed_until" {moment}, "delivered_at" {moment}, "given_up_at" {moment}, "last_status" INTEGER, FOREIGN KEY ("webhook_id") REFERENCES "webhook" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "webhook_delivery_webhook_id_event_sequence" ON "webhook_delivery" ("webhook_id", "event_sequence")',
    'CREATE INDEX IF NOT EXISTS "webhook_delivery_next_attempt_at" ON "webhook_delivery" ("next_attempt_at")',
    'CREATE TABLE IF NOT EXISTS "webhook_attempt" ("id" {serial} NOT NULL PRIMARY KEY, "delivery_id" INTEGER NOT NULL, "attempted_at" {moment} NOT NULL, "status_code" INTEGER, "duration_ms" INTEGER NOT NULL, "error" TEXT, FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery" ("id") ON DELETE CASCADE)',
    'CREATE INDEX IF NOT EXISTS "webhook_attempt_delivery_id" ON "webhook_attempt" ("delivery_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
