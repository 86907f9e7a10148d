"""Each person chooses per kind how often they are mailed, their digest hour, time zone and
quiet hours; what is left out keeps its value, and a choice that breaks a rule changes
nothing and names every field at fault."""

import pytest

from mediation.errors import Invalid
from outreach.kinds import KINDS
from outreach.settings import change_settings
from outreach.settings import settings_of
from tests.conftest import table_counts


def test_a_person_who_never_chose_has_the_defaults(world):
    chosen = settings_of(world.id("carla"))
    assert chosen.frequencies == {name: kind.default for name, kind in KINDS.items()}
    assert chosen.frequencies["waiting_on_you"] == "immediate" and chosen.frequencies["dispute_update"] == "daily"
    assert (chosen.digest_hour, chosen.timezone, chosen.quiet_from, chosen.quiet_to) == (8, "UTC", None, None)


def test_what_is_given_changes_and_the_rest_is_kept(world):
    carla = world.actor("carla")
    change_settings(carla, world.clock.now(), kinds={"dispute_update": "weekly"}, timezone="Europe/Berlin",
                    quiet_hours={"from": "20:00", "to": "07:00"})
    change_settings(carla, world.clock.now(), digest_hour=17)
    chosen = settings_of(world.id("carla"))
    assert chosen.frequencies["dispute_update"] == "weekly" and chosen.frequencies["stale_dispute"] == "immediate"
    assert (chosen.digest_hour, chosen.timezone, chosen.quiet_from, chosen.quiet_to) == (
        17, "Europe/Berlin", "20:00", "07:00")
    change_settings(carla, world.clock.now(), quiet_hours=None)
    assert settings_of(world.id("carla")).quiet_from is None
    assert settings_of(world.id("alice")) == settings_of(world.id("dev")), "nobody else changed"


def test_every_broken_rule_is_named_and_nothing_changes(world):
    before = table_counts()
    with pytest.raises(Invalid) as refused:
        change_settings(world.actor("carla"), world.clock.now(), kinds={"gossip": "daily", "dispute_update": "hourly"},
                        digest_hour=24, timezone="Mars/Olympus", quiet_hours={"from": "25:00", "to": "7"})
    assert set(refused.value.errors) == {"kinds.gossip", "kinds.dispute_update", "digest_hour", "timezone",
                                         "quiet_hours.from", "quiet_hours.to"}
    with pytest.raises(Invalid) as refused:
        change_settings(world.actor("carla"), world.clock.now(), quiet_hours={"from": "22:00", "to": "22:00"})
    assert set(refused.value.errors) == {"quiet_hours.to"}
    assert table_counts() == before
