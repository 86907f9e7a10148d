"""The compliance chart (web.ui.charts) drawn from hand-made compliance results: windows
along the time axis against touchpoints, missed and over-communicated windows marked by
colour, pattern and letter, tooltips, and a text alternative that states the counts."""

import xml.etree.ElementTree as ET
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

from protocols.compliance import Compliance
from protocols.compliance import WindowReport
from web.ui.charts import compliance_chart

SVG = "{http://www.w3.org/2000/svg}"
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
WEEK = timedelta(weeks=1)


def weekly(*statuses, kind="periodic", start=START, length=WEEK) -> list[WindowReport]:
    counts = {"met": 1, "missed": 0, "over": 3, "open": 0}
    return [WindowReport(start + i * length, start + (i + 1) * length, 1, kind, counts[s], s)
            for i, s in enumerate(statuses)]


def draw(windows, touchpoints=(), *, start=START, end=START + 4 * WEEK, now=None, zone=timezone.utc, **kwargs):
    result = Compliance(status="on_track", next_due_at=None, windows=list(windows))
    svg = compliance_chart(result, list(touchpoints), start=start, end=end, now=now or end, zone=zone, **kwargs)
    return str(svg), ET.fromstring(str(svg))


def shapes(root, tag, css_class):
    return [e for e in root.iter(f"{SVG}{tag}") if e.get("class", "").split()[:2] == css_class.split()]


def title_of(element) -> str:
    return element.find(f"{SVG}title").text


def test_each_expected_window_is_a_box_along_the_time_axis_with_its_tooltip():
    _, root = draw(weekly("met", "missed", "over", "open"))
    boxes = [e for e in root.iter(f"{SVG}rect") if e.get("class", "").startswith("window")]
    assert [b.get("class") for b in boxes] == ["window met", "window missed", "window over", "window open"]
    xs = [float(b.get("x")) for b in boxes]
    assert xs == sorted(xs) and xs[0] == 150.0
    widths = {round(float(b.get("width"))) for b in boxes}
    assert widths == {146}  # four equal weeks across the plot
    assert title_of(boxes[1]) == "Window 9 Mar 2026, 09:00 UTC to 16 Mar 2026, 09:00 UTC, version 1: missed, 0 touchpoints"
    assert title_of(boxes[2]).endswith("over-communicated, 3 touchpoints")


def test_missed_and_over_communicated_windows_differ_by_pattern_and_letter_not_only_by_colour():
    _, root = draw(weekly("met", "missed", "over", "open"), ident="c7")
    fills = {b.get("class"): b.get("fill") for b in root.iter(f"{SVG}rect") if b.get("class")}
    assert fills["window missed"] == "url(#c7-missed)" and fills["window over"] == "url(#c7-over)"
    assert fills["window met"].startswith("#")
    patterns = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    assert patterns == {"c7-missed", "c7-over"}
    assert [m.text for m in shapes(root, "text", "mark missed")] == ["M"]
    assert [m.text for m in shapes(root, "text", "mark over")] == ["O"]
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "M missed" in legend and "O over-communicated" in legend and "open (not ended yet)" in legend


def test_touchpoints_are_dots_at_their_time_and_close_ones_share_a_dot_that_says_how_many():
    touchpoints = [START + timedelta(days=1), START + timedelta(days=15), START + timedelta(days=15, minutes=30),
                   START - timedelta(days=1), START + 5 * WEEK]  # the last two are outside the range
    _, root = draw(weekly("met", "missed", "over", "open"), touchpoints)
    dots = shapes(root, "circle", "touchpoint")
    assert [title_of(d) for d in dots] == [
        "Touchpoint 3 Mar 2026, 09:00 UTC",
        "2 touchpoints, 17 Mar 2026, 09:00 UTC to 17 Mar 2026, 09:30 UTC",
    ]
    assert float(dots[0].get("cx")) < float(dots[1].get("cx"))


def test_the_chart_is_an_image_whose_title_and_description_state_the_range_and_the_counts():
    svg, root = draw(weekly("met", "missed", "over", "open", "missed"), [START + timedelta(days=1)],
                     end=START + 5 * WEEK, ident="c1")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Compliance from 2 Mar 2026, 09:00 UTC to 6 Apr 2026, 09:00 UTC"
    assert root.find(f"{SVG}desc").text == \
        "5 expected windows: 1 met, 2 missed, 1 over-communicated, 1 open; 1 touchpoint."
    assert "style" not in svg and "<script" not in svg


def test_the_time_axis_is_labelled_in_the_protocols_time_zone():
    zone = ZoneInfo("Europe/Berlin")
    _, root = draw(weekly("met", "met"), end=START + 2 * WEEK, zone=zone)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Times in CET" in labels
    (tick,) = [t for t in root.iter(f"{SVG}text") if t.text == "4 Mar"]
    assert float(tick.get("x")) == round(150 + 586 * (38 / (14 * 24)), 1)  # 3 Mar 23:00 UTC, 38 hours in
    assert root.find(f"{SVG}title").text.endswith("10:00 CET")


