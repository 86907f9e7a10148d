"""The ledger's tree through the API: the latest signed checkpoint, the verifier key that
checks it, and inclusion and consistency proofs that a client checks against checkpoints
alone, with nothing but the RFC 9162 verification."""

import base64

import pytest

from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import merkle
from mediation import services
from mediation.ledger import AuditEvent
from tests.conftest import assert_problem

API = "/api/v1"


def integrate(world):
    return checkpoints.integrate(world.clock.now(), checkpoints.signing_key())


def checkpoint(api, as_="auditor") -> checkpoint_notes.Checkpoint:
    """The latest checkpoint, once its signature is checked with the published key."""
    response = api.get(f"{API}/audit/checkpoint", as_=as_)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    key = api.get(f"{API}/audit/verifier-key", as_=as_).get_data(as_text=True).strip()
    return checkpoint_notes.verify(response.get_data(as_text=True), key)


def inclusion(api, event_hash, as_="auditor", **query):
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return api.get(f"{API}/audit/proofs/inclusion?event={event_hash}{extra}", as_=as_)


def leaf(event: AuditEvent) -> bytes:
    return merkle.leaf_hash(bytes.fromhex(event.hash))


@pytest.fixture
def history(world):
    world.drive(world.open_dispute(), "resolved")
    integrate(world)
    return list(AuditEvent.select().order_by(AuditEvent.leaf_index))


def test_before_the_first_integration_there_is_no_checkpoint(api, world):
    body = assert_problem(api.get(f"{API}/audit/checkpoint", as_="auditor"), 404)
    assert "checkpoint" in body["detail"]


def test_the_checkpoint_is_signed_by_the_installation_for_the_whole_tree(api, history):
    found = checkpoint(api)
    assert found.origin == checkpoints.origin()
    assert found.size == len(history)
    assert found.root == merkle.root([leaf(event) for event in history])


def test_the_checkpoint_follows_the_integrator(api, world, history):
    world.open_dispute(account="fabrikam")
    assert checkpoint(api).size == len(history)
    integrate(world)
    assert checkpoint(api).size == AuditEvent.select().count()


@pytest.mark.parametrize("who", ["auditor", "carla", "contoso_auditor", "frank"])
def test_anyone_signed_in_reads_the_checkpoint_and_the_verifier_key(api, history, who):
    assert checkpoint(api, as_=who).size == len(history)


@pytest.mark.parametrize("path", ["/audit/checkpoint", "/audit/verifier-key", "/audit/proofs/consistency?from=1"])
def test_without_credentials_the_tree_answers_401(api, history, path):
    assert_problem(api.get(API + path, as_=None), 401)


def test_every_events_inclusion_proof_verifies_against_the_checkpoint(api, history):
    signed = checkpoint(api)
    for event in history:
        response = inclusion(api, event.hash)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.json
        assert (body["event"], body["leaf_index"], body["size"]) == (event.hash, event.leaf_index, signed.size)
        proof = [bytes.fromhex(node) for node in body["proof"]]
        assert merkle.verify_inclusion(leaf(event), event.leaf_index, signed.size, proof, signed.root)


def test_an_inclusion_proof_for_an_earlier_tree_verifies_against_that_trees_root(api, world, history):
    integrate(world)
    event = history[2]
    body = inclusion(api, event.hash, size=5).json
    proof = [bytes.fromhex(node) for node in body["proof"]]
    assert merkle.verify_inclusion(leaf(event), 2, 5, proof, merkle.root([leaf(e) for e in history[:5]]))


def test_a_proof_for_another_leaf_or_root_does_not_verify(api, history):
    signed = checkpoint(api)
    body = inclusion(api, history[3].hash).json
    proof = [bytes.fromhex(node) for node in body["proof"]]
    assert not merkle.verify_inclusion(leaf(history[4]), 3, signed.size, proof, signed.root)
    assert not merkle.verify_inclusion(leaf(history[3]), 3, signed.size, proof, merkle.EMPTY_ROOT)


def test_an_event_not_yet_integrated_is_409_saying_when_it_will_be(api, world, history):
    world.open_dispute(account="fabrikam")
    newest = AuditEvent.select().order_by(AuditEvent.sequence.desc()).first()
    body = assert_problem(inclusion(api, newest.hash), 409)
    assert "next integration" in body["detail"]


def test_an_unknown_event_is_404(api, history):
    assert_problem(inclusion(api, "ab" * 32), 404)


@pytest.mark.parametrize("size, words", [(3, "leaf 5"), (10_000, "the tree has")])
def test_a_size_that_cannot_hold_the_event_is_422_naming_size(api, history, size, words):
    body = assert_problem(inclusion(api, history[5].hash, size=size), 422)
    assert words in body["errors"]["size"][0]


