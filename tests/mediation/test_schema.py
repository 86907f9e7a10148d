"""The schema's history: migrations found by number, applied once each, each in a
transaction of its own, and the live models matching what the migrations build."""

import sys
import textwrap

import pytest
from peewee import sort_models

from mediation.db import BaseModel
from mediation.db import database
from mediation.db import open_database
from mediation.schema import Plan
from mediation.schema import SchemaVersion
from mediation.schema import current_version
from mediation.schema import migrate
from mediation.schema import pending
from outreach.schema import ALL_PLANS


@pytest.fixture
def database_url(empty_database_url):
    return empty_database_url


@pytest.fixture
def scratch_plan(tmp_path, monkeypatch):
    """A component of this test's own whose migrations are written by the test."""
    package = f"scratch_{tmp_path.name.replace('-', '_')}"
    folder = tmp_path / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, body: str) -> None:
        (folder / f"{name}.py").write_text(textwrap.dedent(body))

    yield Plan("scratch", package), write
    for name in [module for module in sys.modules if module.startswith(package)]:
        del sys.modules[name]


def test_a_failing_migration_rolls_back_alone_and_the_next_run_resumes_there(database_url, clock, scratch_plan):
    plan, write = scratch_plan
    write("m0001_first", '''
        from mediation.schema import run_ddl
        DESCRIPTION = "a first table"
        def apply():
            run_ddl(['CREATE TABLE "scratch_one" ("id" {serial} NOT NULL PRIMARY KEY)'])
    ''')
    write("m0002_broken", '''
        from mediation.schema import run_ddl
        DESCRIPTION = "a second table, then a mistake"
        def apply():
            run_ddl(['CREATE TABLE "scratch_two" ("id" {serial} NOT NULL PRIMARY KEY)'])
            raise RuntimeError("the migration failed half-way")
    ''')
    open_database(database_url)
    with pytest.raises(RuntimeError, match="half-way"):
        migrate(clock, plans=(plan,))
    assert current_version("scratch") == 1
    assert "scratch_one" in database.get_tables()
    assert "scratch_two" not in database.get_tables()

    write("m0002_broken", '''
        from mediation.schema import run_ddl
        DESCRIPTION = "a second table"
        def apply():
            run_ddl(['CREATE TABLE "scratch_two" ("id" {serial} NOT NULL PRIMARY KEY)'])
    ''')
    del sys.modules[f"{plan.package}.m0002_broken"]
    assert migrate(clock, plans=(plan,)) == ["scratch/2"]
    assert "scratch_two" in database.get_tables()
    assert migrate(clock, plans=(plan,)) == []


def test_migrations_numbered_with_a_gap_are_refused_before_anything_runs(database_url, clock, scratch_plan):
    plan, write = scratch_plan
    write("m0001_first", 'DESCRIPTION = "first"\ndef apply():\n    pass\n')
    write("m0003_third", 'DESCRIPTION = "third"\ndef apply():\n    pass\n')
    open_database(database_url)
    with pytest.raises(RuntimeError, match=r"numbered \[1, 3\]"):
        migrate(clock, plans=(plan,))
    assert current_version("scratch") == 0


def test_every_migration_is_recorded_with_its_description_and_time(database_url, clock):
    open_database(database_url)
    applied = migrate(clock, plans=ALL_PLANS)
    assert applied[:2] == ["mediation/1", "mediation/2"]
    assert pending(ALL_PLANS) == []
    rows = list(SchemaVersion.select().order_by(SchemaVersion.component, SchemaVersion.version))
    assert [f"{row.component}/{row.version}" for row in rows] == sorted(applied)
    assert all(row.description and row.applied_at == clock.now() for row in rows)


def test_the_migrations_build_every_column_the_models_declare(database_url, clock):
    """A model that gains a field without a migration fails here, not in production."""
    open_database(database_url)
    migrate(clock, plans=ALL_PLANS)
    for model in sort_models(BaseModel.__subclasses__()):
        table = model._meta.table_name
        built = {column.name for column in database.get_columns(table)}
        declared = {field.column_name for field in model._meta.sorted_fields}
        assert declared <= built, f"{table}: no migration builds {sorted(declared - built)}"
