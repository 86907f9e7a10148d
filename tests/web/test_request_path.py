"""The API's busiest reads take shortcuts (hand-written SQL, rows loaded at once, the list's
summaries written as JSON by the database): each answers exactly what the long way answered,
and a token is still read afresh on every call."""

import json
import sqlite3
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import psycopg
import pytest
from peewee import DateTimeField

from mediation import dispute_queries
from mediation.dispute_summaries import summaries
from mediation.dispute_summaries import summary
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
from mediation.dispute_permissions import involving
from mediation.disputes import SEVERITIES
from mediation.disputes import Dispute
from mediation.errors import NotFound
from mediation.fields import UTCDateTimeField
from mediation.parties import Account
from mediation.parties import Organization
from mediation.parties import Person
from mediation.parties import Project
from web import schemas

STATES = ("intake", "story_gathering", "option_generation", "resolution", "resolved", "withdrawn")


@pytest.fixture
def spread(world):
    """Disputes in every state on both accounts, some of them stale, and titles and moments
    that are awkward to write as JSON."""
    for account in ("contoso", "fabrikam"):
        for number, state in enumerate(STATES):
            dispute = world.open_dispute(account, severity=("low", "high")[number % 2],
                                         project_id=world.projects[account].id if number % 3 else None)
            if state != "intake":
                world.drive(dispute, state)
        world.clock.advance(days=2)
    world.open_dispute("contoso")
    world.clock.advance(microseconds=250_001)
    world.open_dispute("contoso", title='The "rush" order\\back \u00e9t\u00e9 \U0001f4e6\nline\ttab \x01 </script>',
                       summary="It's 50% \u2014 or 'more'?")
    return world


def long_way(actor, now, *, state=None, account_id=None, project_id=None, severity=None, stale=None,
             customer_id=None, mine=False, sort=None, order="asc", after=None, limit=50):
    """The list as peewee built it before, sorted in Python. Without a sort the cursor is
    an id, whoever's dispute it is; with one, the place of a dispute the caller sees."""
    query = dispute_queries.visible_disputes(actor)
    if state:
        query = query.where(Dispute.state == state)
    if account_id:
        query = query.where(Dispute.account == account_id)
    if project_id:
        query = query.where(Dispute.project == project_id)
    if severity:
        query = query.where(Dispute.severity == severity)
    if customer_id:
        query = query.where(Dispute.account.in_(Account.select(Account.id).where(Account.customer == customer_id)))
    if mine:
        query = query.where(involving(actor))
    if stale is not None:
        condition = (Dispute.state == "intake") & (Dispute.state_changed_at < now - dispute_queries.STALE_INTAKE)
        query = query.where(condition if stale else ~condition)
    position = SORTED_BY[sort](now) if sort else (lambda dispute: dispute.id)
    rows = sorted(query, key=lambda dispute: (position(dispute), dispute.id), reverse=order == "desc")
    if after:
        cursor = Dispute.get_or_none(Dispute.id == after) if sort is None else \
            dispute_queries.visible_disputes(actor).where(Dispute.id == after).first()
        if cursor is None:
            return [] if sort else [d for d in rows if (d.id < after if order == "desc" else d.id > after)][:limit]
        start = (position(cursor), cursor.id)
        rows = [d for d in rows if ((position(d), d.id) < start if order == "desc" else (position(d), d.id) > start)]
    return rows[:limit]


def _name(model, ident) -> str:
    return model.get_by_id(ident).name.lower() if ident else ""


SORTED_BY = {
    "title": lambda now: lambda d: d.title.lower(),
    "account": lambda now: lambda d: _name(Account, d.account_id),
    "project": lambda now: lambda d: _name(Project, d.project_id),
    "severity": lambda now: lambda d: SEVERITIES.index(d.severity),
    "state": lambda now: lambda d: STATES.index(d.state),
    "stale": lambda now: lambda d: dispute_queries.is_stale(d, now),
    "updated_at": lambda now: lambda d: d.updated_at,
}


FILTERS = [
    {},
    {"state": "intake"},
    {"state": "resolved"},
    {"severity": "high"},
    {"stale": True},
    {"stale": False},
    {"after": 3, "limit": 4},
    {"state": "intake", "stale": False, "severity": "high"},
    {"order": "desc"},
    {"order": "desc", "after": 9, "limit": 3},
    {"mine": True},
    {"mine": True, "sort": "state", "order": "desc"},
    {"sort": "title"},
    {"sort": "account", "order": "desc"},
    {"sort": "project"},
    {"sort": "severity", "order": "desc", "limit": 5},
    {"sort": "state"},
    {"sort": "stale", "order": "desc"},
    {"sort": "updated_at", "order": "desc"},
    {"sort": "state", "after": 5},
    {"sort": "project", "after": 2, "limit": 3},
    {"sort": "updated_at", "order": "desc", "after": 7, "limit": 3},
    {"sort": "title", "after": 10_000},
]