@pytest.mark.parametrize("query", ["", "?event=xyz", "?event=" + "a" * 64 + "&size=0", "?event=" + "a" * 64 + "&size=x"])
def test_a_malformed_inclusion_request_is_422(api, history, query):
    assert_problem(api.get(f"{API}/audit/proofs/inclusion{query}", as_="auditor"), 422)


def test_a_consistency_proof_ties_an_older_checkpoint_to_the_latest(api, world, history):
    old = checkpoint(api)
    world.drive(world.open_dispute(account="fabrikam"), "withdrawn")
    integrate(world)
    new = checkpoint(api, as_="contoso_auditor")
    response = api.get(f"{API}/audit/proofs/consistency?from={old.size}", as_="contoso_auditor")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert (body["from"], body["to"]) == (old.size, new.size)
    proof = [bytes.fromhex(node) for node in body["proof"]]
    assert merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
    assert not merkle.verify_consistency(old.size, new.size, merkle.leaf_hash(b"forged"), new.root, proof)


def test_a_consistency_proof_between_two_given_sizes(api, history):
    response = api.get(f"{API}/audit/proofs/consistency?from=3&to=7", as_="frank")
    leaves = [leaf(event) for event in history]
    proof = [bytes.fromhex(node) for node in response.json["proof"]]
    assert merkle.verify_consistency(3, 7, merkle.root(leaves[:3]), merkle.root(leaves[:7]), proof)


@pytest.mark.parametrize("query, field", [("?from=9&to=4", "from"), ("?from=1&to=100000", "to"),
                                          ("?from=-1", "from"), ("", "from")])
def test_impossible_sizes_are_422_naming_them(api, history, query, field):
    body = assert_problem(api.get(f"{API}/audit/proofs/consistency{query}", as_="auditor"), 422)
    assert field in body["errors"]


def test_without_a_signing_key_the_verifier_key_is_503_saying_so(api, history, monkeypatch, tmp_path):
    monkeypatch.setenv("ACCORD_SIGNING_KEY_FILE", str(tmp_path / "missing.key"))
    body = assert_problem(api.get(f"{API}/audit/verifier-key", as_="auditor"), 503)
    assert "accord init" in body["detail"]


def test_the_checkpoints_root_is_standard_base64_in_the_note(api, history):
    text = api.get(f"{API}/audit/checkpoint", as_="auditor").get_data(as_text=True)
    origin, size, root = text.split("\n")[:3]
    assert base64.b64decode(root) == checkpoint(api).root


# --- who may ask about which event ---------------------------------------------------------------


def _event_of(world, kind: str) -> AuditEvent:
    """One event of each kind of chain: Contoso's shared and internal, Fabrikam's shared,
    the installation's about Contoso and about Northwind."""
    contoso, fabrikam = world.accounts["contoso"].id, world.accounts["fabrikam"].id
    chains = {"contoso shared": f"account:{contoso}", "contoso internal": f"account:{contoso}/internal",
              "fabrikam shared": f"account:{fabrikam}"}
    if kind in chains:
        return AuditEvent.select().where(AuditEvent.chain == chains[kind]).order_by(AuditEvent.id).first()
    organization = world.orgs["contoso" if kind == "about contoso" else "northwind"].id
    return AuditEvent.get((AuditEvent.chain == "installation") & (AuditEvent.subject_type == "organization")
                          & (AuditEvent.subject_id == organization))


READS = {
    # who: the kinds of events whose inclusion they may prove
    "auditor": {"contoso shared", "contoso internal", "fabrikam shared", "about contoso", "about northwind"},
    "alice": {"contoso shared", "contoso internal", "fabrikam shared", "about contoso", "about northwind"},
    "contoso_auditor": {"contoso shared", "about contoso"},
    "carla": {"contoso shared", "about contoso"},
    "frank": {"fabrikam shared"},
}


@pytest.fixture
def every_chain(world):
    dispute = world.open_dispute()
    world.open_dispute(account="fabrikam")
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Their CFO is new.", visibility="internal")
    integrate(world)


@pytest.mark.parametrize("who", sorted(READS))
@pytest.mark.parametrize("kind", ["contoso shared", "contoso internal", "fabrikam shared", "about contoso",
                                  "about northwind"])
def test_each_company_proves_only_the_events_it_may_read(api, world, every_chain, who, kind):
    event = _event_of(world, kind)
    response = inclusion(api, event.hash, as_=who)
    if kind in READS[who]:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["leaf_index"] == event.leaf_index
    else:
        body = assert_problem(response, 404)
        assert body["detail"] == f"event {event.hash} does not exist", "as if there were no such event"
