"""`accord audit witness` on a customer's machine against the installation served over real
HTTP on a free local port: it cosigns while the history grows, and refuses, leaving its
state as it was, once the supplier rewrites the history."""

import hashlib
import threading
import urllib.request

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from mediation import checkpoint_notes
from mediation import checkpoints
from mediation.db import database
from mediation.db import write_transaction
from mediation.ledger import AuditEvent
from web.cli import main

NAME = "contoso.example/witness"


@pytest.fixture
def served(app, signed_in):
    """The app answering on a free port of this machine; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def witness_key(tmp_path):
    """A witness key made by `accord audit witness-key`: its file and the verifier key printed."""
    path = tmp_path / "witness.key"
    result = CliRunner().invoke(main, ["audit", "witness-key", str(path), "--name", NAME])
    assert result.exit_code == 0, result.output
    return path, result.stdout.strip()


@pytest.fixture
def registered(api, world, witness_key):
    response = api.put(f"/api/v1/organizations/{world.orgs['contoso'].id}/witness-key",
                       {"verifier_key": witness_key[1]}, as_="contoso_admin")
    assert response.status_code == 200, response.get_data(as_text=True)
    return witness_key[0]


def integrate(world) -> int:
    return checkpoints.integrate(world.clock.now(), checkpoints.signing_key()).size


def witness(served, world, key_path, state_path, *extra, who="contoso_auditor"):
    return CliRunner().invoke(main, ["audit", "witness", "--url", served, "--token", world.token(who),
                                     "--key", str(key_path), "--state", str(state_path), *extra])


def served_checkpoint(served, world) -> str:
    request = urllib.request.Request(f"{served}/api/v1/audit/checkpoint",
                                     headers={"Authorization": f"Bearer {world.token('carla')}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def forget_tree() -> None:
    """What a supplier rewriting its history does first: drop the tree and its checkpoints,
    so that the next integration builds them again from the events as they are then."""
    for statement in ('DELETE FROM "cosignature"', 'DELETE FROM "checkpoint"', 'DELETE FROM "tree_node"',
                      'UPDATE "audit_event" SET "leaf_index" = NULL'):
        database.execute_sql(statement)


def rewrite_history() -> None:
    """The supplier changes its first event."""
    with write_transaction():
        forget_tree()
        first = AuditEvent.select().order_by(AuditEvent.sequence).first()
        AuditEvent.update(hash=hashlib.sha256(b"a kinder past").hexdigest()).where(AuditEvent.id == first.id).execute()


def test_the_witness_cosigns_a_growing_history_and_refuses_a_rewritten_one(served, world, registered, tmp_path):
    state = tmp_path / "accord-witness.json"
    first = integrate(world)

    result = witness(served, world, registered, state)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"cosigned {checkpoints.origin()} at {first} events (first cosignature)"
    assert "trusted the log's key on first use" in result.stderr
    note = checkpoints.latest().note

    world.open_dispute()
    second = integrate(world)
    result = witness(served, world, registered, state)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"cosigned {checkpoints.origin()} at {second} events (was {first})"
    assert result.stderr == ""
    key = checkpoint_notes.read_private_key(registered).public_key()
    assert checkpoint_notes.verify_cosignature(served_checkpoint(served, world), NAME, key) > 0
    assert checkpoints.latest().note != note

    kept = state.read_bytes()
    rewrite_history()
    world.open_dispute()
    assert integrate(world) > second
    result = witness(served, world, registered, state)
    assert result.exit_code == 1
    assert result.stderr.startswith("REFUSED: ")
    assert "history was rewritten" in result.stderr
    assert state.read_bytes() == kept
    assert "\u2014 " + NAME not in served_checkpoint(served, world)


def test_the_witness_refuses_a_tree_that_shrank(served, world, registered, tmp_path):
    state = tmp_path / "state.json"
    integrate(world)
    world.open_dispute()
    integrate(world)
    assert witness(served, world, registered, state).exit_code == 0
    kept = state.read_bytes()
    with write_transaction():
        newest = AuditEvent.select().order_by(AuditEvent.sequence.desc()).first()
        forget_tree()
        AuditEvent.delete().where(AuditEvent.sequence > newest.sequence - 3).execute()
    integrate(world)
    result = witness(served, world, registered, state)
    assert result.exit_code == 1 and "REFUSED: the log's tree shrank" in result.stderr
    assert state.read_bytes() == kept


def test_a_key_file_that_is_not_the_registered_key_is_refused(served, world, registered, tmp_path):
    integrate(world)
    other = tmp_path / "other.key"
    assert CliRunner().invoke(main, ["audit", "witness-key", str(other), "--name", NAME]).exit_code == 0
    result = witness(served, world, other, tmp_path / "state.json")
    assert result.exit_code == 1
    assert "is not the public key of this key file" in result.stderr
    assert not (tmp_path / "state.json").exists()


def test_without_a_registered_key_the_witness_says_what_to_do(served, world, witness_key, tmp_path):
    integrate(world)
    result = witness(served, world, witness_key[0], tmp_path / "state.json")
    assert result.exit_code == 1
    assert "no witness key is registered for Contoso Retail" in result.stderr


def test_a_pinned_log_key_that_does_not_sign_the_checkpoint_is_refused(served, world, registered, tmp_path):
    integrate(world)
    stranger = checkpoint_notes.verifier_key(checkpoints.origin(), checkpoint_notes.generate_key().public_key())
    result = witness(served, world, registered, tmp_path / "state.json", "--log-key", stranger)
    assert result.exit_code == 1
    assert result.stderr.startswith("REFUSED: the checkpoint is not signed by the log's key")


def test_a_refused_token_and_an_unreachable_installation_are_named(served, world, registered, tmp_path):
    refused = CliRunner().invoke(main, ["audit", "witness", "--url", served, "--token", "acc_wrong", "--key",
                                        str(registered), "--state", str(tmp_path / "s.json")])
    assert refused.exit_code == 1 and "answered 401 (the token was refused" in refused.stderr
    unreachable = witness("http://127.0.0.1:9", world, registered, tmp_path / "s.json")
    assert unreachable.exit_code == 1 and "cannot reach http://127.0.0.1:9/api/v1/me" in unreachable.stderr


def test_the_witness_key_is_never_overwritten(witness_key):
    path, _ = witness_key
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["audit", "witness-key", str(path), "--name", NAME])
    assert result.exit_code == 1 and "exists already" in result.stderr
    assert path.read_bytes() == before



def test_an_address_that_is_not_the_installation_is_named_with_its_answer(served, world, registered, tmp_path):
    result = witness(served + "/static", world, registered, tmp_path / "s.json")
    assert result.exit_code == 1 and "answered 404" in result.stderr
