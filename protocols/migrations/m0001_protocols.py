"""The protocols' first schema, as the first release (b71d0b4) created it."""

from mediation.schema import run_ddl

DESCRIPTION = "protocols, versions, acknowledgements, touchpoints, incidents, escalations"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "protocol" ("id" {serial} NOT NULL PRIMARY KEY, "project_id" INTEGER NOT NULL, "scenario" VARCHAR(32) NOT NULL, "version" INTEGER NOT NULL, "created_by_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("project_id") REFERENCES "project" ("id") ON DELETE RESTRICT, FOREIGN KEY ("created_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "protocol_project_id" ON "protocol" ("project_id")',
    'CREATE INDEX IF NOT EXISTS "protocol_created_by_id" ON "protocol" ("created_by_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "protocol_project_id_scenario" ON "protocol" ("project_id", "scenario")',
    'CREATE TABLE IF NOT EXISTS "protocol_version" ("id" {serial} NOT NULL PRIMARY KEY, "protocol_id" INTEGER NOT NULL, "number" INTEGER NOT NULL, "status" VARCHAR(16) NOT NULL, "cadence" TEXT, "phases" TEXT NOT NULL, "channel" VARCHAR(16) NOT NULL, "supplier_point_person_id" INTEGER NOT NULL, "customer_point_person_id" INTEGER NOT NULL, "backup_ids" TEXT NOT NULL, "agenda" TEXT NOT NULL, "escalation" TEXT NOT NULL, "max_contacts_per_window" INTEGER, "timezone" VARCHAR(64) NOT NULL, "effective_from" {moment}, "in_force_from" {moment}, "in_force_until" {moment}, "created_by_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("protocol_id") REFERENCES "protocol" ("id") ON DELETE CASCADE, FOREIGN KEY ("supplier_point_person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("customer_point_person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("created_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "protocol_version_protocol_id" ON "protocol_version" ("protocol_id")',
    'CREATE INDEX IF NOT EXISTS "protocol_version_status" ON "protocol_version" ("status")',
    'CREATE INDEX IF NOT EXISTS "protocol_version_supplier_point_person_id" ON "protocol_version" ("supplier_point_person_id")',
    'CREATE INDEX IF NOT EXISTS "protocol_version_customer_point_person_id" ON "protocol_version" ("customer_point_person_id")',
    'CREATE INDEX IF NOT EXISTS "protocol_version_created_by_id" ON "protocol_version" ("created_by_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "protocol_version_protocol_id_number" ON "protocol_version" ("protocol_id", "number")',
    'CREATE TABLE IF NOT EXISTS "acknowledgement" ("id" {serial} NOT NULL PRIMARY KEY, "version_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "organization_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("version_id") REFERENCES "protocol_version" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("organization_id") REFERENCES "organization" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "acknowledgement_version_id" ON "acknowledgement" ("version_id")',
    'CREATE INDEX IF NOT EXISTS "acknowledgement_person_id" ON "acknowledgement" ("person_id")',
    'CREATE INDEX IF NOT EXISTS "acknowledgement_organization_id" ON "acknowledgement" ("organization_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "acknowledgement_version_id_organization_id" ON "acknowledgement" ("version_id", "organization_id")',
    'CREATE TABLE IF NOT EXISTS "escalation_activation" ("id" {serial} NOT NULL PRIMARY KEY, "protocol_id" INTEGER NOT NULL, "dispute_id" INTEGER NOT NULL, "started_at" {moment} NOT NULL, "ended_at" {moment}, FOREIGN KEY ("protocol_id") REFERENCES "protocol" ("id") ON DELETE CASCADE, FOREIGN KEY ("dispute_id") REFERENCES "dispute" ("id") ON DELETE CASCADE)',
    'CREATE INDEX IF NOT EXISTS "escalation_activation_protocol_id" ON "escalation_activation" ("protocol_id")',
    'CREATE INDEX IF NOT EXISTS "escalation_activation_dispute_id" ON "escalation_activation" ("dispute_id")',
    'CREATE TABLE IF NOT EXISTS "incident" ("id" {serial} NOT NULL PRIMARY KEY, "protocol_id" INTEGER NOT NULL, "started_at" {moment} NOT NULL, "summary" TEXT NOT NULL, "reported_by_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("protocol_id") REFERENCES "protocol" ("id") ON DELETE CASCADE, FOREIGN KEY ("reported_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "incident_protocol_id" ON "incident" ("protocol_id")',
    'CREATE INDEX IF NOT EXISTS "incident_reported_by_id" ON "incident" ("reported_by_id")',
    'CREATE INDEX IF NOT EXISTS "incident_protocol_id_started_at" ON "incident" ("protocol_id", "started_at")',
    'CREATE TABLE IF NOT EXISTS "touchpoint" ("id" {serial} NOT NULL PRIMARY KEY, "protocol_id" INTEGER NOT NULL, "occurred_at" {moment} NOT NULL, "channel" VARCHAR(16) NOT NULL, "supplier_person_id" INTEGER NOT NULL, "customer_person_id" INTEGER NOT NULL, "summary" TEXT NOT NULL, "logged_by_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("protocol_id") REFERENCES "protocol" ("id") ON DELETE CASCADE, FOREIGN KEY ("supplier_person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("customer_person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("logged_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "touchpoint_protocol_id" ON "touchpoint" ("protocol_id")',
    'CREATE INDEX IF NOT EXISTS "touchpoint_supplier_person_id" ON "touchpoint" ("supplier_person_id")',
    'CREATE INDEX IF NOT EXISTS "touchpoint_customer_person_id" ON "touchpoint" ("customer_person_id")',
    'CREATE INDEX IF NOT EXISTS "touchpoint_logged_by_id" ON "touchpoint" ("logged_by_id")',
    'CREATE INDEX IF NOT EXISTS "touchpoint_protocol_id_occurred_at" ON "touchpoint" ("protocol_id", "occurred_at")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
