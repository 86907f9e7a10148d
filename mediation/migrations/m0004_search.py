"""Full-text search: an entry per searchable text, with its subject and visibility, and the
index over it (SQLite FTS5, PostgreSQL tsvector with a GIN index); the entries of disputes
(title, summary, resolution, stories, options, notes) filled from what exists.

The entries are kept in step by triggers on the tables they are made from, not by writes
in the use cases. A trigger runs inside the statement that changes the row, so the entry
changes in the same transaction whatever wrote it: the use cases, the transition path's
hand-written UPDATE, the demo and benchmark builders, a change added later (editing a
title) or one made by hand in the database. What an entry holds is stated once, here,
for the backfill and the triggers alike, and like every released migration it means the
same thing forever; indexing something else is a later migration that replaces them.
Protocols add their own entries the same way (protocols/migrations/m0002_search.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from mediation.db import is_postgres
from mediation.schema import run_ddl

DESCRIPTION = "full-text search of disputes: titles, summaries, resolutions, stories, options, notes"

# The characters that mark a match in a snippet (mediation.search). They are taken out of
# every text indexed, so a marker in a snippet is always one the database put there.
MARKS = ("\ue000", "\ue001")

COLUMNS = '"source", "source_id", "subject_type", "subject_id", "visibility", "body"'

ENTRY = (
    'CREATE TABLE IF NOT EXISTS "search_entry" ("id" {serial} NOT NULL PRIMARY KEY, "source" VARCHAR(16) NOT NULL, "source_id" INTEGER NOT NULL, "subject_type" VARCHAR(16) NOT NULL, "subject_id" INTEGER NOT NULL, "visibility" VARCHAR(16) NOT NULL, "body" TEXT NOT NULL)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "search_entry_source_source_id" ON "search_entry" ("source", "source_id")',
    'CREATE INDEX IF NOT EXISTS "search_entry_subject_type_subject_id" ON "search_entry" ("subject_type", "subject_id")',
)

POSTGRES_INDEX = (
    'ALTER TABLE "search_entry" ADD COLUMN IF NOT EXISTS "document" tsvector GENERATED ALWAYS AS (to_tsvector(\'english\', "body")) STORED',
    'CREATE INDEX IF NOT EXISTS "search_entry_document" ON "search_entry" USING gin ("document")',
)

# An external-content FTS5 table reads each entry's body from search_entry; these triggers
# keep its index in step with the entries.
SQLITE_INDEX = (
    'CREATE VIRTUAL TABLE IF NOT EXISTS "search_text" USING fts5("body", content=\'search_entry\', content_rowid=\'id\', tokenize=\'porter unicode61 remove_diacritics 2\')',
    'CREATE TRIGGER IF NOT EXISTS "search_text_insert" AFTER INSERT ON "search_entry" BEGIN INSERT INTO "search_text" ("rowid", "body") VALUES (NEW."id", NEW."body"); END',
    'CREATE TRIGGER IF NOT EXISTS "search_text_delete" AFTER DELETE ON "search_entry" BEGIN INSERT INTO "search_text" ("search_text", "rowid", "body") VALUES (\'delete\', OLD."id", OLD."body"); END',
    'CREATE TRIGGER IF NOT EXISTS "search_text_update" AFTER UPDATE ON "search_entry" BEGIN INSERT INTO "search_text" ("search_text", "rowid", "body") VALUES (\'delete\', OLD."id", OLD."body"); INSERT INTO "search_text" ("rowid", "body") VALUES (NEW."id", NEW."body"); END',
)


def clean(expression: str) -> str:
    """The text of `expression` without the snippet markers."""
    start, stop = (f"chr({ord(mark)})" if is_postgres() else f"char({ord(mark)})" for mark in MARKS)
    return f"replace(replace({expression}, {start}, ''), {stop}, '')"


@dataclass(frozen=True)
class Upkeep:
    """The entries made from the rows of one table: `selects(where)` reads them (in the order
    of COLUMNS) from the rows of `table`, as `alias`, that match `where`; `sources` names
    them; a change to a `watched` column makes them again."""

    table: str
    alias: str
    sources: tuple[str, ...]
    watched: tuple[str, ...]
    selects: Callable[[str], list[str]]


def _disputes(where: str) -> list[str]:
    title, summary, resolution = clean('d."title"'), clean('d."summary"'), clean('d."resolution_summary"')
    return [
        f'SELECT \'title\', d."id", \'dispute\', d."id", \'shared\', {title} FROM "dispute" AS d WHERE {where}',
        f'SELECT \'summary\', d."id", \'dispute\', d."id", \'shared\', {summary} FROM "dispute" AS d WHERE {where}',
        f'SELECT \'resolution\', d."id", \'dispute\', d."id", \'shared\', {resolution} FROM "dispute" AS d'
        f' WHERE d."resolution_summary" <> \'\' AND {where}',
    ]


def _stories(where: str) -> list[str]:
    text = clean('s."text"')
    return [f'SELECT \'story\', s."id", \'dispute\', s."dispute_id", s."visibility", {text} FROM "story" AS s'
            f' WHERE s."text" <> \'\' AND {where}']


def _options(where: str) -> list[str]:
    summary = clean('o."summary"')
    return [f'SELECT \'option\', o."id", \'dispute\', o."dispute_id", \'shared\', {summary} FROM "option" AS o'
            f' WHERE {where}']


def _notes(where: str) -> list[str]:
    text = clean('n."text"')
    return [f'SELECT \'note\', n."id", \'dispute\', n."dispute_id", n."visibility", {text} FROM "note" AS n'
            f' WHERE {where}']


UPKEEP = (
    Upkeep("dispute", "d", ("title", "summary", "resolution"), ("title", "summary", "resolution_summary"), _disputes),
    Upkeep("story", "s", ("story",), ("text", "visibility"), _stories),
    Upkeep("option", "o", ("option",), ("summary",), _options),
    Upkeep("note", "n", ("note",), ("text", "visibility"), _notes),
)


def backfill(upkeep: Upkeep) -> list[str]:
    """Entries for every row that exists."""
    return [f'INSERT INTO "search_entry" ({COLUMNS}) {select}' for select in upkeep.selects("1 = 1")]


def triggers(upkeep: Upkeep) -> list[str]:
    """The triggers that make a row's entries when it is inserted, make them again when a
    watched column changes, and remove them with the row."""
    table = upkeep.table
    make = "; ".join(f'INSERT INTO "search_entry" ({COLUMNS}) {select}'
                     for select in upkeep.selects(f'{upkeep.alias}."id" = NEW."id"'))
    sources = ", ".join(f"'{source}'" for source in upkeep.sources)
    forget = f'DELETE FROM "search_entry" WHERE "source" IN ({sources}) AND "source_id" = OLD."id"'
    watched = ", ".join(f'"{column}"' for column in upkeep.watched)
    if is_postgres():
        return [
            f'CREATE OR REPLACE FUNCTION "search_{table}"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN'
            f" IF TG_OP <> 'INSERT' THEN {forget}; END IF;"
            f" IF TG_OP <> 'DELETE' THEN {make}; END IF;"
            " RETURN NULL; END $$",
            f'CREATE TRIGGER "search_{table}" AFTER INSERT OR UPDATE OF {watched} OR DELETE ON "{table}"'
            f' FOR EACH ROW EXECUTE FUNCTION "search_{table}"()',
        ]
    return [
        f'CREATE TRIGGER IF NOT EXISTS "search_{table}_insert" AFTER INSERT ON "{table}" BEGIN {make}; END',
        f'CREATE TRIGGER IF NOT EXISTS "search_{table}_update" AFTER UPDATE OF {watched} ON "{table}"'
        f' BEGIN {forget}; {make}; END',
        f'CREATE TRIGGER IF NOT EXISTS "search_{table}_delete" AFTER DELETE ON "{table}" BEGIN {forget}; END',
    ]


def apply() -> None:
    run_ddl(ENTRY + (POSTGRES_INDEX if is_postgres() else SQLITE_INDEX))
    for upkeep in UPKEEP:
        run_ddl(triggers(upkeep) + backfill(upkeep))
