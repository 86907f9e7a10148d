"""The API's busiest reads take shortcuts (hand-written SQL, rows loaded at once): each
answers exactly what the long way answered, and a token is still read afresh on every
call."""

import sqlite3

import psycopg
import pytest

from mediation.credentials import ApiToken
from mediation.credentials import issue_token
from mediation.credentials import person_for_token
from mediation.credentials import revoke_token
from mediation.db import columns
from mediation.db import database
from mediation.db import execute
from mediation.db import is_postgres
from mediation.db import loaded
from mediation.db import write_transaction
from mediation.disputes import Dispute
from mediation.fields import UTCDateTimeField
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person


@pytest.mark.parametrize("model", [Dispute, Person, Organization, Account, ApiToken])
def test_a_row_loaded_at_once_is_the_row_peewee_loads(world, model):
    world.open_dispute()
    world.token("carla")
    table = model._meta.table_name
    rows = execute(f'SELECT {columns(model, "t")} FROM "{table}" AS t ORDER BY t."id"').fetchall()
    expected = list(model.select().order_by(model.id))
    assert rows and len(rows) == len(expected)
    for row, instance in zip(rows, expected):
        mine = loaded(model, row)
        assert mine.__data__ == instance.__data__
        assert not mine.is_dirty()


def test_a_token_brings_its_person_and_organization(world):
    token = world.token("carla")
    person = person_for_token(token)
    assert person.__data__ == Person.get_by_id(world.id("carla")).__data__
    assert person.organization.__data__ == Organization.get_by_id(world.orgs["contoso"].id).__data__
    assert not person.is_dirty() and not person.organization.is_dirty()
    assert person_for_token(token, scopes=("calendar",)) is None
    assert person_for_token(token + "x") is None


def _elsewhere(database_url: str, sql: str, params) -> None:
    """Run `sql` on a connection of its own, as another process would."""
    if is_postgres():
        with psycopg.connect(database_url, autocommit=True) as other:
            other.execute(sql, params)
        return
    with sqlite3.connect(database_url.split(":///", 1)[1]) as other:
        other.execute(sql.replace("%s", "?"), params)
    other.close()


@pytest.mark.parametrize("change", ["revoked", "disabled"])
def test_a_token_revoked_elsewhere_is_refused_at_the_next_request_on_a_kept_connection(api, world, database_url,
                                                                                       change):
    assert api.get("/api/v1/me", as_="carla").status_code == 200
    assert api.get("/api/v1/me", as_="carla").status_code == 200
    moment = UTCDateTimeField().db_value(world.clock.now())
    if change == "revoked":
        _elsewhere(database_url, 'UPDATE "api_token" SET "revoked_at" = %s WHERE "person_id" = %s',
                   (moment, world.id("carla")))
    else:
        _elsewhere(database_url, 'UPDATE "person" SET "disabled_at" = %s WHERE "id" = %s', (moment, world.id("carla")))
    assert api.get("/api/v1/me", as_="carla").status_code == 401
    assert api.get("/api/v1/me", as_="alice").status_code == 200


def test_a_token_revoked_here_is_refused_at_the_next_request(api, world):
    with write_transaction():
        row, token = issue_token(world.people["dev"], world.clock.now(), "test")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/me", headers=headers).status_code == 200
    with write_transaction():
        assert revoke_token(row.id, world.clock.now())
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401
    assert not database.in_transaction()
