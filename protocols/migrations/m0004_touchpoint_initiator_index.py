"""Who started each touchpoint read from the index alone: the relationship view counts
initiators over a year of an account's touchpoints, and looking up each row in the table
cost more than the rest of the view."""

from mediation.schema import run_ddl

DESCRIPTION = "an index of touchpoints by protocol and time that also holds who started each"

STATEMENTS = (
    'CREATE INDEX IF NOT EXISTS "touchpoint_protocol_id_occurred_at_initiated_by"'
    ' ON "touchpoint" ("protocol_id", "occurred_at", "initiated_by")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