@pytest.mark.parametrize("who", ["alice", "admin", "carla", "frank", "auditor"])
def test_the_list_finds_what_the_peewee_query_found(spread, who):
    actor = spread.actor(who)
    now = spread.clock.now()
    filters = FILTERS + [{"account_id": spread.accounts["fabrikam"].id},
                         {"project_id": spread.projects["contoso"].id},
                         {"customer_id": spread.orgs["contoso"].id, "sort": "severity"},
                         {"customer_id": spread.orgs["fabrikam"].id}]
    for given in filters:
        expected = long_way(actor, now, **given)
        found = dispute_queries.list_disputes(actor, now, **given)
        assert [d.__data__ for d in found] == [d.__data__ for d in expected], given


@pytest.mark.parametrize("who", ["alice", "carla", "frank"])
def test_a_dispute_is_found_as_the_peewee_query_found_it(spread, who):
    actor = spread.actor(who)
    last = Dispute.select().order_by(Dispute.id.desc()).first().id
    for dispute_id in range(1, last + 2):
        expected = dispute_queries.visible_disputes(actor).where(Dispute.id == dispute_id).first()
        if expected is None:
            with pytest.raises(NotFound):
                dispute_queries.get_dispute(actor, dispute_id)
        else:
            assert dispute_queries.get_dispute(actor, dispute_id).__data__ == expected.__data__


@pytest.mark.parametrize("who", ["alice", "admin", "carla", "frank", "auditor"])
def test_the_summaries_the_database_writes_are_what_the_schema_dumps(spread, who):
    actor = spread.actor(who)
    now = spread.clock.now()
    dump = schemas.DisputeOut().dump
    filters = FILTERS + [{"limit": 1}, {"limit": 200}, {"after": 10_000},
                         {"account_id": spread.accounts["fabrikam"].id},
                         {"customer_id": spread.orgs["contoso"].id, "sort": "project", "order": "desc"}]
    for given in filters:
        limit = given.get("limit", 50)
        rows = dispute_queries.list_disputes(actor, now, **{**given, "limit": limit + 1})
        found = summaries(actor, now, **given)
        expected = [dump(summary(d, now)) for d in rows[:limit]]
        assert json.loads(found.items) == expected, given
        assert [list(item) for item in json.loads(found.items)] == [list(item) for item in expected]
        assert found.more == (len(rows) > limit)
        assert found.last_id == (rows[:limit][-1].id if rows else None)


def test_every_state_and_awkward_text_are_summarized(spread):
    now = spread.clock.now()
    found = json.loads(summaries(spread.actor("admin"), now, limit=200).items)
    assert {item["state"] for item in found} == set(STATES)
    assert {item["stale"] for item in found} == {True, False}
    assert any(item["resolution"]["option_id"] for item in found)
    assert '"rush"' in found[-1]["title"] and found[-1]["created_at"].endswith(".250001+00:00")


def test_the_list_answers_the_summaries(api, spread):
    response = api.get("/api/v1/disputes?limit=200", as_="admin")
    assert response.status_code == 200
    now = spread.clock.now()
    dump = schemas.DisputeOut().dump
    expected = [dump(summary(d, now)) for d in long_way(spread.actor("admin"), now, limit=200)]
    assert response.get_json()["items"] == expected


@pytest.mark.parametrize("model", [Dispute, Person, Organization, Account, ApiToken])
def test_a_row_loaded_at_once_is_the_row_peewee_loads(spread, model):
    spread.token("carla")
    table = model._meta.table_name
    rows = execute(f'SELECT {columns(model, "t")} FROM "{table}" AS t ORDER BY t."id"').fetchall()
    expected = list(model.select().order_by(model.id))
    assert rows and len(rows) == len(expected)
    for row, instance in zip(rows, expected):
        mine = loaded(model, row)
        assert mine.__data__ == instance.__data__
        assert not mine.is_dirty()


MOMENTS = [
    "2026-03-02 09:00:00", "2026-03-02 09:00:00.123456", "2026-03-02 09:00:00.12", "2026-03-02 09:00",
    "2026-03-02", "20260302", "2026-W09", "2026-03-02T09:00:00Z", "2026-03-02 09:00:00+02:00",
    "2026-03-02 09:00:00-00:00", "2026-03-02 09:00:00+02", " 2026-03-02 09:00:00", "", "garbage", None,
    datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
    datetime(2026, 3, 2, 9, tzinfo=timezone(timedelta(hours=2))),
]


@pytest.mark.parametrize("value", MOMENTS, ids=repr)
def test_a_moment_is_read_as_peewee_reads_it_then_made_utc(value):
    read = DateTimeField().python_value(value)
    if isinstance(read, datetime) and read.tzinfo is None:
        read = read.replace(tzinfo=timezone.utc)
    mine = UTCDateTimeField().python_value(value)
    assert (type(mine), mine, getattr(mine, "tzinfo", None)) == (type(read), read, getattr(read, "tzinfo", None))


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
