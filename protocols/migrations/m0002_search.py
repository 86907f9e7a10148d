"""Full-text search of protocols: an entry per protocol (its scenario and project, as
people name it), per version (its agenda, the people of its escalation path) and per
touchpoint (its summary), filled from what exists and kept in step by triggers, for the
reasons given in mediation/migrations/m0004_search.py, whose index they join.
"""

from mediation.db import is_postgres
from mediation.migrations.m0004_search import COLUMNS
from mediation.migrations.m0004_search import Upkeep
from mediation.migrations.m0004_search import backfill
from mediation.migrations.m0004_search import clean
from mediation.migrations.m0004_search import triggers
from mediation.schema import run_ddl

DESCRIPTION = "full-text search of protocols: scenarios and projects, agendas, escalation paths, touchpoints"


def _protocols(where: str) -> list[str]:
    name = clean('replace(p."scenario", \'_\', \' \') || \' protocol of \' || pr."name"')
    return [f'SELECT \'protocol\', p."id", \'protocol\', p."id", \'shared\', {name}'
            f' FROM "protocol" AS p JOIN "project" AS pr ON pr."id" = p."project_id" WHERE {where}']


def _escalation_names() -> str:
    """The names of the people of the version `v`'s escalation steps, in order."""
    if is_postgres():
        return ('(SELECT string_agg(pe."name", \', \' ORDER BY step.place)'
                ' FROM json_array_elements(v."escalation"::json) WITH ORDINALITY AS step(value, place)'
                ' JOIN "person" AS pe ON pe."id" = (step.value->>\'person_id\')::integer)')
    return ('(SELECT group_concat(pe."name", \', \') FROM (SELECT step."value" AS value FROM json_each(v."escalation") AS step'
            ' ORDER BY step."key") AS step JOIN "person" AS pe ON pe."id" = json_extract(step.value, \'$.person_id\'))')


def _versions(where: str) -> list[str]:
    agenda, names = clean('v."agenda"'), clean(_escalation_names())
    return [
        f'SELECT \'agenda\', v."id", \'protocol\', v."protocol_id", \'shared\', {agenda} FROM "protocol_version" AS v'
        f' WHERE v."agenda" <> \'\' AND {where}',
        f'SELECT \'escalation\', v."id", \'protocol\', v."protocol_id", \'shared\', {names} FROM "protocol_version" AS v'
        f' WHERE v."escalation" <> \'[]\' AND {where}',
    ]


def _touchpoints(where: str) -> list[str]:
    summary = clean('t."summary"')
    return [f'SELECT \'touchpoint\', t."id", \'protocol\', t."protocol_id", \'shared\', {summary}'
            f' FROM "touchpoint" AS t WHERE {where}']


UPKEEP = (
    Upkeep("protocol", "p", ("protocol",), ("scenario", "project_id"), _protocols),
    Upkeep("protocol_version", "v", ("agenda", "escalation"), ("agenda", "escalation"), _versions),
    Upkeep("touchpoint", "t", ("touchpoint",), ("summary",), _touchpoints),
)


def _renamed_project() -> list[str]:
    """A project's new name remade into the entries of its protocols."""
    forget = ('DELETE FROM "search_entry" WHERE "source" = \'protocol\''
              ' AND "source_id" IN (SELECT "id" FROM "protocol" WHERE "project_id" = NEW."id")')
    (select,) = _protocols('p."project_id" = NEW."id"')
    make = f'INSERT INTO "search_entry" ({COLUMNS}) {select}'
    if is_postgres():
        return [
            'CREATE OR REPLACE FUNCTION "search_project"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN'
            f" {forget}; {make}; RETURN NULL; END $$",
            'CREATE TRIGGER "search_project" AFTER UPDATE OF "name" ON "project"'
            ' FOR EACH ROW EXECUTE FUNCTION "search_project"()',
        ]
    return [f'CREATE TRIGGER IF NOT EXISTS "search_project_update" AFTER UPDATE OF "name" ON "project"'
            f' BEGIN {forget}; {make}; END']


def apply() -> None:
    for upkeep in UPKEEP:
        run_ddl(triggers(upkeep) + backfill(upkeep))
    run_ddl(_renamed_project())
