"""A dispute's summary: what the API answers for each dispute of a list, and the head of a
dispute's full answer.

The list is what integrators poll and every client reads first, so its page is written as
JSON text by the database in one statement. Built in Python it took twice as long as the
rest of the request, and reading a row per dispute made the server's threads hand the
interpreter over on every row. `summary` is the same summary as a dict; a test holds the
two to be equal.
"""

import json
from dataclasses import dataclass
from functools import cache

from mediation import lifecycle
from mediation.access import Actor
from mediation.db import execute
from mediation.db import is_postgres
from mediation.dispute_queries import STALE_INTAKE
from mediation.dispute_queries import is_stale
from mediation.dispute_queries import list_conditions
from mediation.dispute_queries import ordering
from mediation.dispute_queries import sort_key
from mediation.disputes import Dispute

COLUMNS = ("id", "title", "summary", "account_id", "project_id", "severity", "state", "version", "mediator_id",
           "co_mediator_id", "opened_by_id")
RESOLUTION = {"option_id": "resolution_option_id", "summary": "resolution_summary",
              "override_reason": "override_reason"}
MOMENTS = ("created_at", "updated_at", "state_changed_at")


def summary(dispute: Dispute, now) -> dict:
    """The summary, its moments as datetimes, in the order of the API's `DisputeOut`."""
    return {
        **{name: getattr(dispute, name) for name in COLUMNS},
        "stale": is_stale(dispute, now),
        "available_triggers": list(triggers_from(dispute.state)),
        "resolution": {name: getattr(dispute, column) for name, column in RESOLUTION.items()},
        **{name: getattr(dispute, name) for name in MOMENTS},
    }


@cache
def triggers_from(state: str) -> tuple[str, ...]:
    """The lifecycle is defined once, so a state's triggers are asked of it once."""
    return tuple(lifecycle.available_triggers(state))


@dataclass(frozen=True)
class SummaryPage:
    """A page of summaries: `items` is the JSON text of their array."""

    items: str
    more: bool
    last_id: int | None


def summaries(actor: Actor, now, *, limit: int = 50, sort: str | None = None, order: str = "asc",
              **filters) -> SummaryPage:
    """The page of `dispute_queries.list_disputes(actor, now, limit=limit, sort=sort,
    order=order, **filters)`, each dispute as `summary` gives it, its moments in ISO 8601.
    Only a full page asks whether more follow."""
    conditions, params = list_conditions(actor, now, sort=sort, order=order, **filters)
    where = " AND ".join(conditions)
    stale_before = Dispute.state_changed_at.db_value(now - STALE_INTAKE)
    postgres = is_postgres()
    if sort is None and order == "asc":
        sql = (f'SELECT {_array_sql(postgres, _BY_ID)}, count(*), max(d."id") FROM (SELECT d.* FROM "dispute" AS d'
               f' WHERE {where} ORDER BY d."id" LIMIT {int(limit)}) AS d')
        values = [stale_before, *params]
    else:
        key, key_params = sort_key(now, sort)
        by, by_params = ordering(now, sort, order)
        direction = "DESC" if order == "desc" else "ASC"
        sorted_by = f'd."sort_key" {direction}, d."id" {direction}'
        sql = (f'SELECT {_array_sql(postgres, sorted_by)}, count(*), {_last_sql(postgres, sorted_by)}'
               f' FROM (SELECT d.*, {key} AS "sort_key" FROM "dispute" AS d WHERE {where}'
               f' ORDER BY {by} LIMIT {int(limit)}) AS d')
        values = [stale_before, *key_params, *params, *by_params]
    items, found, last_id = execute(sql, values).fetchone()
    more = found == limit and _more(actor, now, last_id, sort=sort, order=order, **filters)
    return SummaryPage(items if found else "[]", more, last_id)


def _more(actor: Actor, now, last_id: int, **filters) -> bool:
    """Whether a dispute follows the dispute `last_id` in the list."""
    conditions, params = list_conditions(actor, now, **{**filters, "after": last_id})
    return execute(f'SELECT 1 FROM "dispute" AS d WHERE {" AND ".join(conditions)} LIMIT 1', params).fetchone() \
        is not None


_BY_ID = 'd."id"'


@cache
def _array_sql(postgres: bool, order_by: str) -> str:
    """The JSON array of the summaries of the disputes `d`, in the order of `order_by`."""
    dialect = _Postgres if postgres else _SQLite
    return dialect.array(_object_sql(dialect, "d"), order_by)


def _last_sql(postgres: bool, order_by: str) -> str:
    """The id of the last dispute `d` in the order of `order_by`."""
    return (_Postgres if postgres else _SQLite).last('d."id"', order_by)


def _object_sql(dialect, alias: str) -> str:
    """The JSON object of one summary, its keys in `summary`'s order."""
    pairs = [(name, f'{alias}."{name}"') for name in COLUMNS]
    # The one placeholder before the conditions': the moment before which intake is stale.
    pairs.append(("stale", dialect.flag(f'{alias}."state" = \'intake\' AND {alias}."state_changed_at" < ?')))
    pairs.append(("available_triggers", dialect.triggers(f'{alias}."state"')))
    pairs.append(("resolution", dialect.object([(name, f'{alias}."{column}"') for name, column in RESOLUTION.items()])))
    pairs += [(name, dialect.moment(f'{alias}."{name}"')) for name in MOMENTS]
    return dialect.object(pairs)


def _triggers_case(state: str, literal) -> str:
    """Each state's triggers as a JSON literal chosen by the state."""
    cases = " ".join(f"WHEN '{name}' THEN {literal(json.dumps(list(triggers_from(name))))}"
                     for name in lifecycle.STATES)
    return f"CASE {state} {cases} END"


class _SQLite:
    @staticmethod
    def object(pairs) -> str:
        return "json_object(" + ", ".join(f"'{name}', {value}" for name, value in pairs) + ")"

    @staticmethod
    def flag(condition: str) -> str:
        return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"

    @staticmethod
    def triggers(state: str) -> str:
        return _triggers_case(state, lambda text: f"json('{text}')")

    @staticmethod
    def moment(column: str) -> str:
        # Stored as Python writes a naive UTC datetime: a space before the time and
        # microseconds only when there are any, as isoformat writes them too.
        return f"replace({column}, ' ', 'T') || '+00:00'"

    @staticmethod
    def array(element: str, order_by: str) -> str:
        # SQLite aggregates the rows in the order the subquery gives them.
        return f"json_group_array({element})"

    @staticmethod
    def last(column: str, order_by: str) -> str:
        return f"json_extract(json_group_array({column}), '$[#-1]')"


class _Postgres:
    @staticmethod
    def object(pairs) -> str:
        return "json_build_object(" + ", ".join(f"'{name}', {value}" for name, value in pairs) + ")"

    @staticmethod
    def flag(condition: str) -> str:
        return f"({condition})"

    @staticmethod
    def triggers(state: str) -> str:
        return _triggers_case(state, lambda text: f"'{text}'::json")

    @staticmethod
    def moment(column: str) -> str:
        whole = "YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\""
        fraction = "YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\""
        return (f"CASE WHEN date_trunc('second', {column}) = {column} THEN to_char({column}, '{whole}')"
                f" ELSE to_char({column}, '{fraction}') END")

    @staticmethod
    def array(element: str, order_by: str) -> str:
        # As text: the driver would parse JSON into Python values.
        return f"json_agg({element} ORDER BY {order_by})::text"

    @staticmethod
    def last(column: str, order_by: str) -> str:
        return f"(array_agg({column} ORDER BY {order_by}))[count(*)]"
