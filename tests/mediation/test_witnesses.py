"""Companies as witnesses: registering the key that checks a company's cosignatures, keeping
the cosignatures that verify with it, serving them with the checkpoint, and who cosigned last."""

from datetime import datetime
from datetime import timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import ledger
from mediation import witnesses
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from tests.conftest import table_counts

NAME = "contoso.example/witness"
# A fixed key: the test ids made from it must be the same in every test process.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
VERIFIER_KEY = checkpoint_notes.verifier_key(NAME, KEY.public_key())
TIME = 1_772_442_000  # 2026-03-02 09:00 UTC


def integrate(world):
    return checkpoints.integrate(world.clock.now(), checkpoints.signing_key()).checkpoint


def line_of(note: str, name=NAME, key=KEY, timestamp=TIME) -> str:
    return checkpoint_notes.cosign(note, name, key, timestamp).splitlines(keepends=True)[-1]


@pytest.fixture
def registered(world):
    return witnesses.register_key(world.actor("contoso_admin"), world.clock, world.orgs["contoso"].id, VERIFIER_KEY)


def test_an_administrator_registers_the_companys_key_on_the_record(world, registered):
    assert (registered.name, registered.verifier_key) == (NAME, VERIFIER_KEY)
    assert registered.registered_by_id == world.id("contoso_admin")
    event = ledger.history("organization", world.orgs["contoso"].id)[-1]
    assert event.kind == "witness_key_registered"
    assert event.data == {"name": NAME, "key_hash": checkpoint_notes.key_hash(NAME, KEY.public_key()).hex()}
    assert witnesses.key_of(world.actor("alice"), world.orgs["contoso"].id).verifier_key == VERIFIER_KEY


def test_replacing_the_key_is_recorded_with_the_key_it_replaces_and_the_same_key_again_is_not(world, registered):
    other = checkpoint_notes.generate_key()
    replacement = checkpoint_notes.verifier_key("contoso.example/witness-2", other.public_key())
    admin, contoso = world.actor("contoso_admin"), world.orgs["contoso"].id
    assert witnesses.register_key(admin, world.clock, contoso, replacement).name == "contoso.example/witness-2"
    event = ledger.history("organization", contoso)[-1]
    assert event.data["replaced_key_hash"] == checkpoint_notes.key_hash(NAME, KEY.public_key()).hex()
    before = table_counts()
    witnesses.register_key(admin, world.clock, contoso, replacement)
    assert table_counts() == before


@pytest.mark.parametrize(("who", "refusal"), [
    ("carla", Forbidden), ("contoso_auditor", Forbidden), ("admin", Forbidden), ("frank", NotFound),
])
def test_only_the_companys_own_administrators_register_its_key(world, who, refusal):
    before = table_counts()
    with pytest.raises(refusal):
        witnesses.register_key(world.actor(who), world.clock, world.orgs["contoso"].id, VERIFIER_KEY)
    assert table_counts() == before


def test_the_supplier_registers_a_key_for_itself(world):
    found = witnesses.register_key(world.actor("admin"), world.clock, world.orgs["northwind"].id,
                                   checkpoint_notes.verifier_key("northwind.example/witness", KEY.public_key()))
    assert found.organization_id == world.orgs["northwind"].id


@pytest.mark.parametrize("text", [
    "not a key", f"{NAME}+00000000+AQ==", VERIFIER_KEY.replace("+", "+0", 1),
    f"{NAME}+{checkpoint_notes.key_hash(NAME, KEY.public_key()).hex()}+" + "A" * 44,
])
def test_a_malformed_key_is_refused_naming_the_field(world, text):
    with pytest.raises(Invalid) as refused:
        witnesses.register_key(world.actor("contoso_admin"), world.clock, world.orgs["contoso"].id, text)
    assert list(refused.value.errors) == ["verifier_key"]


