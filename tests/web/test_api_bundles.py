"""Proof bundles: exported through the API by an auditor of either company, checked offline
with nothing but the installation's verifier key (and the witnesses' keys), and every
single change to the file found and named."""

import copy
import json

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mediation import bundle_check
from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import dispute_queries
from mediation import services
from mediation import witnesses
from mediation.ledger import event_hash
from protocols import services as protocols
from tests.conftest import assert_problem
from web.cli import main

API = "/api/v1"
WITNESS = "contoso.example/witness"
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WITNESS_VERIFIER_KEY = checkpoint_notes.verifier_key(WITNESS, WITNESS_KEY.public_key())


def integrate(world):
    return checkpoints.integrate(world.clock.now(), checkpoints.signing_key()).checkpoint


def export(api, dispute_id, as_="auditor") -> dict:
    response = api.get(f"{API}/disputes/{dispute_id}/bundle", as_=as_)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == f'attachment; filename="accord-dispute-{dispute_id}-bundle.json"'
    return json.loads(response.get_data(as_text=True))


def check(bundle, witness_keys=()):
    return bundle_check.check(bundle, checkpoints.verifier_key(), witness_keys)


def problem_of(bundle, witness_keys=()) -> str:
    with pytest.raises(bundle_check.BundleProblem) as raised:
        check(bundle, witness_keys)
    return str(raised.value)


@pytest.fixture
def dispute(world):
    """A resolved dispute with an internal note, another dispute's events between its own in
    the account's chain, all integrated and signed."""
    dispute = world.open_dispute()
    world.open_dispute(title="Late delivery")
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Check the contract.", visibility="internal")
    world.drive(dispute, "resolved")
    integrate(world)
    return dispute


def test_the_suppliers_auditor_exports_every_event_with_its_proof_and_it_verifies_offline(api, world, dispute):
    bundle = export(api, dispute.id)
    events = dispute_queries.dispute_history(world.actor("auditor"), dispute.id)
    assert bundle["format"] == "accord-proof-bundle/1"
    assert bundle["subject"] == {"type": "dispute", "id": dispute.id, "title": "Invoice dispute"}
    assert bundle["company"] == "supplier" and bundle["origin"] == checkpoints.origin()
    assert bundle["checkpoint"] == api.get(f"{API}/audit/checkpoint", as_="auditor").get_data(as_text=True)
    assert (bundle["event_count"], bundle["newer_events_left_out"]) == (len(events), 0)
    assert [event["hash"] for event in bundle["events"]] == [event.hash for event in events]
    assert [event["sequence"] for event in bundle["events"]] == [event.sequence for event in events]
    assert any(event["chain"].endswith("/internal") for event in bundle["events"])
    checked = check(bundle)
    assert (checked.events, checked.size, checked.origin) == (len(events), checkpoints.latest().size,
                                                              checkpoints.origin())


def test_a_customers_auditor_exports_the_shared_chain_alone_without_places_among_all_events(api, world, dispute):
    bundle = export(api, dispute.id, as_="contoso_auditor")
    chain = f"account:{world.accounts['contoso'].id}"
    assert bundle["company"] == "customer"
    assert bundle["events"] and {event["chain"] for event in bundle["events"]} == {chain}
    assert {event["sequence"] for event in bundle["events"]} == {None}
    assert all(event["payload"].get("visibility") != "internal" for event in bundle["events"])
    assert bundle["event_count"] == len(dispute_queries.dispute_history(world.actor("contoso_auditor"), dispute.id))
    assert check(bundle).events == bundle["event_count"]


def test_events_written_after_the_checkpoint_are_left_out_and_counted(api, world, dispute):
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Filed.")
    bundle = export(api, dispute.id)
    assert bundle["newer_events_left_out"] == 1
    assert bundle["event_count"] == len(dispute_queries.dispute_history(world.actor("auditor"), dispute.id)) - 1
    check(bundle)


def test_before_the_first_checkpoint_the_export_waits_for_the_integration(api, world):
    dispute = world.open_dispute()
    body = assert_problem(api.get(f"{API}/disputes/{dispute.id}/bundle", as_="auditor"), 409)
    assert "next integration" in body["detail"]


@pytest.mark.parametrize(("who", "status"), [("carla", 403), ("alice", 403), ("contoso_auditor", 404), (None, 401)])
def test_only_auditors_and_administrators_of_a_company_that_sees_the_dispute_export_it(api, world, who, status):
    dispute = world.open_dispute(account="fabrikam")
    integrate(world)
    assert_problem(api.get(f"{API}/disputes/{dispute.id}/bundle", as_=who), status)


