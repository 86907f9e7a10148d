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


def _items(html) -> list[str]:
    """The text of each item of the "Waiting on you" list, in order."""
    import re

    block = html.split('<ol class="agenda">', 1)[1].split("</ol>", 1)[0] if '<ol class="agenda">' in html else ""
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in block.split("<li>")[1:]]


def test_with_nothing_waiting_the_home_says_so_and_where_to_look(browser_as):
    html = _html(browser_as("alice"))
    assert "Nothing waits on you right now" in html
    assert 'href="/disputes"' in html and 'href="/protocols"' in html


def test_a_mediator_sees_the_disputes_they_run_with_the_next_step_and_a_stale_one_first(browser_as, world, clock):
    fresh = world.open_dispute(title="Fresh dispute")
    clock.advance(hours=30)
    world.open_dispute(title="Another dispute")
    items = _items(_html(browser_as("alice")))
    assert items == [
        "Urgent Fresh dispute: in intake for over a day, waits on you to start gathering stories",
        "Another dispute: waits on you to start gathering stories",
    ]
    assert f'/disputes/{fresh.id}"' in _html(browser_as("alice"))


def test_a_mediator_is_not_told_to_move_a_dispute_that_waits_on_the_customer(browser_as, world, clock):
    dispute = world.drive(world.open_dispute(title="Late deliveries"), "story_gathering")
    services.record_story(world.actor("alice"), clock, dispute.id, party_id=world.id("sam"), text="Our side.")
    assert not any("Late deliveries" in item for item in _items(_html(browser_as("alice"))))
    services.record_story(world.actor("carla"), clock, dispute.id, party_id=world.id("carla"), text="Theirs.")
    assert _items(_html(browser_as("alice"))) == ["Late deliveries: waits on you to move on to finding options"]


def test_a_party_sees_the_dispute_that_waits_for_their_story_until_they_tell_it(browser_as, world, clock):
    dispute = world.drive(world.open_dispute(title="Late deliveries"), "story_gathering")
    carla = browser_as("carla")
    assert _items(_html(carla)) == ["Late deliveries: waits on you to tell your side of the story, or decline"]
    services.record_story(world.actor("carla"), clock, dispute.id, party_id=world.id("carla"), text="Our side.")
    assert "Late deliveries" not in _html(carla)


def test_a_point_person_sees_a_resolution_that_needs_their_companys_acceptance_once(browser_as, world, clock):
    dispute = world.drive(world.open_dispute(title="Cap on hours"), "resolution")
    services.record_commitment(world.actor("alice"), clock, dispute.id, person_id=world.id("carla"),
                               description="Send the timesheets", due_at=clock.now() + timedelta(days=20))
    items = _items(_html(browser_as("carla")))
    assert items == ["Cap on hours: waits on Contoso Retail to accept an option"], "listed once"


def test_the_other_companys_acceptance_is_named_in_the_step(browser_as, world, clock):
    from mediation import dispute_queries

    dispute = world.drive(world.open_dispute(title="Cap on hours"), "resolution")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    services.accept_option(world.actor("alice"), clock, dispute.id, option_id=option.id)
    assert _items(_html(browser_as("carla"))) == [
        "Cap on hours: waits on Contoso Retail to accept \u201cSplit the difference\u201d, which Northwind "
        "Systems accepted, or another option"]
    assert not any("Cap on hours" in item for item in _items(_html(browser_as("alice")))), "it waits on Contoso"


def test_a_commitment_is_listed_when_due_within_a_week_and_as_urgent_once_overdue(browser_as, world, clock):
    dispute = world.drive(world.open_dispute(title="Credit note"), "resolved")
    services.record_commitment(world.actor("alice"), clock, dispute.id, person_id=world.id("carla"),
                               description="Send the corrected invoice", due_at=clock.now() + timedelta(days=17))
    assert _items(_html(browser_as("carla"))) == [], "due in 17 days is not due soon"
    clock.advance(days=11)
    [item] = _items(_html(browser_as("carla")))
    assert item.startswith("Credit note: your commitment is due")
    clock.advance(days=7)
    [item] = _items(_html(browser_as("carla")))
    assert item.startswith("Urgent Credit note: your commitment was due")


def test_the_most_urgent_comes_first(browser_as, world, clock):
    running = world.open_dispute(title="Running one")
    overdue = world.drive(world.open_dispute(title="Overdue one"), "resolved")
    services.record_commitment(world.actor("alice"), clock, overdue.id, person_id=world.id("alice"),
                               description="Call the CFO", due_at=clock.now() + timedelta(hours=1))
    clock.advance(hours=2)
    items = _items(_html(browser_as("alice")))
    assert [item.split(":")[0] for item in items] == ["Urgent Overdue one", "Running one"]
    assert running.title == "Running one"


def test_another_customers_disputes_never_appear(browser_as, world):
    world.drive(world.open_dispute(title="Contoso only"), "resolution")
    assert "Contoso only" not in _html(browser_as("frank"))


def test_proposed_protocol_versions_wait_for_each_companys_acknowledgement(browser_as, world, clock):
    protocol = _protocol(world, clock)
    carla = browser_as("carla")
    assert _items(_html(carla)) == ["POS migration: routine: version 1 waits on Contoso Retail's acknowledgement"]
    protocol_services.acknowledge(world.actor("carla"), clock, protocol.id, version=1)
    assert _items(_html(carla)) == []
    assert f'/protocols/{protocol.id}"' in _html(browser_as("alice")), "Northwind has not acknowledged yet"
    assert _items(_html(browser_as("frank"))) == []


def test_a_protocol_with_contact_overdue_is_listed_as_urgent(browser_as, world, clock):
    protocol = _protocol(world, clock, agreed=True)
    clock.advance(days=9)
    html = _html(browser_as("carla"))
    assert f'/protocols/{protocol.id}"' in html
    [item] = _items(html)
    assert item.startswith("Urgent POS migration: routine: a contact is overdue since")


def test_an_auditors_home_reflects_the_board(browser_as, world, clock):
    world.drive(world.open_dispute(), "resolution")
    html = _html(browser_as("auditor"))
    assert "No protocol is in force yet" in html and "nothing waits on you" in html
    protocol = _protocol(world, clock, agreed=True)
    assert "All 1 protocols in force are on track" in _html(browser_as("auditor"))
    clock.advance(days=9)
    html = " ".join(_html(browser_as("auditor")).split())
    assert "1 of 1 protocols in force need attention: 1 overdue." in html
    assert f'/protocols/{protocol.id}"' in html
    assert "on track" not in html


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
