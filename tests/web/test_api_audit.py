"""The ledger for auditors: /audit/verify walks every chain and the tree and names the first
bad event; /audit/digest hands out the tree's size and root, which later prove the history
up to them unchanged."""

import json
from urllib.parse import quote

import pytest

from mediation import checkpoints
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


def chain_of(world, account: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.chain == f"account:{world.accounts[account].id}")
                .order_by(AuditEvent.chain_sequence))


def integrate(world):
    checkpoints.integrate(world.clock.now(), checkpoints.signing_key())


@pytest.fixture
def history(world):
    """A ledger with some dispute work on top of the world's own events, in the tree."""
    world.drive(world.open_dispute(), "resolved")
    world.drive(world.open_dispute(account="fabrikam"), "story_gathering")
    for key in world.people:
        world.token(key)
    integrate(world)
    return events()


# --- who may call ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_the_supplier_auditor_and_the_administrator_verify_and_take_digests(api, history, who):
    assert verify(api, as_=who)["ok"] is True
    assert take_digest(api, as_=who)["sequence"] == len(history)


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


def test_an_intact_ledger_verifies(api, history):
    result = verify(api)
    head = ledger.head()
    assert result == {
        "ok": True,
        "checked": len(events()),
        "head": {"sequence": head.sequence, "hash": head.hash},
        "first_bad_event": None,
    }


def test_verifying_changes_nothing(api, history):
    before = table_counts()
    verify(api)
    take_digest(api)
    assert table_counts() == before


def test_the_digest_is_the_trees_size_and_root_as_integrated(api, world, history):
    digest = take_digest(api)
    size = len(events())
    root = ledger.ledger_tree.root(size).hex()
    assert digest == {"sequence": size, "hash": root, "digest": f"{size}:{root}"}

    api.post(f"{API}/disputes", {"title": "New", "summary": "New", "account_id": world.accounts["contoso"].id,
                                 "severity": "low"}, as_="alice")
    assert take_digest(api) == digest, "an event counts once the integrator added it to the tree"
    integrate(world)
    later = take_digest(api)
    assert later["sequence"] == size + 1
    assert later["hash"] != digest["hash"]


def test_a_digest_still_verifies_after_more_events_are_appended(api, world, history):
    digest = take_digest(api)["digest"]
    world.drive(world.open_dispute(), "resolved")
    integrate(world)

    result = verify(api, digest)

    assert result["ok"] is True
    assert result["checked"] == len(events())


def test_a_digest_is_accepted_in_upper_case(api, history):
    digest = take_digest(api)
    assert verify(api, f"{digest['sequence']}:{digest['hash'].upper()}")["ok"] is True


def test_a_digest_of_an_earlier_tree_verifies(api, history):
    size = len(events()) // 2
    assert verify(api, f"{size}:{ledger.ledger_tree.root(size).hex()}")["ok"] is True


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
    following = AuditEvent.get((AuditEvent.chain == event.chain) & (AuditEvent.chain_sequence == event.chain_sequence + 1))
    sql("UPDATE audit_event SET chain_sequence = ? WHERE id = ?", -1, event.id)
    sql("UPDATE audit_event SET chain_sequence = ? WHERE id = ?", event.chain_sequence, following.id)
    sql("UPDATE audit_event SET chain_sequence = ? WHERE id = ?", following.chain_sequence, event.id)


def _alter_and_rehash(event):
    """Change the payload and recompute that event's own hash: the next link breaks."""
    data = json.loads(event.payload)
    data["forged"] = True
    payload = ledger.canonical_json(data)
    fields = {name: getattr(event, name) for name in ledger._HASHED}
    new_hash = ledger.event_hash(**{**fields, "payload": payload})
    sql("UPDATE audit_event SET payload = ?, hash = ? WHERE id = ?", payload, new_hash, event.id)


TAMPERING = [
    # (how, where the first bad event is in the chain relative to the tampered one)
    (_alter_payload, 0),
    (_alter_actor, 0),
    (_alter_kind, 0),
    (_alter_state, 0),
    (_alter_time, 0),
    (_alter_hash, 0),
    (_swap_with_next, 1),
    (_delete, 1),
    (_alter_and_rehash, 1),
]


@pytest.mark.parametrize("position", ["first", "middle", "last-but-one"])
@pytest.mark.parametrize(("tamper", "offset"), TAMPERING, ids=[t.__name__.strip("_") for t, _ in TAMPERING])
def test_tampering_with_sql_is_found_and_the_first_bad_event_is_named(api, world, history, tamper, offset, position):
    chain = chain_of(world, "contoso")
    index = {"first": 0, "middle": len(chain) // 2, "last-but-one": len(chain) - 2}[position]
    if tamper is _alter_state and chain[index].to_state is None:
        index = next(i for i, e in enumerate(chain) if e.to_state is not None and i >= index)
    target = chain[index]
    assert verify(api)["ok"] is True

    tamper(target)
    result = verify(api)

    assert result["ok"] is False
    bad = result["first_bad_event"]
    named = chain[index + offset]
    assert (bad["sequence"], bad["id"]) == (named.sequence, named.id)
    assert bad["problem"]
    assert result["checked"] < len(events())


def _rewrite_from(index, chain):
    """Forge the chain from `index` on and re-hash the rest of it consistently."""
    prev_hash = chain[index - 1].hash if index else ledger.GENESIS_HASH
    for event in chain[index:]:
        payload = event.payload
        if event is chain[index]:
            data = json.loads(payload)
            data["forged"] = True
            payload = ledger.canonical_json(data)
        fields = {name: getattr(event, name) for name in ledger._HASHED}
        new_hash = ledger.event_hash(**{**fields, "payload": payload, "prev_hash": prev_hash})
        sql("UPDATE audit_event SET payload = ?, prev_hash = ?, hash = ? WHERE id = ?",
            payload, prev_hash, new_hash, event.id)
        prev_hash = new_hash


def _rebuild_tree(world):
    """What a forger with the signing key does next: a new tree and checkpoint over the forgery."""
    sql("UPDATE audit_event SET leaf_index = NULL")
    sql("DELETE FROM tree_node")
    sql("DELETE FROM checkpoint")
    integrate(world)


def test_a_digest_exposes_a_consistently_rehashed_rewrite(api, world, history):
    digest = take_digest(api)["digest"]
    chain = chain_of(world, "contoso")

    _rewrite_from(len(chain) // 2, chain)
    assert verify(api)["ok"] is False, "the tree no longer matches"
    _rebuild_tree(world)

    assert verify(api)["ok"] is True  # a rewrite the ledger alone cannot reveal ...
    result = verify(api, digest)  # ... but the digest taken earlier does
    assert result["ok"] is False
    assert "rewritten" in result["first_bad_event"]["problem"]


def test_a_digest_exposes_events_removed_from_the_end(api, world, history):
    digest = take_digest(api)["digest"]
    size = len(events())
    sql("DELETE FROM audit_event WHERE leaf_index >= ?", size - 3)
    _rebuild_tree(world)

    assert verify(api)["ok"] is True
    result = verify(api, digest)
    assert result["ok"] is False
    assert "removed" in result["first_bad_event"]["problem"]
    assert result["head"]["sequence"] == size - 3


def test_a_digest_with_a_root_that_never_was_is_refused(api, history):
    result = verify(api, f"{len(events()) // 2}:{'ab' * 32}")
    assert result["ok"] is False
    assert "rewritten" in result["first_bad_event"]["problem"]


def test_a_digest_from_beyond_the_tree_is_refused(api, history):
    result = verify(api, f"{len(events()) + 5}:{'ab' * 32}")
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
