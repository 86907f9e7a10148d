"""How many contacts a week one customer person may have from the supplier, per account,
before the air traffic across its projects calls it too many."""

from mediation.schema import run_ddl

DESCRIPTION = "a weekly contact ceiling per account, 5 unless changed"

STATEMENTS = ('ALTER TABLE "account" ADD COLUMN "contact_ceiling_per_week" INTEGER NOT NULL DEFAULT 5',)


def apply() -> None:
    run_ddl(STATEMENTS)
