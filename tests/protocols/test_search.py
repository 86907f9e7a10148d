"""Search across disputes and protocols, as the pages and the API search: exactly what each
reader may read is found, and nothing else, not even as a count or a snippet; protocols
are found by their scenario and project, agendas, escalation paths and touchpoints, and
their entries follow every write."""

import pytest

from mediation import directory
from mediation import services as disputes
from mediation.access import Actor
from mediation.db import write_transaction
from mediation.parties import Project
from protocols import search
from protocols import services
from tests.protocols.test_agreement import agree
from tests.protocols.test_agreement import create
from tests.protocols.test_agreement import terms


def hits(actor: Actor, text: str):
    return search.search(actor, text).hits


# --- who finds what ----------------------------------------------------------------------------

# A word for each kind of content; each is written once, in that content alone.
CONTENT = {
    "zircon": "the title of a Contoso dispute",
    "quartz": "its summary",
    "basalt": "a story it shares with Contoso",
    "granite": "an internal story on it",
    "marble": "a note it shares with Contoso",
    "obsidian": "an internal note on it",
    "jasper": "an option on it",
    "feldspar": "the agenda of a Contoso protocol",
    "topaz": "the title of a Fabrikam dispute",
    "garnet": "an internal note on the Fabrikam dispute",
    "beryl": "the agenda of a Fabrikam protocol",
}
CONTOSO_SHARED = {"zircon", "quartz", "basalt", "marble", "jasper", "feldspar"}
FABRIKAM_SHARED = {"topaz", "beryl"}
EVERYTHING = set(CONTENT)
FINDS = {
    "the supplier's administrator": EVERYTHING,
    "Contoso's account manager": EVERYTHING,
    "Fabrikam's account manager": EVERYTHING,
    "a supplier point person": EVERYTHING,
    "the supplier's auditor": EVERYTHING,
    "Contoso's point person": CONTOSO_SHARED,
    "a Contoso person without a role": CONTOSO_SHARED,
    "Contoso's administrator": CONTOSO_SHARED,
    "Contoso's auditor": CONTOSO_SHARED,
    "Fabrikam's point person": FABRIKAM_SHARED,
    "a Fabrikam person without a role": FABRIKAM_SHARED,
}
READERS = {
    "the supplier's administrator": "admin",
    "Contoso's account manager": "alice",
    "Fabrikam's account manager": "bob",
    "a supplier point person": "pat",
    "the supplier's auditor": "auditor",
    "Contoso's point person": "carla",
    "a Contoso person without a role": "dev",
    "Contoso's administrator": "contoso_admin",
    "Contoso's auditor": "contoso_auditor",
    "Fabrikam's point person": "frank",
    "a Fabrikam person without a role": "gina",
}


@pytest.fixture
def written(world, clock):
    """Every kind of content, each holding its own word, and also the word "slate" in a
    shared and an internal note of the Contoso dispute; returns the readers by key."""
    alice, bob = world.actor("alice"), world.actor("bob")
    contoso = world.open_dispute(title="Zircon invoices", summary="Quartz hours above the cap.")
    world.drive(contoso, "story_gathering")
    disputes.record_story(world.actor("carla"), clock, contoso.id, party_id=world.id("carla"),
                          text="Basalt was never ordered.")
    disputes.record_story(alice, clock, contoso.id, party_id=world.id("sam"), text="Granite costs were ours.",
                          visibility="internal")
    disputes.add_note(alice, clock, contoso.id, text="Marble delivery confirmed. Slate too.")
    disputes.add_note(alice, clock, contoso.id, text="Obsidian margin is thin. Slate is late.", visibility="internal")
    world.drive(contoso, "option_generation")
    disputes.propose_option(alice, clock, contoso.id, summary="Jasper credit note", value_to_supplier=1,
                            value_to_customer=2)
    create(world, agenda="Feldspar rollout status.")

    fabrikam = world.open_dispute(account="fabrikam", title="Topaz scanners")
    disputes.add_note(bob, clock, fabrikam.id, text="Garnet build logged every scan.", visibility="internal")
    create(world, by="bob", project="fabrikam", agenda="Beryl warehouse status.",
           **{"supplier_point_person_id": world.id("bob"), "customer_point_person_id": world.id("frank")})

    pat = directory.create_person(None, clock, email="pat@northwind.example", name="Pat",
                                  organization_id=world.orgs["northwind"].id, roles=("point_person",))
    readers = {key: world.actor(key) for key in world.people}
    readers["pat"] = Actor.of(pat)
    return readers


