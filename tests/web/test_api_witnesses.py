"""Companies as witnesses through the API: registering a witness key, sending cosignatures
of checkpoints, the checkpoint that carries them, and who cosigned last."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import ledger
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"
NAME = "contoso.example/witness"
# A fixed key: the test ids made from it must be the same in every test process.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
VERIFIER_KEY = checkpoint_notes.verifier_key(NAME, KEY.public_key())
TIME = 1_772_442_000


def key_path(world, org="contoso"):
    return f"{API}/organizations/{world.orgs[org].id}/witness-key"


def integrate(world):
    return checkpoints.integrate(world.clock.now(), checkpoints.signing_key()).checkpoint


def line_of(note, key=KEY, name=NAME, timestamp=TIME):
    return checkpoint_notes.cosign(note, name, key, timestamp).splitlines(keepends=True)[-1]


@pytest.fixture
def registered(api, world, signed_in):
    response = api.put(key_path(world), {"verifier_key": VERIFIER_KEY}, as_="contoso_admin")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_an_administrator_registers_the_companys_key_and_anyone_who_sees_the_company_reads_it(api, world, registered):
    assert registered["organization_id"] == world.orgs["contoso"].id
    assert (registered["name"], registered["verifier_key"]) == (NAME, VERIFIER_KEY)
    assert registered["registered_at"]
    for who in ("carla", "alice", "auditor"):
        assert api.get(key_path(world), as_=who).json == registered
    assert ledger.history("organization", world.orgs["contoso"].id)[-1].kind == "witness_key_registered"


def test_a_company_without_a_key_answers_404(api, world):
    body = assert_problem(api.get(key_path(world), as_="carla"), 404)
    assert "witness key" in body["detail"]


@pytest.mark.parametrize(("who", "status"), [
    ("carla", 403), ("contoso_auditor", 403), ("admin", 403), ("frank", 404), (None, 401),
])
def test_only_the_companys_own_administrators_register_and_nothing_is_written_otherwise(api, world, signed_in, who,
                                                                                       status):
    before = table_counts()
    assert_problem(api.put(key_path(world), {"verifier_key": VERIFIER_KEY}, as_=who), status)
    assert table_counts() == before


def test_another_customers_key_is_not_found(api, world, registered):
    assert_problem(api.get(key_path(world), as_="frank"), 404)


def test_the_supplier_registers_its_own_key(api, world):
    own = checkpoint_notes.verifier_key("northwind.example/witness", checkpoint_notes.generate_key().public_key())
    assert api.put(key_path(world, "northwind"), {"verifier_key": own}, as_="admin").status_code == 200
    assert api.get(key_path(world, "northwind"), as_="frank").json["verifier_key"] == own


@pytest.mark.parametrize("body", [
    {"verifier_key": "not a key"}, {"verifier_key": VERIFIER_KEY[:-4] + "AAA="}, {"verifier_key": ""},
    {"verifier_key": 7}, {"verifier_key": VERIFIER_KEY, "extra": 1},
])
def test_a_malformed_key_is_422_naming_the_field(api, world, signed_in, body):
    before = table_counts()
    problem = assert_problem(api.put(key_path(world), body, as_="contoso_admin"), 422)
    assert set(problem["errors"]) <= {"verifier_key", "extra"} and problem["errors"]
    assert table_counts() == before


def test_a_cosignature_is_kept_and_the_checkpoint_carries_it(api, world, registered):
    checkpoint = integrate(world)
    response = api.post(f"{API}/audit/checkpoint/cosignatures",
                        {"size": checkpoint.size, "cosignature": line_of(checkpoint.note)}, as_="contoso_auditor")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json == {"size": checkpoint.size,
                             "organization": {"id": world.orgs["contoso"].id, "name": "Contoso Retail"},
                             "cosigned_at": "2026-03-02T09:00:00+00:00"}
    note = api.get(f"{API}/audit/checkpoint", as_="frank").get_data(as_text=True)
    assert checkpoint_notes.verify_cosignature(note, NAME, KEY.public_key()) == TIME
    assert checkpoint_notes.verify(note, checkpoints.verifier_key()).size == checkpoint.size
    assert len(checkpoint_notes.signatures(note)) == 2


def test_a_cosignature_of_an_older_checkpoint_is_not_shown_with_the_newest(api, world, registered):
    first = integrate(world)
    api.post(f"{API}/audit/checkpoint/cosignatures", {"size": first.size, "cosignature": line_of(first.note)},
             as_="contoso_admin")
    world.open_dispute()
    integrate(world)
    note = api.get(f"{API}/audit/checkpoint", as_="carla").get_data(as_text=True)
    assert len(checkpoint_notes.signatures(note)) == 1


@pytest.mark.parametrize(("case", "status"), [
    ("no key", 409), ("point person", 403), ("unknown size", 404), ("other key", 422), ("older checkpoint", 422),
    ("not a line", 422), ("negative size", 422), ("no credentials", 401),
])
def test_a_refused_cosignature_writes_nothing(api, world, registered, case, status):
    first = integrate(world)
    world.open_dispute()
    checkpoint = integrate(world)
    who, body = "contoso_admin", {"size": checkpoint.size, "cosignature": line_of(checkpoint.note)}
    if case == "no key":
        who = "auditor"
    elif case == "point person":
        who = "carla"
    elif case == "unknown size":
        body["size"] += 10
    elif case == "other key":
        body["cosignature"] = line_of(checkpoint.note, key=checkpoint_notes.generate_key())
    elif case == "older checkpoint":
        body["cosignature"] = line_of(first.note)
    elif case == "not a line":
        body["cosignature"] = "hello"
    elif case == "negative size":
        body["size"] = -1
    else:
        who = None
    before = table_counts()
    problem = assert_problem(api.post(f"{API}/audit/checkpoint/cosignatures", body, as_=who), status)
    assert table_counts() == before
    if status == 422:
        assert set(problem["errors"]) == ({"size"} if case == "negative size" else {"cosignature"})


def test_cosigners_list_what_each_caller_may_see(api, world, registered):
    checkpoint = integrate(world)
    api.post(f"{API}/audit/checkpoint/cosignatures", {"size": checkpoint.size, "cosignature": line_of(checkpoint.note)},
             as_="contoso_admin")
    items = api.get(f"{API}/audit/cosigners", as_="auditor").json["items"]
    assert items == [{"organization": {"id": world.orgs["contoso"].id, "name": "Contoso Retail"}, "key_name": NAME,
                      "size": checkpoint.size, "cosigned_at": "2026-03-02T09:00:00+00:00",
                      "received_at": world.clock.now().isoformat()}]
    assert api.get(f"{API}/audit/cosigners", as_="carla").json["items"] == items
    assert api.get(f"{API}/audit/cosigners", as_="frank").json["items"] == []
