"""The home page shows each person what needs their attention, and only theirs."""

from datetime import timedelta

from mediation import services
from protocols import services as protocol_services
from tests.protocols.test_agreement import terms


def _html(browser, path="/"):
    response = browser.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _protocol(world, clock, proposed=True, agreed=False):
    alice = world.actor("alice")
    protocol = protocol_services.create_protocol(
        alice, clock, project_id=world.projects["contoso"].id, scenario="routine", **terms(world)
    )
    if proposed or agreed:
        protocol_services.transition_version(alice, clock, protocol.id, 1, trigger="propose")
    if agreed:
        protocol_services.acknowledge(alice, clock, protocol.id, version=1)
        protocol_services.acknowledge(world.actor("carla"), clock, protocol.id, version=1)
    return protocol


def test_with_nothing_waiting_each_section_says_so_and_where_to_look(browser_as):
    html = _html(browser_as("alice"))
    assert "No dispute is waiting on you" in html
    assert "Nothing to acknowledge" in html
    assert "Every protocol in force is on track" in html


def test_a_mediator_sees_the_disputes_they_run_and_a_stale_one_first(browser_as, world, clock):
    fresh = world.open_dispute(title="Fresh dispute")
    clock.advance(hours=30)
    world.open_dispute(title="Another dispute")
    html = _html(browser_as("alice"))
    assert "Fresh dispute" in html and "sitting in intake for over a day" in html
    assert html.index("Fresh dispute") < html.index("Another dispute")
    assert f'/disputes/{fresh.id}"' in html


def test_a_party_sees_the_dispute_that_waits_for_their_story_until_they_tell_it(browser_as, world, clock):
    dispute = world.drive(world.open_dispute(title="Late deliveries"), "story_gathering")
    carla = browser_as("carla")
    assert "waiting for your side of the story" in _html(carla)
    services.record_story(world.actor("carla"), clock, dispute.id, party_id=world.id("carla"), text="Our side.")
    assert "Late deliveries" not in _html(carla)


def test_a_point_person_sees_a_resolution_that_needs_their_companys_acceptance(browser_as, world):
    world.drive(world.open_dispute(title="Cap on hours"), "resolution")
    html = _html(browser_as("carla"))
    assert "Cap on hours" in html and "needs Contoso Retail to accept an option" in html


def test_a_person_with_an_overdue_commitment_sees_it_as_urgent(browser_as, world, clock):
    dispute = world.drive(world.open_dispute(title="Credit note"), "resolved")
    services.record_commitment(world.actor("alice"), clock, dispute.id, person_id=world.id("carla"),
                               description="Send the corrected invoice", due_at=clock.now() + timedelta(days=2))
    clock.advance(days=3)
    html = _html(browser_as("carla"))
    assert "Credit note" in html and "was due" in html and "urgent" in html


def test_another_customers_disputes_never_appear(browser_as, world):
    world.drive(world.open_dispute(title="Contoso only"), "resolution")
    assert "Contoso only" not in _html(browser_as("frank"))


def test_proposed_protocol_versions_wait_for_each_companys_acknowledgement(browser_as, world, clock):
    protocol = _protocol(world, clock)
    carla = browser_as("carla")
    assert f'/protocols/{protocol.id}"' in _html(carla)
    protocol_services.acknowledge(world.actor("carla"), clock, protocol.id, version=1)
    assert "Nothing to acknowledge" in _html(carla)
    assert f'/protocols/{protocol.id}"' in _html(browser_as("alice")), "Northwind has not acknowledged yet"
    assert "Nothing to acknowledge" in _html(browser_as("frank"))


def test_a_protocol_with_contact_overdue_is_listed(browser_as, world, clock):
    protocol = _protocol(world, clock, agreed=True)
    clock.advance(days=9)
    html = _html(browser_as("carla"))
    assert f'/protocols/{protocol.id}"' in html and "overdue" in html


def test_an_auditor_is_told_nothing_waits_on_them(browser_as, world):
    world.drive(world.open_dispute(), "resolution")
    html = _html(browser_as("auditor"))
    assert "Auditors change nothing" in html


def test_navigation_follows_the_roles(browser_as):
    assert 'href="/admin"' in _html(browser_as("admin"))
    alice = _html(browser_as("alice"))
    assert 'href="/admin"' not in alice and 'href="/audit"' not in alice
    assert 'href="/audit"' in _html(browser_as("auditor"))


def test_a_supplier_point_person_is_not_asked_to_accept_on_disputes_they_are_not_part_of(browser_as, world):
    world.drive(world.open_dispute(account="fabrikam", title="Fabrikam licences"), "resolution")
    assert "Fabrikam licences" not in _html(browser_as("alice"))
    assert "Fabrikam licences" in _html(browser_as("bob"))


def test_overdue_contact_is_shown_to_those_who_answer_for_the_protocol(browser_as, world, clock):
    protocol = _protocol(world, clock, agreed=True)
    clock.advance(days=9)
    assert f'/protocols/{protocol.id}"' in _html(browser_as("alice")), "she manages the account and is named"
    assert f'/protocols/{protocol.id}"' in _html(browser_as("admin")), "administrators oversee every protocol"
    assert f'/protocols/{protocol.id}"' not in _html(browser_as("bob")), "another account's manager"
