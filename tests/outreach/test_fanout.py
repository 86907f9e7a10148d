"""What happens is told, in the change's own transaction, to the people part of it: a
dispute's parties, mediators and account managers, a protocol version's point people and
the account's managers. Never to the one who did it, never to anyone who may not read it,
never for a change that rolled back, never twice."""

import pytest

from mediation import hooks
from mediation import dispute_queries
from mediation import services
from mediation.db import write_transaction
from mediation.directory import disable_person
from outreach import fanout
from outreach.models import Notification
from outreach.notices import Notice
from outreach.notices import notify
from protocols import DISPUTE_LISTENERS
from tests.protocols.test_agreement import ack
from tests.protocols.test_agreement import create
from tests.protocols.test_agreement import propose


def told(world, kind=None) -> dict[str, list[str]]:
    """Each person's notification titles, oldest first, by the world's keys."""
    keys = {person.id: key for key, person in world.people.items()}
    found = {}
    query = Notification.select().order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    for notification in query:
        found.setdefault(keys[notification.person_id], []).append(notification.title)
    return found


def test_a_new_dispute_is_told_to_its_parties_but_not_to_whoever_opened_it(world):
    world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    assert told(world) == {"sam": ["Late delivery: a new dispute"], "carla": ["Late delivery: a new dispute"]}


def test_a_change_of_stage_is_told_in_words_to_everyone_part_of_the_dispute(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    services.assign_mediators(world.actor("alice"), world.clock, dispute.id, mediator_id=world.id("bob"))
    world.drive(dispute, "story_gathering", by="alice")
    updates = told(world, "dispute_update")
    assert updates["carla"][-1] == "Late delivery: moved to story gathering"
    assert updates["bob"] == ["Late delivery: moved to story gathering"]
    assert "alice" not in updates
    assert not {"frank", "gina", "dev", "admin", "contoso_admin"} & set(updates)


def test_options_acceptances_and_commitments_are_told_with_what_they_say(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    world.drive(dispute, "resolved", by="alice")
    titles = told(world, "dispute_update")["carla"]
    assert "Late delivery: a new option, \u201cSplit the difference\u201d" in titles
    assert "Late delivery: Northwind Systems accepted \u201cSplit the difference\u201d" in titles
    assert titles[-1] == "Late delivery: moved to resolved"


def test_a_retracted_acceptance_is_told_to_the_other_company(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"], title="Late delivery")
    world.drive(dispute, "resolution", by="alice")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    given = services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=option.id)
    services.retract_acceptance(world.actor("carla"), world.clock, dispute.id, acceptance_id=given.id)
    assert told(world, "dispute_update")["alice"][-1] == \
        "Late delivery: Contoso Retail took back its acceptance of \u201cSplit the difference\u201d"


def test_internal_notes_and_stories_tell_no_one(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"])
    before = Notification.select().count()
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Their CFO is new.", visibility="internal")
    services.record_story(world.actor("alice"), world.clock, dispute.id, party_id=world.id("sam"),
                          text="We shipped late.", visibility="internal")
    assert Notification.select().count() == before


def test_a_change_that_rolls_back_tells_no_one(world):
    def refuse(event):
        raise RuntimeError("the change fails after its event was written")

    hooks.install(*DISPUTE_LISTENERS, appended=(fanout.on_event, refuse))
    try:
        with pytest.raises(RuntimeError):
            world.open_dispute("contoso", parties=["sam", "carla"])
    finally:
        from outreach import install
        install()
    assert Notification.select().count() == 0


def test_disabled_people_and_people_of_other_companies_are_never_told(world):
    disable_person(None, world.clock, person_id=world.id("sam"))
    dispute = world.open_dispute("contoso", by="alice", parties=["carla"])
    with write_transaction():
        notify({world.id("frank"), world.id("sam"), world.id("carla")},
               Notice("dispute_update", "dispute", dispute.id, dispute.account_id, "test", "Told", "/disputes/1"),
               world.clock.now())
    assert set(told(world)) == {"carla"}


def test_the_same_notice_is_written_once_however_often_it_is_told(world):
    dispute = world.open_dispute("contoso", by="alice", parties=["carla"])
    notice = Notice("waiting_on_you", "dispute", dispute.id, dispute.account_id, "story:1", "Yours", "/disputes/1")
    with write_transaction():
        assert notify({world.id("carla")}, notice, world.clock.now()) == 1
        assert notify({world.id("carla")}, notice, world.clock.now()) == 0
    assert told(world, "waiting_on_you") == {"carla": ["Yours"]}


def test_a_proposed_and_an_agreed_version_are_told_to_its_point_people_and_the_account_managers(world):
    protocol = create(world, backup_ids=[world.people["dev"].id])
    propose(world, protocol.id, 1)
    ack(world, protocol.id, 1, "alice")
    ack(world, protocol.id, 1, "carla")
    updates = told(world, "protocol_update")
    proposed, agreed = ("Routine protocol of POS migration: version 1 proposed",
                        "Routine protocol of POS migration: version 1 agreed")
    assert updates["dev"] == [proposed, agreed]
    assert updates["alice"] == [agreed]  # she proposed it; carla's acknowledgement agreed it
    assert updates["carla"] == [proposed]
    assert not {"frank", "gina", "bob"} & set(updates)
