"""Which company started each touchpoint, so that too much or too little contact can be put
down to a company; touchpoints logged before it was asked stay unknown (NULL)."""

from mediation.schema import run_ddl

DESCRIPTION = "the company that initiated each touchpoint, where known"

STATEMENTS = ('ALTER TABLE "touchpoint" ADD COLUMN "initiated_by" VARCHAR(16)',)


def apply() -> None:
    run_ddl(STATEMENTS)