def test_a_protocols_bundle_verifies_for_both_companies(api, world):
    alice, carla = world.actor("alice"), world.actor("carla")
    protocol = protocols.create_protocol(
        alice, world.clock, project_id=world.projects["contoso"].id, scenario="routine",
        cadence={"every": 7, "unit": "days"}, phases=[], channel="video", supplier_point_person_id=world.id("alice"),
        customer_point_person_id=world.id("carla"), backup_ids=[], agenda="", escalation=[], timezone="Europe/Berlin")
    protocols.transition_version(alice, world.clock, protocol.id, 1, trigger="propose")
    protocols.acknowledge(alice, world.clock, protocol.id, version=1)
    protocols.acknowledge(carla, world.clock, protocol.id, version=1)
    integrate(world)
    for who in ("auditor", "contoso_auditor", "contoso_admin"):
        response = api.get(f"{API}/protocols/{protocol.id}/bundle", as_=who)
        assert response.status_code == 200, response.get_data(as_text=True)
        bundle = json.loads(response.get_data(as_text=True))
        assert bundle["subject"]["type"] == "protocol" and bundle["event_count"] >= 4
        check(bundle)
    assert_problem(api.get(f"{API}/protocols/{protocol.id}/bundle", as_="frank"), 403)


@pytest.fixture
def cosigned(api, world, dispute):
    """The dispute's bundle, its checkpoint cosigned by Contoso's witness."""
    witnesses.register_key(world.actor("contoso_admin"), world.clock, world.orgs["contoso"].id, WITNESS_VERIFIER_KEY)
    checkpoint = integrate(world)
    line = checkpoint_notes.cosign(checkpoint.note, WITNESS, WITNESS_KEY, 1_772_442_000).splitlines()[-1]
    witnesses.receive(world.actor("contoso_auditor"), world.clock, checkpoint.size, line)
    return export(api, dispute.id, as_="contoso_auditor")


def test_a_witness_cosignature_travels_with_the_bundle(cosigned):
    assert check(cosigned, [WITNESS_VERIFIER_KEY]).cosigners == (WITNESS,)


def test_a_stripped_or_forged_cosignature_is_named_when_the_witness_key_is_given(cosigned):
    stripped = copy.deepcopy(cosigned)
    stripped["checkpoint"] = cosigned["checkpoint"].rstrip("\n").rsplit("\n", 1)[0] + "\n"
    check(stripped)
    assert f"not cosigned by the witness {WITNESS}" in problem_of(stripped, [WITNESS_VERIFIER_KEY])
    forged = copy.deepcopy(stripped)
    forged["checkpoint"] = checkpoint_notes.cosign(stripped["checkpoint"], WITNESS, Ed25519PrivateKey.generate(),
                                                   1_772_442_000)
    assert f"not cosigned by the witness {WITNESS}" in problem_of(forged, [WITNESS_VERIFIER_KEY])


def _named(event) -> str:
    return f"event {event['chain_sequence']} of chain {event['chain']}"


def _forged_next(bundle) -> dict:
    """A new event after the bundle's last, chained and hashed as the ledger would, with a
    leaf of its own: only the tree can tell it was never written."""
    last = bundle["events"][-1]
    forged = copy.deepcopy(last)
    forged.update(chain_sequence=last["chain_sequence"] + 1, kind="note_added", payload={"text": "We agreed to pay."},
                  prev_hash=last["hash"], sequence=last["sequence"] and last["sequence"] + 1)
    forged["hash"] = event_hash(**bundle_check._read(forged, 0).fields)
    forged["inclusion"]["leaf_index"] += 1
    return forged


def test_the_hash_recomputed_from_the_dumped_form_is_the_ledgers(api, dispute):
    for event in export(api, dispute.id)["events"]:
        assert event_hash(**bundle_check._read(event, 0).fields) == event["hash"]


TAMPERINGS = ["changed kind", "changed payload", "changed time", "changed actor", "deleted event",
              "truncated newest", "inserted forged event", "reordered", "count raised", "forged checkpoint",
              "proof of the wrong leaf", "another leaf's proof", "another dispute's event"]


