"""The first schema, as the first release (b71d0b4) created it."""

from mediation.schema import run_ddl

DESCRIPTION = "organizations, people, tokens, accounts, projects, disputes, audit ledger"

STATEMENTS = (
    'CREATE TABLE IF NOT EXISTS "organization" ("id" {serial} NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "kind" VARCHAR(16) NOT NULL, "created_at" {moment} NOT NULL)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "organization_name" ON "organization" ("name")',
    'CREATE TABLE IF NOT EXISTS "account" ("id" {serial} NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "supplier_id" INTEGER NOT NULL, "customer_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("supplier_id") REFERENCES "organization" ("id") ON DELETE RESTRICT, FOREIGN KEY ("customer_id") REFERENCES "organization" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "account_supplier_id" ON "account" ("supplier_id")',
    'CREATE INDEX IF NOT EXISTS "account_customer_id" ON "account" ("customer_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "account_supplier_id_customer_id_name" ON "account" ("supplier_id", "customer_id", "name")',
    'CREATE TABLE IF NOT EXISTS "project" ("id" {serial} NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "account_id" INTEGER NOT NULL, "active" {flag} NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "project_account_id" ON "project" ("account_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "project_account_id_name" ON "project" ("account_id", "name")',
    'CREATE TABLE IF NOT EXISTS "person" ("id" {serial} NOT NULL PRIMARY KEY, "email" VARCHAR(254) NOT NULL, "name" VARCHAR(200) NOT NULL, "organization_id" INTEGER NOT NULL, "roles_text" TEXT NOT NULL, "password_hash" TEXT, "disabled_at" {moment}, "created_at" {moment} NOT NULL, FOREIGN KEY ("organization_id") REFERENCES "organization" ("id") ON DELETE RESTRICT)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "person_email" ON "person" ("email")',
    'CREATE INDEX IF NOT EXISTS "person_organization_id" ON "person" ("organization_id")',
    'CREATE TABLE IF NOT EXISTS "dispute" ("id" {serial} NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "summary" TEXT NOT NULL, "account_id" INTEGER NOT NULL, "project_id" INTEGER, "severity" VARCHAR(16) NOT NULL, "state" VARCHAR(32) NOT NULL, "version" INTEGER NOT NULL, "mediator_id" INTEGER, "co_mediator_id" INTEGER, "opened_by_id" INTEGER NOT NULL, "resolution_option_id" INTEGER, "resolution_summary" TEXT, "override_reason" TEXT, "created_at" {moment} NOT NULL, "updated_at" {moment} NOT NULL, "state_changed_at" {moment} NOT NULL, FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE RESTRICT, FOREIGN KEY ("project_id") REFERENCES "project" ("id") ON DELETE RESTRICT, FOREIGN KEY ("mediator_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("co_mediator_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("opened_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "dispute_account_id" ON "dispute" ("account_id")',
    'CREATE INDEX IF NOT EXISTS "dispute_project_id" ON "dispute" ("project_id")',
    'CREATE INDEX IF NOT EXISTS "dispute_state" ON "dispute" ("state")',
    'CREATE INDEX IF NOT EXISTS "dispute_mediator_id" ON "dispute" ("mediator_id")',
    'CREATE INDEX IF NOT EXISTS "dispute_co_mediator_id" ON "dispute" ("co_mediator_id")',
    'CREATE INDEX IF NOT EXISTS "dispute_opened_by_id" ON "dispute" ("opened_by_id")',
    'CREATE TABLE IF NOT EXISTS "option" ("id" {serial} NOT NULL PRIMARY KEY, "dispute_id" INTEGER NOT NULL, "summary" TEXT NOT NULL, "value_to_supplier" INTEGER NOT NULL, "value_to_customer" INTEGER NOT NULL, "proposed_by_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("dispute_id") REFERENCES "dispute" ("id") ON DELETE CASCADE, FOREIGN KEY ("proposed_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "option_dispute_id" ON "option" ("dispute_id")',
    'CREATE INDEX IF NOT EXISTS "option_proposed_by_id" ON "option" ("proposed_by_id")',
    'CREATE TABLE IF NOT EXISTS "acceptance" ("id" {serial} NOT NULL PRIMARY KEY, "dispute_id" INTEGER NOT NULL, "option_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "organization_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("dispute_id") REFERENCES "dispute" ("id") ON DELETE CASCADE, FOREIGN KEY ("option_id") REFERENCES "option" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("organization_id") REFERENCES "organization" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "acceptance_dispute_id" ON "acceptance" ("dispute_id")',
    'CREATE INDEX IF NOT EXISTS "acceptance_option_id" ON "acceptance" ("option_id")',
    'CREATE INDEX IF NOT EXISTS "acceptance_person_id" ON "acceptance" ("person_id")',
    'CREATE INDEX IF NOT EXISTS "acceptance_organization_id" ON "acceptance" ("organization_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "acceptance_option_id_organization_id" ON "acceptance" ("option_id", "organization_id")',
    'CREATE TABLE IF NOT EXISTS "account_manager" ("account_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, PRIMARY KEY ("account_id", "person_id"), FOREIGN KEY ("account_id") REFERENCES "account" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "account_manager_account_id" ON "account_manager" ("account_id")',
    'CREATE INDEX IF NOT EXISTS "account_manager_person_id" ON "account_manager" ("person_id")',
    'CREATE TABLE IF NOT EXISTS "api_token" ("id" {serial} NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "token_hash" VARCHAR(64) NOT NULL, "hint" VARCHAR(16) NOT NULL, "label" VARCHAR(200) NOT NULL, "scope" VARCHAR(16) NOT NULL, "created_at" {moment} NOT NULL, "revoked_at" {moment}, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE)',
    'CREATE INDEX IF NOT EXISTS "api_token_person_id" ON "api_token" ("person_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "api_token_token_hash" ON "api_token" ("token_hash")',
    'CREATE TABLE IF NOT EXISTS "audit_event" ("id" {serial} NOT NULL PRIMARY KEY, "sequence" INTEGER NOT NULL, "occurred_at" {moment} NOT NULL, "actor_person_id" INTEGER, "actor_organization_id" INTEGER, "actor_role" VARCHAR(32) NOT NULL, "subject_type" VARCHAR(32) NOT NULL, "subject_id" INTEGER NOT NULL, "kind" VARCHAR(64) NOT NULL, "from_state" VARCHAR(32), "to_state" VARCHAR(32), "payload" TEXT NOT NULL, "prev_hash" VARCHAR(64) NOT NULL, "hash" VARCHAR(64) NOT NULL)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "audit_event_sequence" ON "audit_event" ("sequence")',
    'CREATE INDEX IF NOT EXISTS "audit_event_subject_type_subject_id_sequence" ON "audit_event" ("subject_type", "subject_id", "sequence")',
    'CREATE TABLE IF NOT EXISTS "commitment" ("id" {serial} NOT NULL PRIMARY KEY, "dispute_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "description" TEXT NOT NULL, "due_at" {moment} NOT NULL, "status" VARCHAR(16) NOT NULL, "recorded_by_id" INTEGER NOT NULL, "created_at" {moment} NOT NULL, "settled_at" {moment}, FOREIGN KEY ("dispute_id") REFERENCES "dispute" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("recorded_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "commitment_dispute_id" ON "commitment" ("dispute_id")',
    'CREATE INDEX IF NOT EXISTS "commitment_person_id" ON "commitment" ("person_id")',
    'CREATE INDEX IF NOT EXISTS "commitment_recorded_by_id" ON "commitment" ("recorded_by_id")',
    'CREATE TABLE IF NOT EXISTS "note" ("id" {serial} NOT NULL PRIMARY KEY, "dispute_id" INTEGER NOT NULL, "author_id" INTEGER NOT NULL, "text" TEXT NOT NULL, "visibility" VARCHAR(16) NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("dispute_id") REFERENCES "dispute" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "note_dispute_id" ON "note" ("dispute_id")',
    'CREATE INDEX IF NOT EXISTS "note_author_id" ON "note" ("author_id")',
    'CREATE TABLE IF NOT EXISTS "party" ("id" {serial} NOT NULL PRIMARY KEY, "dispute_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "added_at" {moment} NOT NULL, FOREIGN KEY ("dispute_id") REFERENCES "dispute" ("id") ON DELETE CASCADE, FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "party_dispute_id" ON "party" ("dispute_id")',
    'CREATE INDEX IF NOT EXISTS "party_person_id" ON "party" ("person_id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "party_dispute_id_person_id" ON "party" ("dispute_id", "person_id")',
    'CREATE TABLE IF NOT EXISTS "story" ("id" {serial} NOT NULL PRIMARY KEY, "dispute_id" INTEGER NOT NULL, "party_id" INTEGER NOT NULL, "recorded_by_id" INTEGER NOT NULL, "text" TEXT, "declined" {flag} NOT NULL, "visibility" VARCHAR(16) NOT NULL, "created_at" {moment} NOT NULL, FOREIGN KEY ("dispute_id") REFERENCES "dispute" ("id") ON DELETE CASCADE, FOREIGN KEY ("party_id") REFERENCES "person" ("id") ON DELETE RESTRICT, FOREIGN KEY ("recorded_by_id") REFERENCES "person" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX IF NOT EXISTS "story_dispute_id" ON "story" ("dispute_id")',
    'CREATE INDEX IF NOT EXISTS "story_party_id" ON "story" ("party_id")',
    'CREATE INDEX IF NOT EXISTS "story_recorded_by_id" ON "story" ("recorded_by_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
