"""Moments and days on the pages (web.ui.dates): one style, in the reader's own time zone
(UTC when they chose none), naming the zone as it was at that moment, inside <time> with
the moment in UTC."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

from outreach import settings
from tests.web.ui.pages import main
from web.ui import dates

BERLIN = ZoneInfo("Europe/Berlin")
WINTER = datetime(2026, 12, 4, 13, 30, tzinfo=timezone.utc)
SUMMER = datetime(2026, 7, 4, 13, 30, tzinfo=timezone.utc)


def test_a_winter_moment_in_berlin_is_cet_and_a_summer_one_cest():
    assert dates.moment_text(WINTER, BERLIN) == "4 Dec 2026, 14:30 CET"
    assert dates.moment_text(SUMMER, BERLIN) == "4 Jul 2026, 15:30 CEST"


def test_utc_is_named_utc_and_a_zone_without_letters_by_its_offset():
    assert dates.moment_text(WINTER, timezone.utc) == "4 Dec 2026, 13:30 UTC"
    assert dates.moment_text(WINTER, ZoneInfo("UTC")) == "4 Dec 2026, 13:30 UTC"
    assert dates.moment_text(WINTER, ZoneInfo("Asia/Singapore")) == "4 Dec 2026, 21:30 UTC+08"


def test_seconds_are_shown_when_asked_for():
    assert dates.moment_text(WINTER + timedelta(seconds=7), BERLIN, seconds=True) == "4 Dec 2026, 14:30:07 CET"


def test_a_day_is_a_date_or_the_day_of_a_moment_in_the_zone(app):
    assert dates.day_text(date(2026, 12, 4)) == "4 Dec 2026"
    late = datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc)
    with app.test_request_context():
        assert str(dates.day(late, timezone.utc)) == '<time datetime="2026-12-04">4 Dec 2026</time>'
        assert str(dates.day(late, BERLIN)) == '<time datetime="2026-12-05">5 Dec 2026</time>'


def test_the_filters_wrap_the_words_in_a_time_element_holding_utc(app):
    with app.test_request_context():
        assert str(dates.moment(WINTER, BERLIN)) == '<time datetime="2026-12-04T13:30:00Z">4 Dec 2026, 14:30 CET</time>'
        assert str(dates.moment("2026-07-04T13:30:00+00:00", BERLIN)) == \
            '<time datetime="2026-07-04T13:30:00Z">4 Jul 2026, 15:30 CEST</time>'
        assert str(dates.day(date(2026, 12, 4))) == '<time datetime="2026-12-04">4 Dec 2026</time>'
        assert dates.moment(None) == "" and dates.day(None) == ""


def test_nobody_signed_in_reads_utc(app):
    with app.test_request_context():
        assert dates.reader_zone() == timezone.utc
        assert str(dates.moment(WINTER)).endswith(">4 Dec 2026, 13:30 UTC</time>")


def _opened(world, at: datetime) -> int:
    world.clock.set(at)
    return world.open_dispute(title=f"Opened {at:%B}").id


def opened_on_page(browser, dispute_id: int) -> str:
    facts = main(browser.get(f"/disputes/{dispute_id}")).find("dl", class_="facts")
    terms = [dt.text for dt in facts.find_all("dt")]
    return facts.find_all("dd")[terms.index("Opened")].find("time").text


def test_a_person_with_a_time_zone_reads_winter_and_summer_moments_in_it(world, browser_as):
    summer, winter = _opened(world, SUMMER), _opened(world, WINTER)
    settings.change_settings(world.actor("carla"), world.clock.now(), timezone="Europe/Berlin")
    carla = browser_as("carla")
    assert opened_on_page(carla, winter) == "4 Dec 2026, 14:30 CET"
    assert opened_on_page(carla, summer) == "4 Jul 2026, 15:30 CEST"


def test_a_person_who_chose_no_time_zone_reads_utc(world, browser_as):
    summer, winter = _opened(world, SUMMER), _opened(world, WINTER)
    dev = browser_as("dev")
    assert opened_on_page(dev, winter) == "4 Dec 2026, 13:30 UTC"
    assert opened_on_page(dev, summer) == "4 Jul 2026, 13:30 UTC"


def test_each_reader_gets_their_own_zone_on_the_same_page(world, browser_as):
    winter = _opened(world, WINTER)
    settings.change_settings(world.actor("alice"), world.clock.now(), timezone="Asia/Tokyo")
    assert opened_on_page(browser_as("alice"), winter) == "4 Dec 2026, 22:30 JST"
    assert opened_on_page(browser_as("dev"), winter) == "4 Dec 2026, 13:30 UTC"