def test_one_public_key_stands_for_one_company(world, registered):
    renamed = checkpoint_notes.verifier_key("fabrikam.example/witness", KEY.public_key())
    fabrikam_admin = world.people["gina"]
    fabrikam_admin.roles = {"admin"}
    fabrikam_admin.save()
    with pytest.raises(Conflict):
        witnesses.register_key(world.actor("gina"), world.clock, world.orgs["fabrikam"].id, renamed)


def test_a_cosignature_that_verifies_is_kept_and_served_with_the_checkpoint(world, registered):
    checkpoint = integrate(world)
    received = witnesses.receive(world.actor("contoso_auditor"), world.clock, checkpoint.size,
                                 line_of(checkpoint.note))
    assert received.cosigned_at == datetime.fromtimestamp(TIME, timezone.utc)
    assert received.organization.name == "Contoso Retail"
    note = witnesses.latest_cosigned_note()
    assert checkpoint_notes.verify_cosignature(note, NAME, KEY.public_key()) == TIME
    assert checkpoint_notes.verify(note, checkpoints.verifier_key()).size == checkpoint.size


def test_a_second_cosignature_of_a_checkpoint_replaces_the_first(world, registered):
    checkpoint = integrate(world)
    for timestamp in (TIME, TIME + 60):
        witnesses.receive(world.actor("contoso_admin"), world.clock, checkpoint.size,
                          line_of(checkpoint.note, timestamp=timestamp))
    assert witnesses.Cosignature.select().count() == 1
    assert checkpoint_notes.verify_cosignature(witnesses.latest_cosigned_note(), NAME, KEY.public_key()) == TIME + 60


@pytest.mark.parametrize(("case", "refusal"), [
    ("no key", Conflict), ("point person", Forbidden), ("unknown size", NotFound), ("other key", Invalid),
    ("other checkpoint", Invalid), ("two lines", Invalid), ("garbage", Invalid),
])
def test_a_refused_cosignature_writes_nothing(world, registered, case, refusal):
    first = integrate(world)
    world.open_dispute()
    checkpoint = integrate(world)
    who, size, line = "contoso_admin", checkpoint.size, line_of(checkpoint.note)
    if case == "no key":
        who = "admin"
    elif case == "point person":
        who = "carla"
    elif case == "unknown size":
        size = checkpoint.size + 1
    elif case == "other key":
        line = line_of(checkpoint.note, key=checkpoint_notes.generate_key())
    elif case == "other checkpoint":
        line = line_of(first.note)
    elif case == "two lines":
        line = line + line
    else:
        line = "\u2014 " + NAME + " not-base64"
    before = table_counts()
    with pytest.raises(refusal) as refused:
        witnesses.receive(world.actor(who), world.clock, size, line)
    assert table_counts() == before
    if refusal is Invalid:
        assert list(refused.value.errors) == ["cosignature"]


def test_cosigners_name_each_company_with_a_key_and_its_largest_cosigned_checkpoint(world, registered):
    witnesses.register_key(world.actor("admin"), world.clock, world.orgs["northwind"].id,
                           checkpoint_notes.verifier_key("northwind.example/witness",
                                                         checkpoint_notes.generate_key().public_key()))
    first = integrate(world)
    witnesses.receive(world.actor("contoso_admin"), world.clock, first.size, line_of(first.note))
    world.open_dispute()
    second = integrate(world)
    world.clock.advance(minutes=5)
    witnesses.receive(world.actor("contoso_admin"), world.clock, second.size, line_of(second.note, timestamp=TIME + 300))
    found = witnesses.cosigners(world.actor("auditor"))
    assert [(c.organization.name, c.size) for c in found] == [("Contoso Retail", second.size),
                                                              ("Northwind Systems", None)]
    assert found[0].received_at == world.clock.now()
    assert [c.organization.name for c in witnesses.cosigners(world.actor("frank"))] == ["Northwind Systems"]
    assert [c.organization.name for c in witnesses.cosigners(world.actor("carla"))] == ["Contoso Retail",
                                                                                         "Northwind Systems"]
