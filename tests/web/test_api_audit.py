"""The ledger for auditors: /audit/verify walks the whole hash chain and names the first bad
event; /audit/digest hands out a head that later proves the history up to it unchanged."""

import json
from urllib.parse import quote

import pytest

from mediation import ledger
from mediation.db import database
from mediation.db import write_transaction
from mediation.ledger import AuditEvent
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"


def sql(statement: str, *params) -> None:
    """Run raw SQL behind the ledger's back, as someone tampering with the database would."""
    with write_transaction():
        database.execute_sql(statement.replace("?", database.param), params)


def verify(api, digest=None, as_="auditor") -> dict:
    url = f"{API}/audit/verify" + (f"?digest={digest}" if digest else "")
    response = api.get(url, as_=as_)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def take_digest(api, as_="auditor") -> dict:
    response = api.get(f"{API}/audit/digest", as_=as_)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def events():
    return list(AuditEvent.select().order_by(AuditEvent.sequence))


@pytest.fixture
def history(world):
    """A ledger with some dispute work on top of the world's own events."""
    world.drive(world.open_dispute(), "resolved")
    world.drive(world.open_dispute(account="fabrikam"), "story_gathering")
    for key in world.people:
        world.token(key)
    return events()


# --- who may call ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_the_supplier_auditor_and_the_administrator_verify_and_take_digests(api, history, who):
    assert verify(api, as_=who)["ok"] is True
    assert take_digest(api, as_=who)["sequence"] == history[-1].sequence


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "carla", "dev", "frank", "gina"])
@pytest.mark.parametrize("endpoint", ["verify", "digest"])
def test_people_who_are_neither_auditors_nor_administrators_get_403(api, history, endpoint, who):
    before = table_counts()
    problem = assert_problem(api.get(f"{API}/audit/{endpoint}", as_=who), 403)
    assert "hash" not in problem and "ok" not in problem
    assert table_counts() == before


@pytest.mark.parametrize("endpoint", ["verify", "digest"])
def test_without_credentials_the_ledger_answers_401(api, history, endpoint):
    assert_problem(api.get(f"{API}/audit/{endpoint}", as_=None), 401)


# --- an intact chain ---------------------------------------------------------------------


def test_an_intact_chain_verifies(api, history):
    result = verify(api)

    assert result == {
        "ok": True,
        "checked": len(history),
        "head": {"sequence": history[-1].sequence, "hash": history[-1].hash},
        "first_bad_event": None,
    }


def test_verifying_changes_nothing(api, history):
    before = table_counts()
    verify(api)
    take_digest(api)
    assert table_counts() == before


def test_the_digest_is_the_head_of_the_chain(api, world, history):
    digest = take_digest(api)
    assert digest == {
        "sequence": history[-1].sequence,
        "hash": history[-1].hash,
        "digest": f"{history[-1].sequence}:{history[-1].hash}",
    }

    api.post(f"{API}/disputes", {"title": "New", "summary": "New", "account_id": world.accounts["contoso"].id,
                                 "severity": "low"}, as_="alice")

    later = take_digest(api)
    assert later["sequence"] == digest["sequence"] + 1
    assert later["hash"] != digest["hash"]
    assert events()[-1].prev_hash == digest["hash"]


def test_a_digest_still_verifies_after_more_events_are_appended(api, world, history):
    digest = take_digest(api)["digest"]
    world.drive(world.open_dispute(), "resolved")

    result = verify(api, digest)

    assert result["ok"] is True
    assert result["checked"] == len(events())


def test_a_digest_is_accepted_in_upper_case(api, history):
    digest = take_digest(api)
    assert verify(api, f"{digest['sequence']}:{digest['hash'].upper()}")["ok"] is True


