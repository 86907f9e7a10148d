"""The read model of a dispute, which the API and the dispute page both show."""

from datetime import timedelta

from mediation import dispute_reading
from mediation import services


def test_options_carry_their_balance_and_the_companies_that_accepted_them(world):
    dispute = world.drive(world.open_dispute(), "resolution")
    read = dispute_reading.read(world.actor("alice"), dispute, world.clock.now())
    first, second = read.options
    assert (first.summary, first.mutual_value, second.mutual_value) == ("Split the difference", True, False)
    assert first.accepted_by == second.accepted_by == []
    services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=first.id)
    read = dispute_reading.read(world.actor("alice"), dispute, world.clock.now())
    assert read.options[0].accepted_by == ["customer"]
    assert read.options[0].accepted_for(world.orgs["contoso"].id)
    assert [acceptance.company for acceptance in read.acceptances] == ["customer"]


def test_a_customer_reads_no_internal_story_and_commitments_say_when_they_are_overdue(world):
    dispute = world.drive(world.open_dispute(), "story_gathering")
    services.record_story(world.actor("alice"), world.clock, dispute.id, party_id=world.id("sam"),
                          text="Internal view", visibility="internal")
    assert len(dispute_reading.read(world.actor("alice"), dispute, world.clock.now()).stories) == 1
    assert dispute_reading.read(world.actor("carla"), dispute, world.clock.now()).stories == []

    resolved = world.drive(dispute, "resolved")
    services.record_commitment(world.actor("alice"), world.clock, resolved.id, person_id=world.id("sam"),
                               description="Send the credit note", due_at=world.clock.now() + timedelta(days=2))
    now = world.clock.now()
    assert [c.overdue for c in dispute_reading.read(world.actor("carla"), resolved, now).commitments] == [False]
    later = dispute_reading.read(world.actor("carla"), resolved, now + timedelta(days=3))
    assert [(c.description, c.overdue) for c in later.commitments] == [("Send the credit note", True)]