def test_a_december_chart_names_its_moments_cet_and_a_july_one_cest():
    zone = ZoneInfo("Europe/Berlin")
    december = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    july = datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)
    for start, name, hour in ((december, "CET", "10:00"), (july, "CEST", "11:00")):
        _, root = draw(weekly("met", "met", start=start), [start + timedelta(days=1)], start=start,
                       end=start + 2 * WEEK, zone=zone)
        assert f"Times in {name}" in [t.text for t in root.iter(f"{SVG}text")]
        assert root.find(f"{SVG}title").text.endswith(f"{hour} {name}")
        assert [title_of(d) for d in shapes(root, "circle", "touchpoint")] == [
            f"Touchpoint {start.day + 1} {start:%b} 2026, {hour} {name}"]


def test_a_range_across_the_end_of_summer_time_names_each_moment_as_it_was():
    """The default range of a December page, the last 90 days, starts in September: the
    chart does not call its December moments summer time."""
    zone = ZoneInfo("Europe/Berlin")
    end = datetime(2026, 12, 4, 13, 30, tzinfo=timezone.utc)
    start = end - timedelta(days=90)
    touchpoints = [datetime(2026, 9, 15, 8, 0, tzinfo=timezone.utc), datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)]
    _, root = draw(weekly("met", "met", start=start), touchpoints, start=start, end=end, zone=zone)
    assert "Times in CEST and CET" in [t.text for t in root.iter(f"{SVG}text")]
    assert root.find(f"{SVG}title").text == "Compliance from 5 Sep 2026, 15:30 CEST to 4 Dec 2026, 14:30 CET"
    assert [title_of(d) for d in shapes(root, "circle", "touchpoint")] == [
        "Touchpoint 15 Sep 2026, 10:00 CEST", "Touchpoint 1 Dec 2026, 09:00 CET"]


def test_hours_on_an_axis_across_a_change_of_summer_time_name_their_zone():
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 24, 22, 0, tzinfo=timezone.utc)  # summer time ends at 01:00 UTC on 25 Oct
    _, root = draw([], start=start, end=start + timedelta(hours=12), zone=zone)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Times in CEST and CET" in labels
    assert "25 Oct 00:00 CEST" in labels and "06:00 CET" in labels


def test_the_axis_steps_suit_the_range():
    _, day = draw([], start=START, end=START + timedelta(days=1))
    _, year = draw([], start=START, end=START + timedelta(days=365))
    assert "12:00" in [t.text for t in day.iter(f"{SVG}text")]
    assert "Jun 2026" in [t.text for t in year.iter(f"{SVG}text")]


def test_now_is_marked_when_it_falls_in_the_range():
    _, inside = draw(weekly("met", "open"), end=START + 2 * WEEK, now=START + timedelta(days=10))
    _, after = draw(weekly("met", "met"), end=START + 2 * WEEK, now=START + 3 * WEEK)
    assert len(shapes(inside, "line", "now")) == 1
    assert shapes(after, "line", "now") == []


def test_incident_response_windows_have_their_own_lane():
    windows = weekly("met") + [WindowReport(START + timedelta(days=2), START + timedelta(days=2, hours=4), 1,
                                            "response", 0, "missed")]
    _, root = draw(windows)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Expected contact" in labels and "Incident response" in labels
    (periodic,) = shapes(root, "rect", "window met")
    (response,) = shapes(root, "rect", "window missed")
    assert float(response.get("y")) > float(periodic.get("y"))


def test_a_range_without_windows_says_no_contact_was_expected():
    _, root = draw([])
    assert "no contact was expected in this period" in [t.text for t in root.iter(f"{SVG}text")]
    assert root.find(f"{SVG}desc").text == "0 expected windows: 0 met, 0 missed, 0 over-communicated, 0 open; 0 touchpoints."


def test_too_many_windows_to_tell_apart_are_drawn_as_runs_of_one_status_and_keep_their_counts():
    statuses = ["met"] * 150 + ["missed"] * 30 + ["met"] * 20
    windows = weekly(*statuses, length=timedelta(hours=1))
    svg, root = draw(windows, end=START + timedelta(hours=200))
    boxes = [e for e in root.iter(f"{SVG}rect") if e.get("class", "").startswith("window")]
    assert [b.get("class") for b in boxes] == ["window met", "window missed", "window met"]
    assert title_of(boxes[1]).startswith("30 windows missed, 8 Mar 2026, 15:00 UTC to 9 Mar 2026, 21:00 UTC")
    assert "200 expected windows: 170 met, 30 missed" in svg


def test_text_in_the_chart_is_escaped():
    _, root = draw(weekly("met"), ident='x"><script>')
    assert root.get("aria-labelledby") == 'x"><script>-title x"><script>-desc'