@pytest.mark.parametrize("reader", FINDS)
def test_each_reader_finds_exactly_what_they_may_read(written, reader):
    actor = written[READERS[reader]]

    assert {word for word in CONTENT if hits(actor, word)} == FINDS[reader]


@pytest.mark.parametrize("reader", FINDS)
def test_a_match_a_reader_may_not_read_is_neither_counted_nor_quoted(written, reader):
    actor = written[READERS[reader]]
    found = hits(actor, "slate")
    if "zircon" not in FINDS[reader]:
        assert found == []
        return

    (hit,) = found
    quoted = "".join(segment.text for segment in hit.snippet)
    if "obsidian" in FINDS[reader]:
        assert hit.matches == 2
    else:
        assert (hit.matches, hit.source, hit.visibility) == (1, "note", "shared")
        assert quoted == "Marble delivery confirmed. Slate too."


def test_words_found_only_in_different_texts_of_one_dispute_find_nothing(written):
    assert hits(written["alice"], "zircon quartz") == []
    assert hits(written["carla"], "basalt granite") == []


def test_a_customer_never_finds_another_customers_protocol_by_its_name(written):
    names = {hit.title for hit in hits(written["frank"], "routine protocol")}
    assert names == {"Routine protocol of WMS rollout"}


# --- protocols ---------------------------------------------------------------------------------


def test_a_protocol_is_found_by_its_scenario_and_project_as_people_name_it(world):
    protocol = create(world, scenario="executive_review")

    (hit,) = hits(world.actor("carla"), "executive review POS")
    assert (hit.subject_type, hit.subject_id, hit.title, hit.source) == (
        "protocol", protocol.id, "Executive review protocol of POS migration", "protocol")


def test_a_new_versions_agenda_and_escalation_path_are_found(world):
    protocol = create(world)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(
        world, agenda="Quarterly roadmap review.",
        escalation=[{"person_id": world.id("bob"), "respond_within_hours": 4}]))

    (agenda,) = hits(world.actor("carla"), "roadmap")
    (escalation,) = hits(world.actor("carla"), "bob")
    assert (agenda.source, escalation.source) == ("agenda", "escalation")
    assert agenda.subject_id == escalation.subject_id == protocol.id
    assert "".join(s.text for s in escalation.snippet) == "Bob"


def test_a_touchpoints_summary_is_found(world):
    protocol = create(world)
    agree(world, protocol.id, 1)
    world.clock.advance(hours=1)
    services.log_touchpoint(world.actor("carla"), world.clock, protocol.id, occurred_at=world.clock.now(),
                            channel="video", supplier_person_id=world.id("alice"),
                            customer_person_id=world.id("carla"), summary="Agreed the pilot stores.")

    (hit,) = hits(world.actor("alice"), "pilot stores")
    assert (hit.subject_id, hit.source) == (protocol.id, "touchpoint")


def test_a_renamed_project_names_its_protocols_anew(world):
    create(world)
    with write_transaction():
        Project.update(name="Till replacement").where(Project.id == world.projects["contoso"].id).execute()

    assert [hit.title for hit in hits(world.actor("carla"), "till replacement")] == [
        "Routine protocol of Till replacement"]
    assert hits(world.actor("carla"), "POS migration") == []


def test_disputes_and_protocols_are_ranked_together(world):
    create(world, agenda="Overtime review.")
    world.open_dispute(title="Overtime above the cap")
    dispute = world.open_dispute(title="Licence count")
    disputes.add_note(world.actor("alice"), world.clock, dispute.id, text="Overtime again.")

    assert [(hit.subject_type, hit.source) for hit in hits(world.actor("alice"), "overtime")] == [
        ("dispute", "title"), ("protocol", "agenda"), ("dispute", "note")]
