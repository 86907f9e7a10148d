"""Who was in contact with whom read from the index alone: the air traffic counts a year of
an account's touchpoints by customer person, supplier person and day, and looking up each
row in the table cost half of its time."""

from mediation.schema import run_ddl

DESCRIPTION = "an index of touchpoints by protocol and time that also holds the two people in contact"

STATEMENTS = (
    'CREATE INDEX IF NOT EXISTS "touchpoint_protocol_id_occurred_at_people"'
    ' ON "touchpoint" ("protocol_id", "occurred_at", "customer_person_id", "supplier_person_id")',
)


def apply() -> None:
    run_ddl(STATEMENTS)
