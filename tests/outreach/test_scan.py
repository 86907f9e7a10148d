"""What waits and what falls due is found by a scan and told once per period: a dispute
left in intake, an untold story, an acceptance or acknowledgement awaited, a commitment
coming due, a contact due soon or overdue. The scan tells what the home page shows."""

from datetime import timedelta

from mediation import dispute_queries
from mediation import services
from mediation.attention import disputes_waiting_on
from outreach.models import Notification
from outreach.scan import COMMITMENT_NOTICE
from outreach.scan import WAITING
from outreach.scan import scan
from protocols.attention import awaiting_acknowledgement
from tests.outreach.test_fanout import told
from tests.protocols.test_agreement import ack
from tests.protocols.test_agreement import create
from tests.protocols.test_agreement import propose


def fire(world, dispute, trigger, by="alice", **data):
    current = dispute_queries.get_dispute(world.actor(by), dispute.id)
    return services.transition(world.actor(by), world.clock, dispute.id, trigger=trigger,
                               expected_version=current.version, **data)


def test_a_dispute_left_in_intake_is_told_once_to_whoever_runs_it(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    services.assign_mediators(world.actor("alice"), world.clock, dispute.id, mediator_id=world.id("sam"))
    assert scan(world.clock.now()) == 0
    world.clock.advance(hours=25)
    assert scan(world.clock.now()) == 2
    stale = Notification.select().where(Notification.kind == "stale_dispute")
    assert {(n.person_id, n.urgent) for n in stale} == {(world.id("alice"), True), (world.id("sam"), True)}
    assert told(world, "stale_dispute")["alice"] == ["Late delivery: in intake for more than a day"]
    world.clock.advance(days=3)
    assert scan(world.clock.now()) == 0, "one stay in intake is told once"


def test_an_untold_story_is_told_to_its_party_until_it_is_told(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    fire(world, dispute, "gather_stories")
    scan(world.clock.now())
    waiting = told(world, "waiting_on_you")
    assert waiting == {"sam": ["Late delivery: your story is awaited"],
                       "carla": ["Late delivery: your story is awaited"]}
    services.record_story(world.actor("carla"), world.clock, dispute.id, party_id=world.id("carla"),
                          text="The pallets arrived a week late.")
    assert scan(world.clock.now()) == 0


def test_the_company_that_has_not_accepted_is_told_its_acceptance_is_awaited(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    world.drive(dispute, "resolution", by="alice")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    services.accept_option(world.actor("alice"), world.clock, dispute.id, option_id=option.id)
    scan(world.clock.now())
    waiting = told(world, "waiting_on_you")
    assert waiting["carla"] == ["Late delivery: your company's acceptance is awaited"]
    assert not {"alice", "sam", "admin"} & set(waiting), "the supplier has accepted"


def test_a_commitment_is_told_three_days_before_it_is_due_and_again_when_overdue(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    world.drive(dispute, "resolved", by="alice")
    services.record_commitment(world.actor("alice"), world.clock, dispute.id, person_id=world.id("carla"),
                               description="Confirm the new dates", due_at=world.clock.now() + timedelta(days=10))
    scan(world.clock.now())
    assert "carla" not in told(world, "waiting_on_you")
    world.clock.set(world.clock.now() + timedelta(days=10) - COMMITMENT_NOTICE)
    scan(world.clock.now())
    assert told(world, "waiting_on_you")["carla"] == ["Late delivery: your commitment is due"]
    world.clock.advance(days=4)
    scan(world.clock.now())
    assert told(world, "waiting_on_you")["carla"][-1] == "Late delivery: your commitment is overdue"
    assert scan(world.clock.now()) == 0


def test_a_proposed_version_is_told_to_whoever_may_acknowledge_it_for_a_company_that_has_not(world):
    protocol = create(world)
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")
    scan(world.clock.now())
    waiting = told(world, "waiting_on_you")
    assert waiting["carla"] == [
        "Routine protocol of POS migration: your company's acknowledgement of version 1 is awaited"]
    assert "alice" not in waiting and "frank" not in waiting


def test_contact_due_soon_is_told_to_the_point_people_and_overdue_to_the_backups_too(world):
    protocol = create(world, backup_ids=[world.id("dev")])
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")
    ack(world, protocol.id, 1, "carla")
    world.clock.advance(days=6, hours=12)
    scan(world.clock.now())
    due = told(world, "touchpoint_due")
    assert set(due) == {"alice", "carla"}
    assert due["carla"][0].startswith("Routine protocol of POS migration: contact is due by ")
    world.clock.advance(days=1)
    scan(world.clock.now())
    due = told(world, "touchpoint_due")
    assert due["dev"] == [due["carla"][-1]] and "overdue" in due["dev"][0]
    assert scan(world.clock.now()) == 0


def test_the_scan_tells_everyone_what_their_home_page_shows_waiting_on_them(world):
    contoso = world.open_dispute("contoso", by="alice", parties=["sam", "carla", "dev"])
    fire(world, contoso, "gather_stories")
    fabrikam = world.open_dispute("fabrikam", by="bob", parties=["sam", "frank", "gina"])
    world.drive(fabrikam, "resolution", by="bob")
    services.record_commitment(world.actor("bob"), world.clock, fabrikam.id, person_id=world.id("gina"),
                               description="Send the report", due_at=world.clock.now() + timedelta(days=1))
    protocol = create(world)
    propose(world, protocol.id, 1)
    now = world.clock.now()
    scan(now)
    for key, person in world.people.items():
        actor = world.actor(key)
        expected = {("dispute", w.dispute.id, w.reason) for w in disputes_waiting_on(actor, now)
                    if w.reason in WAITING}
        expected |= {("protocol", version.protocol.id, "acknowledgement")
                     for version in awaiting_acknowledgement(actor)}
        found = {(n.subject_type, n.subject_id, n.period.split(":")[0]) for n in
                 Notification.select().where((Notification.person == person.id)
                                             & (Notification.kind == "waiting_on_you"))}
        assert found == expected, key
    assert any(told(world, "waiting_on_you").values())