def test_a_digest_of_an_earlier_point_verifies(api, history):
    middle = history[len(history) // 2]
    assert verify(api, f"{middle.sequence}:{middle.hash}")["ok"] is True


# --- tampering ---------------------------------------------------------------------------


def _alter_payload(event):
    data = json.loads(event.payload)
    data["forged"] = True
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", ledger.canonical_json(data), event.id)


def _alter_actor(event):
    sql("UPDATE audit_event SET actor_person_id = ? WHERE id = ?", (event.actor_person_id or 0) + 1, event.id)


def _alter_kind(event):
    sql("UPDATE audit_event SET kind = ? WHERE id = ?", "note_added", event.id)


def _alter_state(event):
    sql("UPDATE audit_event SET to_state = ? WHERE id = ?", "withdrawn", event.id)


def _alter_time(event):
    sql("UPDATE audit_event SET occurred_at = ? WHERE id = ?", "2020-01-01 00:00:00", event.id)


def _alter_hash(event):
    sql("UPDATE audit_event SET hash = ? WHERE id = ?", "f" * 64, event.id)


def _delete(event):
    sql("DELETE FROM audit_event WHERE id = ?", event.id)


def _swap_with_next(event):
    following = AuditEvent.get(AuditEvent.sequence == event.sequence + 1)
    sql("UPDATE audit_event SET sequence = ? WHERE id = ?", -1, event.id)
    sql("UPDATE audit_event SET sequence = ? WHERE id = ?", event.sequence, following.id)
    sql("UPDATE audit_event SET sequence = ? WHERE id = ?", following.sequence, event.id)


def _alter_and_rehash(event):
    """Change the payload and recompute that event's own hash: the next link breaks."""
    data = json.loads(event.payload)
    data["forged"] = True
    payload = ledger.canonical_json(data)
    fields = {name: getattr(event, name) for name in (
        "sequence", "occurred_at", "actor_person_id", "actor_organization_id", "actor_role",
        "subject_type", "subject_id", "kind", "from_state", "to_state", "prev_hash")}
    new_hash = ledger.event_hash(**fields, payload=payload)
    sql("UPDATE audit_event SET payload = ?, hash = ? WHERE id = ?", payload, new_hash, event.id)


TAMPERING = [
    # (how, the first bad event's sequence relative to the tampered one, how many events from
    # the tampered one on still check out)
    (_alter_payload, 0, 0),
    (_alter_actor, 0, 0),
    (_alter_kind, 0, 0),
    (_alter_state, 0, 0),
    (_alter_time, 0, 0),
    (_alter_hash, 0, 0),
    (_swap_with_next, 0, 0),
    (_delete, 1, 0),
    (_alter_and_rehash, 1, 1),
]


@pytest.mark.parametrize("position", ["first", "middle", "last-but-one"])
@pytest.mark.parametrize(("tamper", "offset", "passing"), TAMPERING,
                         ids=[t.__name__.strip("_") for t, _, _ in TAMPERING])
def test_tampering_with_sql_is_found_and_the_first_bad_event_is_named(
    api, history, tamper, offset, passing, position
):
    index = {"first": 0, "middle": len(history) // 2, "last-but-one": len(history) - 2}[position]
    if tamper is _alter_state and history[index].to_state is None:
        index = next(i for i, e in enumerate(history) if e.to_state is not None and i >= index)
    target = history[index]
    assert verify(api)["ok"] is True

    tamper(target)
    result = verify(api)

    assert result["ok"] is False
    bad = result["first_bad_event"]
    assert bad["sequence"] == target.sequence + offset
    assert bad["id"] == AuditEvent.get(AuditEvent.sequence == bad["sequence"]).id
    assert bad["problem"]
    assert result["checked"] == index + passing
    if index + passing == 0:
        assert result["head"] is None
    else:
        assert result["head"]["sequence"] == history[index + passing - 1].sequence
    if passing == 0 and index:
        assert result["head"]["hash"] == history[index - 1].hash


def _rewrite_from(index, history):
    """Forge the history from `index` on and re-hash the rest of the chain consistently."""
    prev_hash = history[index - 1].hash if index else ledger.GENESIS_HASH
    for event in history[index:]:
        payload = event.payload
        if event is history[index]:
            data = json.loads(payload)
            data["forged"] = True
            payload = ledger.canonical_json(data)
        fields = {name: getattr(event, name) for name in (
            "sequence", "occurred_at", "actor_person_id", "actor_organization_id", "actor_role",
            "subject_type", "subject_id", "kind", "from_state", "to_state")}
        new_hash = ledger.event_hash(**fields, payload=payload, prev_hash=prev_hash)
        sql("UPDATE audit_event SET payload = ?, prev_hash = ?, hash = ? WHERE id = ?",
            payload, prev_hash, new_hash, event.id)
        prev_hash = new_hash


def test_a_digest_exposes_a_consistently_rehashed_rewrite(api, history):
    digest = take_digest(api)["digest"]
    forged_at = len(history) // 2

    _rewrite_from(forged_at, history)

    assert verify(api)["ok"] is True  # a rewrite the chain alone cannot reveal ...
    result = verify(api, digest)  # ... but the digest taken earlier does
    assert result["ok"] is False
    assert history[forged_at].sequence <= result["first_bad_event"]["sequence"] <= history[-1].sequence


def test_a_digest_exposes_events_removed_from_the_end(api, history):
    digest = take_digest(api)["digest"]
    sql("DELETE FROM audit_event WHERE sequence >= ?", history[-3].sequence)

    assert verify(api)["ok"] is True
    result = verify(api, digest)
    assert result["ok"] is False
    assert result["first_bad_event"]["sequence"] == history[-3].sequence


def test_a_digest_with_a_hash_that_never_was_is_refused(api, history):
    middle = history[len(history) // 2]
    result = verify(api, f"{middle.sequence}:{'ab' * 32}")
    assert result["ok"] is False
    assert result["first_bad_event"]["sequence"] == middle.sequence


def test_a_digest_from_beyond_the_head_is_refused(api, history):
    result = verify(api, f"{history[-1].sequence + 5}:{history[-1].hash}")
    assert result["ok"] is False


@pytest.mark.parametrize("digest", [
    "nonsense", "12", "12:", "12:abc", f"-1:{'a' * 64}", f"x:{'a' * 64}", f"1:{'g' * 64}", f"1:{'a' * 65}",
    f"1:{'a' * 64}:2",
])
def test_a_malformed_digest_is_422_naming_it(api, history, digest):
    before = table_counts()
    problem = assert_problem(api.get(f"{API}/audit/verify?digest={quote(digest)}", as_="auditor"), 422)
    assert list(problem["errors"]) == ["digest"]
    assert table_counts() == before


@pytest.mark.parametrize("who", ["contoso_auditor", "contoso_admin"])
@pytest.mark.parametrize("path", ["/api/v1/audit/verify", "/api/v1/audit/digest"])
def test_a_customers_auditors_do_not_read_the_whole_chain(api, who, path):
    """The chain covers every customer: even its length is not another tenant's to see."""
    response = api.get(path, as_=who)
    assert response.status_code == 403
    assert "checked" not in response.get_json() and "sequence" not in response.get_json()