@pytest.mark.parametrize("case", TAMPERINGS)
@pytest.mark.parametrize("who", ["auditor", "contoso_auditor"])
def test_every_single_change_to_the_file_is_found_and_named(api, world, dispute, who, case):
    bundle = export(api, dispute.id, as_=who)
    events = bundle["events"]
    third = events[2]
    expected = None
    if case == "changed kind":
        third["kind"] = "option_proposed"
        expected = f"{_named(third)} (option proposed): its content does not match its hash"
    elif case == "changed payload":
        events[0]["payload"]["severity"] = "low"
        expected = f"{_named(events[0])} (opened): its content does not match its hash"
    elif case == "changed time":
        third["occurred_at"] = third["occurred_at"].replace("+00:00", "+01:00")
        expected = f"{_named(third)}"
    elif case == "changed actor":
        third["actor"]["role"] = "admin"
        expected = f"{_named(third)}"
    elif case == "deleted event":
        del events[3]
        expected = f"says it holds {len(events) + 1} events but holds {len(events)}"
    elif case == "truncated newest":
        del events[-2:]
        expected = f"says it holds {len(events) + 2} events but holds {len(events)}"
    elif case == "inserted forged event":
        forged = _forged_next(bundle)
        events.append(forged)
        bundle["event_count"] += 1
        expected = f"{_named(forged)} (note added): its proof does not show it in the checkpoint's tree"
    elif case == "reordered":
        events[2], events[3] = events[3], events[2]
        expected = "the events were reordered"
    elif case == "count raised":
        bundle["event_count"] += 1
        expected = "events were removed or added"
    elif case == "forged checkpoint":
        signed = checkpoint_notes.verify(bundle["checkpoint"], checkpoints.verifier_key())
        bundle["checkpoint"] = checkpoint_notes.sign(signed.body(), signed.origin, checkpoint_notes.generate_key())
        expected = "the checkpoint does not verify with the installation's key given"
    elif case == "proof of the wrong leaf":
        third["inclusion"]["leaf_index"] += 1
        expected = f"{_named(third)}"
    elif case == "another leaf's proof":
        third["inclusion"] = events[4]["inclusion"]
        expected = f"{_named(third)}"
    else:
        other = world.open_dispute(title="Another")
        integrate(world)
        events[3] = export(api, other.id, as_=who)["events"][0]
        expected = f"is about dispute {other.id}, not the bundle's dispute {dispute.id}"
    found = problem_of(bundle)
    assert expected in found, found


def test_what_a_bundle_cannot_show_an_event_left_out_with_the_count_lowered_to_match(api, dispute):
    """The limit the README states: nothing signed lists a subject's events, and the events
    left on either side of a removed one are no longer next to each other in their chain,
    so there is no link between them to break."""
    bundle = export(api, dispute.id, as_="contoso_auditor")
    del bundle["events"][1]
    bundle["event_count"] -= 1
    check(bundle)


def verify_bundle(tmp_path, bundle, *options):
    """`accord audit verify-bundle` on a database that does not exist: it must not open one."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    nowhere = f"sqlite:///{tmp_path / 'missing' / 'no.db'}"
    return CliRunner().invoke(main, ["--database", nowhere, "audit", "verify-bundle", str(path), *options])


def test_the_command_verifies_a_bundle_offline_with_the_keys_given_or_their_files(tmp_path, world, cosigned):
    key_file = tmp_path / "accord.vkey"
    key_file.write_text(checkpoints.verifier_key() + "\n", encoding="utf-8")
    result = verify_bundle(tmp_path, cosigned, "--key", str(key_file), "--witness-key", WITNESS_VERIFIER_KEY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["format", "checkpoint", "cosignature", "events", "chains",
                                                           "inclusion"]
    size = checkpoints.latest().size
    assert lines[-1] == (f"ok: {cosigned['event_count']} events verified against the checkpoint of {size} events "
                         f"signed by {checkpoints.origin()}, cosigned by {WITNESS}")
    assert not (tmp_path / "missing").exists()


def test_the_command_exits_1_naming_the_first_thing_that_fails(tmp_path, cosigned):
    cosigned["events"][1]["payload"]["text"] = "Something else."
    result = verify_bundle(tmp_path, cosigned, "--key", checkpoints.verifier_key())
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"FAILED: {_named(cosigned['events'][1])} "
                                     f"({cosigned['events'][1]['kind'].replace('_', ' ')}): "
                                     "its content does not match its hash")
    assert "ok:" not in result.stdout


def test_the_command_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text("not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", "verify-bundle", str(path), "--key", "x"])
    assert result.exit_code == 1 and "cannot read" in result.output
