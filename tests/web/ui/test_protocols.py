"""The protocol pages (issue 4, "Protocols"): the board, a project's protocols with the
drafting form, and a protocol with its versions side by side, acknowledgements, touchpoints,
the compliance chart and the calendar link; with the same tenant and role rules as the API.
"""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from mediation.credentials import ApiToken
from outreach import settings
from protocols import queries
from protocols import services
from protocols.models import Incident
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import Touchpoint
from tests.conftest import table_counts
from tests.web.ui.pages import form_values
from tests.web.ui.pages import main
from tests.web.ui.pages import parse
from tests.web.ui.pages import post_forms

WEEKLY = {"every": 1, "unit": "weeks"}


def terms(world, **overrides) -> dict:
    """Weekly video calls between alice and carla on the Contoso account."""
    values = dict(cadence=WEEKLY, phases=[], channel="video", supplier_point_person_id=world.id("alice"),
                  customer_point_person_id=world.id("carla"), backup_ids=[], agenda="Milestones, risks, next steps.",
                  escalation=[], timezone="UTC")
    values.update(overrides)
    return values


def create(world, scenario="routine", project="contoso", **overrides) -> Protocol:
    by = "alice" if project == "contoso" else "bob"
    if project == "fabrikam":
        overrides.setdefault("customer_point_person_id", world.id("frank"))
    return services.create_protocol(world.actor(by), world.clock, project_id=world.projects[project].id,
                                    scenario=scenario, **terms(world, **overrides))


def agree(world, protocol, number=1):
    supplier, customer = ("alice", "carla") if protocol.project_id == world.projects["contoso"].id else ("bob", "frank")
    services.transition_version(world.actor(supplier), world.clock, protocol.id, number, trigger="propose")
    services.acknowledge(world.actor(supplier), world.clock, protocol.id, version=number)
    services.acknowledge(world.actor(customer), world.clock, protocol.id, version=number)
    return protocol


def agreed(world, scenario="routine", project="contoso", **overrides) -> Protocol:
    return agree(world, create(world, scenario, project, **overrides))


def touch(world, protocol, when, by="carla", **overrides):
    values = dict(occurred_at=when, channel="video", supplier_person_id=world.id("alice"),
                  customer_person_id=world.id("carla"), summary="Weekly call.")
    values.update(overrides)
    return services.log_touchpoint(world.actor(by), world.clock, protocol.id, **values)


def status_of(protocol_id: int, number: int) -> str:
    return ProtocolVersion.get((ProtocolVersion.protocol == protocol_id) & (ProtocolVersion.number == number)).status


def html(response, status=200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def text(page: str) -> str:
    """The page's words, without tags, with whitespace collapsed (none before punctuation)."""
    return re.sub(r" ([,.;:)])", r"\1", re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page))))


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    assert match, f"no error shown next to {name}"
    return unescape(match.group(1))


def new_protocol_form(world, **overrides) -> dict:
    form = {"scenario": "routine", "cadence_kind": "periodic", "cadence_every": "2", "cadence_unit": "weeks",
            "cadence_weekdays": ["mon", "thu"], "channel": "phone", "supplier_point_person_id": str(world.id("alice")),
            "customer_point_person_id": str(world.id("carla")), "backup_ids": [str(world.id("sam"))],
            "agenda": "Cut-over status.", "timezone": "Europe/Berlin", "effective_from": ""}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


# --- the board -------------------------------------------------------------------------------


def test_the_board_lists_protocols_in_force_most_urgent_first_with_links(world, browser_as):
    quiet = agreed(world)
    world.clock.advance(days=8)  # the first weekly window ends without contact
    fresh = agreed(world, scenario="onboarding")
    create(world, scenario="incident", cadence={"respond_within_hours": 4})  # a draft: not on the board
    page = html(browser_as("alice").get("/protocols"))
    positions = [page.index(f'href="/protocols/{p.id}"') for p in (quiet, fresh)]
    assert positions == sorted(positions)
    assert "Overdue" in text(page) and "On track" in text(page)
    assert 'class="badge overdue"' in page and 'class="badge on_track"' in page
    assert "Incident" not in text(page).split("Projects")[0]
    assert f'href="/projects/{world.projects["contoso"].id}/protocols"' in page


def test_the_board_says_what_to_do_when_nothing_is_in_force_and_lists_only_visible_projects(world, browser_as):
    agreed(world, project="fabrikam")
    page = html(browser_as("carla").get("/protocols"))
    assert "No protocol is in force yet" in text(page)
    assert f'href="/projects/{world.projects["contoso"].id}/protocols"' in page
    assert f'href="/projects/{world.projects["fabrikam"].id}/protocols"' not in page
    assert "WMS rollout" not in page


def board_rows(response) -> list[str]:
    """Each row of the board's table as its project and scenario."""
    table = main(response).find("section").find("table")
    if table is None:
        return []
    return [" ".join(td.text for td in row.find_all("td")[:3:2]) for row in table.find("tbody").find_all("tr")]


@pytest.fixture
def three_in_force(world):
    quiet = agreed(world, backup_ids=[world.id("sam")])
    world.clock.advance(days=8)
    agreed(world, scenario="onboarding", channel="phone")
    agreed(world, project="fabrikam")
    return quiet


def test_the_boards_headings_sort_by_their_columns_keeping_the_filters(world, three_in_force, browser_as):
    admin = browser_as("admin")
    page = main(admin.get(f"/protocols?customer_id={world.orgs['contoso'].id}"))

    headings = page.find("section").find("thead").find_all("th")
    assert [th.text for th in headings] == ["Project", "Account", "Scenario", "Version", "Channel", "Status",
                                           "Next contact due"]
    link = headings[2].find("a").attrs["href"]
    assert link == f"/protocols?customer_id={world.orgs['contoso'].id}&sort=scenario&order=asc"

    sorted_page = admin.get(unescape(link))
    assert board_rows(sorted_page) == ["POS migration Onboarding", "POS migration Routine"]
    scenario = main(sorted_page).find("section").find("thead").find_all("th")[2]
    assert scenario.attrs["aria-sort"] == "ascending"
    assert unescape(scenario.find("a").attrs["href"]).endswith("sort=scenario&order=desc")
    assert main(sorted_page).find("h2").text == "In force, by scenario"


def test_the_board_sorted_the_other_way_and_an_unknown_sort_keeps_the_most_urgent_first(world, three_in_force,
                                                                                       browser_as):
    admin = browser_as("admin")
    assert board_rows(admin.get("/protocols?sort=project&order=desc")) == [
        "WMS rollout Routine", "POS migration Onboarding", "POS migration Routine"]
    usual = board_rows(admin.get("/protocols"))
    assert usual[0] == "POS migration Routine"
    assert board_rows(admin.get("/protocols?sort=colour&order=desc")) == usual


def test_mine_only_keeps_the_protocols_naming_the_viewer(world, three_in_force, browser_as):
    assert board_rows(browser_as("sam").get("/protocols?mine=true")) == ["POS migration Routine"]
    assert board_rows(browser_as("frank").get("/protocols?mine=true")) == ["WMS rollout Routine"]
    page = main(browser_as("admin").get("/protocols?mine=true"))
    assert "No protocol in force matches these filters" in page.find("section").text
    assert page.by_id("mine").attrs.get("checked") == ""


def test_the_customer_choices_are_those_the_viewer_sees_and_filter_the_board(world, three_in_force, browser_as):
    carla = main(browser_as("carla").get("/protocols"))
    assert [o.text for o in carla.by_id("customer_id").find_all("option")] == ["Any customer", "Contoso Retail"]
    admin = browser_as("admin")
    assert [o.text for o in main(admin.get("/protocols")).by_id("customer_id").find_all("option")] == [
        "Any customer", "Contoso Retail", "Fabrikam Logistics"]
    assert board_rows(admin.get(f"/protocols?customer_id={world.orgs['fabrikam'].id}")) == ["WMS rollout Routine"]
    bad = admin.get("/protocols?customer_id=abc")
    assert bad.status_code == 422
    assert main(bad).by_id("customer_id").attrs["aria-invalid"] == "true"


def test_pages_of_the_board_keep_its_sort_and_filters(world, three_in_force, browser_as, monkeypatch):
    from web.ui import protocols as pages

    monkeypatch.setattr(pages, "BOARD_PAGE", 1)
    admin = browser_as("admin")
    contoso = world.orgs["contoso"].id
    first = admin.get(f"/protocols?customer_id={contoso}&sort=scenario&order=desc")
    assert board_rows(first) == ["POS migration Routine"]
    following = unescape(re.search(r'href="([^"]+)">Next protocols', html(first)).group(1))
    assert f"customer_id={contoso}" in following and "sort=scenario" in following and "order=desc" in following
    second = admin.get(following)
    assert board_rows(second) == ["POS migration Onboarding"]
    assert "Next protocols" not in html(second)
    back = unescape(re.search(r'href="([^"]+)">First protocols', html(second)).group(1))
    assert board_rows(admin.get(back)) == ["POS migration Routine"]


# --- a project's protocols --------------------------------------------------------------------


def test_a_projects_page_shows_each_protocol_with_its_version_in_force_pending_versions_and_status(world, browser_as):
    routine = agreed(world)
    services.add_version(world.actor("alice"), world.clock, routine.id, **terms(world, channel="phone"))
    create(world, scenario="incident", cadence={"respond_within_hours": 4})
    page = html(browser_as("carla").get(f"/projects/{world.projects['contoso'].id}/protocols"))
    words = text(page)
    assert "Version 1: Video call" in words
    assert "Version 2: Draft" in words
    assert "On track" in words
    assert "Incident" in words and "none yet" in words
    assert "New protocol" not in words  # carla may not draft


def test_a_project_without_protocols_says_who_drafts_them(world, browser_as):
    url = f"/projects/{world.projects['contoso'].id}/protocols"
    assert "Draft one with the form below" in text(html(browser_as("alice").get(url)))
    assert "Its account managers draft them" in text(html(browser_as("carla").get(url)))


def test_the_drafting_form_offers_each_companys_people_and_the_free_scenarios(world, browser_as):
    create(world)
    page = html(browser_as("alice").get(f"/projects/{world.projects['contoso'].id}/protocols"))
    supplier = page.split('id="supplier_point_person_id"')[1].split("</select>")[0]
    customer = page.split('id="customer_point_person_id"')[1].split("</select>")[0]
    assert "Alice" in supplier and "Carla" not in supplier
    assert "Carla" in customer and "Alice" not in customer and "Frank" not in customer
    scenarios = page.split('id="scenario"')[1].split("</select>")[0]
    assert 'value="routine"' not in scenarios and 'value="incident"' in scenarios
    assert "<legend>Taper (optional)</legend>" in page and 'id="phase3_days"' in page
    assert "<legend>Escalation path (optional)</legend>" in page and 'id="step3_person_id"' in page
    assert 'id="max_contacts_per_window"' in page


def test_creating_a_protocol_from_the_form_makes_version_1_a_draft(world, browser_as):
    browser = browser_as("alice")
    response = browser.post(f"/projects/{world.projects['contoso'].id}/protocols", data=new_protocol_form(world))
    assert response.status_code == 302
    protocol = Protocol.get(Protocol.scenario == "routine")
    assert response.headers["Location"] == f"/protocols/{protocol.id}#feedback"
    (version,) = queries.versions_of([protocol.id])[protocol.id]
    assert version.status == "draft"
    assert version.cadence == {"every": 2, "unit": "weeks", "weekdays": ["mon", "thu"]}
    assert (version.channel, version.timezone, version.backup_ids) == ("phone", "Europe/Berlin", [world.id("sam")])
    assert version.effective_from is None
    assert "Protocol created" in text(html(browser.get(response.headers["Location"])))


def test_a_response_time_cadence_and_an_effective_day_are_read_in_the_protocols_time_zone(world, browser_as):
    form = new_protocol_form(world, scenario="incident", cadence_kind="response", cadence_respond_within_hours="4",
                             cadence_every="", cadence_unit="", cadence_weekdays=None, effective_from="2026-04-01")
    response = browser_as("alice").post(f"/projects/{world.projects['contoso'].id}/protocols", data=form)
    assert response.status_code == 302
    version = ProtocolVersion.get()
    assert version.cadence == {"respond_within_hours": 4}
    assert version.effective_from.isoformat() == "2026-03-31T22:00:00+00:00"  # midnight in Berlin (CEST)


@pytest.mark.parametrize("overrides,field,message", [
    ({"cadence_every": ""}, "cadence", "give every and unit"),
    ({"cadence_every": "0"}, "cadence_every", "greater than or equal to 1"),
    ({"cadence_every": "often"}, "cadence_every", "Not a valid integer"),
    ({"cadence_unit": "fortnights"}, "cadence_unit", "Must be one of"),
    ({"cadence_unit": "days"}, "cadence", "weekdays go with a cadence in weeks"),
    ({"cadence_kind": "response", "cadence_respond_within_hours": ""}, "cadence", "respond_within_hours"),
    ({"channel": "pigeon"}, "channel", "Must be one of"),
    ({"customer_point_person_id": "PERSON:frank"}, "customer_point_person_id", "is not a person of the customer"),
    ({"supplier_point_person_id": ""}, "supplier_point_person_id", "This field is required."),
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
    ({"effective_from": "soon"}, "effective_from", "Not a valid datetime"),
])
def test_a_bad_drafting_form_comes_back_with_the_error_next_to_its_field_and_what_was_typed(
        world, browser_as, overrides, field, message):
    if overrides.get("customer_point_person_id") == "PERSON:frank":
        overrides = {**overrides, "customer_point_person_id": str(world.id("frank"))}
    browser = browser_as("alice")
    before = table_counts()
    form = new_protocol_form(world, agenda="Typed with care.", **overrides)
    page = html(browser.post(f"/projects/{world.projects['contoso'].id}/protocols", data=form), 422)
    assert message in field_error(page, field)
    assert "please correct the fields marked below" in page
    assert ">Typed with care.</textarea>" in page
    assert re.search(r'value="thu" checked', page)
    assert table_counts() == before


def test_a_second_protocol_for_a_scenario_is_refused_next_to_the_scenario(world, browser_as):
    create(world)
    response = browser_as("alice").post(f"/projects/{world.projects['contoso'].id}/protocols",
                                        data=new_protocol_form(world))
    assert "already has a routine protocol" in field_error(html(response, 422), "scenario")


# --- a protocol: versions side by side ----------------------------------------------------------


def rows_marked_changed(page: str) -> set[str]:
    return set(re.findall(r'<tr class="diff-changed">\s*<th scope="row">([^<]+)</th>', page))


def test_a_pending_version_stands_beside_the_one_in_force_with_each_changed_term_marked(world, browser_as):
    protocol = agreed(world)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(
        world, cadence={"every": 2, "unit": "weeks", "weekdays": ["tue"]}, channel="phone",
        customer_point_person_id=world.id("dev"), backup_ids=[world.id("sam")]))
    page = html(browser_as("carla").get(f"/protocols/{protocol.id}"))
    assert rows_marked_changed(page) == {"Cadence", "Channel", "Customer point person", "Backups"}
    words = text(page)
    assert "every week" in words and "every 2 weeks on Tue changed" in words
    assert "Carla" in words and "Dev changed" in words
    assert "Version 1 Agreed in force now" in words and "Version 2 Draft pending" in words
    assert words.count("changed") >= 4


def test_a_first_draft_is_shown_alone_with_nothing_to_compare(world, browser_as):
    protocol = create(world)
    page = html(browser_as("alice").get(f"/protocols/{protocol.id}"))
    assert rows_marked_changed(page) == set()
    assert "Nothing is agreed yet, so there is nothing to compare with" in text(page)
    assert "Compliance is measured once a version is agreed" in text(page)
    assert "Propose version 1" in page and "Retire version 1" in page


def test_a_drafter_proposes_a_version_and_a_point_person_of_each_company_acknowledges_it(world, browser_as):
    protocol = create(world)
    alice, carla = browser_as("alice"), browser_as("carla")
    assert "Acknowledge for" not in html(carla.get(f"/protocols/{protocol.id}"))
    response = alice.post(f"/protocols/{protocol.id}/versions/1/transitions",
                          data={"trigger": "propose", "expected_version": "1"})
    assert response.status_code == 302
    assert "Version 1 proposed" in text(html(alice.get(f"/protocols/{protocol.id}")))

    page = html(carla.get(f"/protocols/{protocol.id}"))
    assert "Acknowledge for Contoso Retail" in page
    response = carla.post(f"/protocols/{protocol.id}/acknowledgements", data={"version": "1"})
    assert response.headers["Location"] == f"/protocols/{protocol.id}#feedback"
    page = html(carla.get(f"/protocols/{protocol.id}"))
    assert "Version 1 acknowledged for Contoso Retail" in text(page)
    assert "Acknowledge for Contoso Retail" not in page
    assert "Contoso Retail has acknowledged this version" in text(page)
    assert status_of(protocol.id, 1) == "proposed"

    assert "Acknowledge for Northwind Systems" in html(alice.get(f"/protocols/{protocol.id}"))
    alice.post(f"/protocols/{protocol.id}/acknowledgements", data={"version": "1"})
    assert status_of(protocol.id, 1) == "agreed"
    page = html(alice.get(f"/protocols/{protocol.id}"))
    words = text(page)
    assert "Version 1 is agreed by both companies" in words
    assert "Northwind Systems (Alice" in words and "Contoso Retail (Carla" in words
    assert "Acknowledge for" not in page


def test_a_back_dated_version_shows_when_it_was_agreed_and_from_when_it_is_in_force(world, browser_as):
    protocol = create(world, effective_from=world.clock.now() - timedelta(days=14))
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    services.acknowledge(world.actor("alice"), world.clock, protocol.id, version=1)
    world.clock.advance(hours=1, minutes=30)
    carla = browser_as("carla")
    carla.post(f"/protocols/{protocol.id}/acknowledgements", data={"version": "1"})
    words = text(html(carla.get(f"/protocols/{protocol.id}")))
    assert "Version 1 is agreed by both companies and in force from 16 Feb 2026, 09:00 UTC " \
           "(agreed on 2 Mar 2026, 10:30 UTC)." in words
    assert "Version in force Version 1, agreed on 2 Mar 2026, 10:30 UTC, in force from 16 Feb 2026, 09:00 UTC" in words
    assert "in force now: agreed on 2 Mar 2026, 10:30 UTC, in force from 16 Feb 2026, 09:00 UTC" in words

    touch(world, protocol, world.clock.now() - timedelta(days=13))
    assert Touchpoint.select().count() == 1, "a touchpoint of the back-dated weeks is taken"
    world.clock.advance(days=1)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="phone"))
    agree(world, protocol, 2)
    words = text(html(browser_as("carla").get(f"/protocols/{protocol.id}")))
    assert "Version in force Version 2, since 3 Mar 2026, 10:30 UTC" in words, "agreed and in force at once"
    assert "1 Superseded 2 Mar 2026, 10:30 UTC 16 Feb 2026, 09:00 UTC 3 Mar 2026, 10:30 UTC" in words


def test_a_new_version_form_leaves_out_a_start_already_reached(world, browser_as):
    """Filled in from a version in force from a past day, the form would back-date the new
    version to that day, replacing its predecessor from its very start."""
    protocol = agreed(world, effective_from=world.clock.now() - timedelta(days=7))
    upcoming = agreed(world, scenario="onboarding", effective_from=world.clock.now() + timedelta(days=7))
    alice = browser_as("alice")
    for shown, expected in ((protocol, ""), (upcoming, "2026-03-09")):
        (form,) = post_forms(main(alice.get(f"/protocols/{shown.id}/versions/new")),
                             action=f"/protocols/{shown.id}/versions")
        assert dict(form_values(form))["effective_from"] == expected
    (form,) = post_forms(main(alice.get(f"/protocols/{protocol.id}/versions/new")),
                         action=f"/protocols/{protocol.id}/versions")
    assert alice.post(f"/protocols/{protocol.id}/versions", data=MultiDict(form_values(form))).status_code == 302
    assert ProtocolVersion.get((ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == 2)) \
        .effective_from is None


def test_a_new_version_effective_before_the_version_in_force_is_refused_next_to_the_day(world, browser_as):
    protocol = agreed(world, effective_from=world.clock.now() - timedelta(days=7))
    alice = browser_as("alice")
    (form,) = post_forms(main(alice.get(f"/protocols/{protocol.id}/versions/new")),
                         action=f"/protocols/{protocol.id}/versions")
    values = MultiDict(form_values(form))
    values["effective_from"] = "2026-02-20"
    before = table_counts()
    page = html(alice.post(f"/protocols/{protocol.id}/versions", data=values), 422)
    assert "must not be before 2026-02-23T09:00:00+00:00, when version 1 came into force" in \
        field_error(page, "effective_from")
    assert table_counts() == before
    values["effective_from"] = "2026-02-24"
    assert alice.post(f"/protocols/{protocol.id}/versions", data=values).status_code == 302


def test_an_acknowledgement_that_cannot_honour_the_start_explains_why_and_changes_nothing(world, browser_as):
    protocol = agreed(world, effective_from=world.clock.now() - timedelta(days=7))
    services.add_version(world.actor("alice"), world.clock, protocol.id,
                         **terms(world, effective_from=world.clock.now() - timedelta(days=1)))
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 2, trigger="propose")
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="retire")
    carla = browser_as("carla")
    before = table_counts()
    page = html(carla.post(f"/protocols/{protocol.id}/acknowledgements", data={"version": "2"}), 422)
    assert "when version 1 was retired: draft a version that starts later" in text(page)
    assert table_counts() == before


def test_acknowledging_twice_for_a_company_explains_why_nothing_happened(world, browser_as):
    protocol = create(world)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    carla = browser_as("carla")
    carla.post(f"/protocols/{protocol.id}/acknowledgements", data={"version": "1"})
    page = html(carla.post(f"/protocols/{protocol.id}/acknowledgements", data={"version": "1"}), 422)
    assert "Contoso Retail has already acknowledged version 1" in text(page)


def test_a_stale_change_is_409_saying_someone_else_changed_it_and_showing_the_current_state(world, browser_as):
    protocol = create(world)
    alice = browser_as("alice")
    services.transition_version(world.actor("admin"), world.clock, protocol.id, 1, trigger="propose")
    page = html(alice.post(f"/protocols/{protocol.id}/versions/1/transitions",
                           data={"trigger": "retire", "expected_version": "1"}), 409)
    assert "Someone else changed this protocol" in text(page)
    assert "its current version is 2" in text(page)
    assert "Version 1 Proposed" in text(page)
    assert status_of(protocol.id, 1) == "proposed"


def test_a_new_version_sent_after_someone_else_changed_the_protocol_is_409_and_keeps_what_was_typed(
        world, browser_as):
    protocol = create(world)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    alice = browser_as("alice")
    seen = re.search(r'name="expected_version" value="(\d+)"', html(alice.get(f"/protocols/{protocol.id}"))).group(1)
    services.acknowledge(world.actor("carla"), world.clock, protocol.id, version=1)
    form = new_protocol_form(world, scenario=None, agenda="My careful rewording.", expected_version=seen)
    page = html(alice.post(f"/protocols/{protocol.id}/versions", data=form), 409)
    assert "Someone else changed this protocol while you were writing, so nothing was saved" in text(page)
    assert f'<a href="/protocols/{protocol.id}">read the protocol as it is now</a>' in page
    assert ">My careful rewording.</textarea>" in page
    assert f'name="expected_version" value="{int(seen) + 1}"' in page
    assert ProtocolVersion.select().count() == 1


def test_a_transition_not_possible_now_is_409_with_the_current_state(world, browser_as):
    protocol = agreed(world)
    page = html(browser_as("alice").post(f"/protocols/{protocol.id}/versions/1/transitions",
                                         data={"trigger": "propose"}), 409)
    assert "'propose' is not possible in state 'agreed'" in text(page)


def test_a_new_version_starts_from_the_latest_and_saves_what_the_form_holds(world, browser_as):
    protocol = agreed(world, phases=[{"cadence": {"every": 1, "unit": "days"}, "days": 14}],
                      escalation=[{"person_id": world.id("bob"), "respond_within_hours": 8}],
                      max_contacts_per_window=3, backup_ids=[world.id("sam")], timezone="Europe/Berlin")
    alice = browser_as("alice")
    shown = html(alice.get(f"/protocols/{protocol.id}"))
    assert f'href="/protocols/{protocol.id}/versions/new">Draft a new version' in shown
    assert 'name="agenda"' not in shown, "the new version is drafted on a page of its own"
    page = html(alice.get(f"/protocols/{protocol.id}/versions/new"))
    form = page.split('id="new-version-heading"')[1]
    assert 'value="1" selected' not in form  # no stray selection
    assert re.search(r'name="channel"[^>]*>.*?<option value="video" selected', form, re.S)
    assert f'value="{world.id("sam")}" checked' in form
    assert 'id="timezone" name="timezone" type="text" value="Europe/Berlin"' in form
    assert "filled in from version 1" in form
    assert 'id="phase1_every" name="phase1_every" type="number" value="1"' in form
    assert re.search(r'name="phase1_unit"[^>]*>.*?<option value="days" selected', form, re.S)
    assert 'id="phase1_days" name="phase1_days" type="number" value="14"' in form
    assert re.search(rf'name="step1_person_id"[^>]*>.*?<option value="{world.id("bob")}" selected', form, re.S)
    assert 'id="step1_respond_within_hours" name="step1_respond_within_hours" type="number" value="8"' in form
    assert 'id="max_contacts_per_window" name="max_contacts_per_window" type="number" value="3"' in form

    response = alice.post(f"/protocols/{protocol.id}/versions", data={
        "expected_version": str(Protocol.get_by_id(protocol.id).version), "cadence_kind": "periodic",
        "cadence_every": "2", "cadence_unit": "weeks", "channel": "phone",
        "phase1_kind": "periodic", "phase1_every": "1", "phase1_unit": "days", "phase1_days": "7",
        "phase2_kind": "periodic", "phase2_every": "1", "phase2_unit": "weeks", "phase2_days": "28",
        "step1_person_id": str(world.id("bob")), "step1_respond_within_hours": "8",
        "step2_person_id": str(world.id("contoso_admin")), "step2_respond_within_hours": "24",
        "max_contacts_per_window": "4",
        "supplier_point_person_id": str(world.id("alice")), "customer_point_person_id": str(world.id("carla")),
        "backup_ids": [str(world.id("sam"))], "agenda": "Less often now.", "timezone": "Europe/Berlin"})
    assert response.status_code == 302, response.get_data(as_text=True)
    version = ProtocolVersion.get((ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == 2))
    assert (version.status, version.channel, version.cadence) == ("draft", "phone", {"every": 2, "unit": "weeks"})
    assert version.phases == [{"cadence": {"every": 1, "unit": "days"}, "days": 7},
                              {"cadence": {"every": 1, "unit": "weeks"}, "days": 28}]
    assert version.escalation == [{"person_id": world.id("bob"), "respond_within_hours": 8},
                                  {"person_id": world.id("contoso_admin"), "respond_within_hours": 24}]
    assert version.max_contacts_per_window == 4
    assert "Version 2 saved as a draft" in text(html(alice.get(f"/protocols/{protocol.id}")))


def test_a_version_with_more_phases_and_steps_than_the_form_shows_keeps_them_all(world, browser_as):
    """The API takes up to 12 phases and 10 steps: the form grows to show every one, so a
    new version made in the browser loses none."""
    phases = [{"cadence": {"every": n, "unit": "days"}, "days": 7} for n in range(1, 6)]
    people = [world.id(key) for key in ("bob", "sam", "dev", "contoso_admin")]
    escalation = [{"person_id": person, "respond_within_hours": 4 * n} for n, person in enumerate(people, 1)]
    protocol = agreed(world, phases=phases, escalation=escalation)
    alice = browser_as("alice")
    (form,) = post_forms(main(alice.get(f"/protocols/{protocol.id}/versions/new")),
                         action=f"/protocols/{protocol.id}/versions")
    assert [legend.text for legend in form.find_all("legend") if legend.text.startswith("Phase")] == [
        f"Phase {n}" for n in range(1, 6)]
    assert form.by_id("step4_person_id") is not None and form.by_id("step5_person_id") is None
    response = alice.post(f"/protocols/{protocol.id}/versions", data=MultiDict(form_values(form)))
    assert response.status_code == 302, response.get_data(as_text=True)
    version = ProtocolVersion.get((ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == 2))
    assert (version.phases, version.escalation) == (phases, escalation)


def test_emptied_rows_and_ceiling_make_a_version_without_taper_escalation_or_ceiling(world, browser_as):
    protocol = agreed(world, phases=[{"cadence": {"every": 1, "unit": "days"}, "days": 14}],
                      escalation=[{"person_id": world.id("bob"), "respond_within_hours": 8}], max_contacts_per_window=3)
    response = browser_as("alice").post(f"/protocols/{protocol.id}/versions", data={
        "expected_version": str(Protocol.get_by_id(protocol.id).version), "cadence_kind": "periodic",
        "cadence_every": "1", "cadence_unit": "weeks", "channel": "video",
        "phase1_kind": "periodic", "phase1_every": "", "phase1_unit": "", "phase1_days": "",
        "step1_person_id": "", "step1_respond_within_hours": "", "max_contacts_per_window": "",
        "supplier_point_person_id": str(world.id("alice")), "customer_point_person_id": str(world.id("carla")),
        "timezone": "UTC"})
    assert response.status_code == 302, response.get_data(as_text=True)
    version = ProtocolVersion.get((ProtocolVersion.protocol == protocol.id) & (ProtocolVersion.number == 2))
    assert (version.phases, version.escalation, version.max_contacts_per_window) == ([], [], None)


@pytest.mark.parametrize(("fields", "where", "message"), [
    ({"phase1_every": "2", "phase1_unit": "weeks", "phase1_days": "28"}, "phases",
     "phases are in order of a taper: each contacts no more often than the one before"),
    ({"phase1_every": "1", "phase1_unit": "days", "phase1_days": "0"}, "phases",
     "phase 1: days: Must be greater than or equal to 1 and less than or equal to 3660."),
    ({"step1_respond_within_hours": "8"}, "escalation", "step 1: person_id: This field is required."),
    ({"step1_person_id": "frank", "step1_respond_within_hours": "8"}, "escalation", "step 1: person_id:"),
    ({"max_contacts_per_window": "0"}, "max_contacts_per_window",
     "Must be greater than or equal to 1 and less than or equal to 1000."),
], ids=["taper-out-of-order", "phase-of-no-days", "step-without-person", "step-of-another-company", "ceiling-zero"])
def test_a_bad_taper_escalation_or_ceiling_comes_back_with_its_error_and_changes_nothing(
        world, browser_as, fields, where, message):
    protocol = agreed(world)
    if fields.get("step1_person_id") == "frank":
        fields = {**fields, "step1_person_id": str(world.id("frank"))}
        message = "not people of this account's two companies"
    alice = browser_as("alice")
    before = table_counts()
    response = alice.post(f"/protocols/{protocol.id}/versions", data={
        "expected_version": str(Protocol.get_by_id(protocol.id).version), "cadence_kind": "periodic",
        "cadence_every": "1", "cadence_unit": "weeks", "channel": "video", "phase1_kind": "periodic",
        "supplier_point_person_id": str(world.id("alice")), "customer_point_person_id": str(world.id("carla")),
        "timezone": "UTC", **fields})
    assert response.status_code == 422
    assert table_counts() == before
    page = html(response, 422)
    (shown,) = re.findall(rf'<p class="error" id="{where}-error">([^<]*)</p>', page)
    assert message in unescape(shown)


def test_a_bad_new_version_comes_back_with_errors_next_to_the_cadence_and_what_was_typed(world, browser_as):
    protocol = agreed(world)
    alice = browser_as("alice")
    page = html(alice.post(f"/protocols/{protocol.id}/versions", data={
        "cadence_kind": "periodic", "cadence_every": "", "cadence_unit": "weeks", "channel": "phone",
        "supplier_point_person_id": str(world.id("alice")), "customer_point_person_id": str(world.id("carla")),
        "agenda": "Kept as typed."}), 422)
    assert "give every and unit" in field_error(page, "cadence")
    assert ">Kept as typed.</textarea>" in page
    assert status_of(protocol.id, 1) == "agreed" and ProtocolVersion.select().count() == 1


# --- touchpoints and incidents ------------------------------------------------------------------


def test_a_point_person_logs_a_touchpoint_read_in_the_protocols_time_zone(world, browser_as):
    protocol = agreed(world, timezone="Europe/Berlin")
    world.clock.advance(days=2)
    carla = browser_as("carla")
    page = html(carla.get(f"/protocols/{protocol.id}"))
    assert "Log a touchpoint" in page and "the protocol&#39;s time zone" in page and "Date and time in Europe/Berlin" in page
    response = carla.post(f"/protocols/{protocol.id}/touchpoints", data={
        "occurred_at": "2026-03-03T10:30", "channel": "video", "supplier_person_id": str(world.id("alice")),
        "customer_person_id": str(world.id("carla")), "summary": "Went through the cut-over plan."})
    assert response.status_code == 302
    touchpoint = Touchpoint.get()
    assert touchpoint.occurred_at.isoformat() == "2026-03-03T09:30:00+00:00"
    assert touchpoint.logged_by_id == world.id("carla")
    words = text(html(carla.get(f"/protocols/{protocol.id}")))
    assert "Touchpoint logged." in words
    assert "3 Mar 2026, 09:30 UTC Video call Alice Carla Went through the cut-over plan. Carla" in words, \
        "shown in Carla's own time zone, UTC while she has chosen none"
    settings.change_settings(world.actor("carla"), world.clock.now(), timezone="Europe/Berlin")
    words = text(html(carla.get(f"/protocols/{protocol.id}")))
    assert "3 Mar 2026, 10:30 CET Video call Alice Carla Went through the cut-over plan. Carla" in words


def test_a_touchpoint_logged_from_the_form_as_it_stands_right_after_the_agreement_is_accepted(world, browser_as):
    """The form fills in the current minute; a version agreed 37 seconds into it is in
    force from the start of that minute, so the touchpoint falls within it."""
    protocol = create(world)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    services.acknowledge(world.actor("carla"), world.clock, protocol.id, version=1)
    world.clock.set(world.clock.now().replace(hour=10, minute=0, second=37))
    alice, carla = browser_as("alice"), browser_as("carla")
    assert alice.post(f"/protocols/{protocol.id}/acknowledgements", data={"version": "1"}).status_code == 302
    world.clock.advance(seconds=8)

    action = f"/protocols/{protocol.id}/touchpoints"
    (form,) = post_forms(main(carla.get(f"/protocols/{protocol.id}")), action=action)
    values = MultiDict(form_values(form))
    assert values["occurred_at"] == "2026-03-02T10:00"
    values["summary"] = "Kick-off call right after agreeing."
    response = carla.post(action, data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert Touchpoint.get().occurred_at == world.clock.now().replace(second=0)


def test_a_bad_touchpoint_comes_back_with_errors_next_to_its_fields_and_what_was_typed(world, browser_as):
    protocol = agreed(world)
    world.clock.advance(days=1)
    carla = browser_as("carla")
    page = html(carla.post(f"/protocols/{protocol.id}/touchpoints", data={
        "occurred_at": "2026-03-09T10:00", "channel": "video", "supplier_person_id": str(world.id("alice")),
        "customer_person_id": str(world.id("carla")), "summary": "Typed before sending."}), 422)
    assert "cannot be in the future" in field_error(page, "occurred_at")
    assert 'value="2026-03-09T10:00"' in page and "Typed before sending.</textarea>" in page
    page = html(carla.post(f"/protocols/{protocol.id}/touchpoints", data={
        "occurred_at": "2026-03-02T10:00", "channel": "video", "supplier_person_id": str(world.id("carla")),
        "customer_person_id": str(world.id("carla")), "summary": " "}), 422)
    assert field_error(page, "touchpoint-summary")
    page = html(carla.post(f"/protocols/{protocol.id}/touchpoints", data={
        "occurred_at": "2026-03-02T10:00", "channel": "video", "supplier_person_id": str(world.id("carla")),
        "customer_person_id": str(world.id("carla")), "summary": "Call."}), 422)
    assert "is not a person of the supplier" in field_error(page, "supplier_person_id")
    assert Touchpoint.select().count() == 0


def test_the_latest_five_touchpoints_show_first_then_earlier_ones_a_page_at_a_time(world, browser_as):
    protocol = agreed(world)
    world.clock.advance(days=30)
    for day in range(30):
        touch(world, protocol, world.clock.now() - timedelta(days=day, hours=1), summary=f"Call {day:02d}.")
    carla = browser_as("carla")
    page = html(carla.get(f"/protocols/{protocol.id}"))
    assert "Call 00." in page and "Call 04." in page and "Call 05." not in page
    assert page.index("Call 00.") < page.index("Call 01.")
    earlier = unescape(re.search(r'href="([^"]+)">Earlier touchpoints', page).group(1))
    page = html(carla.get(earlier))
    assert "Call 05." in page and "Call 24." in page and "Call 04." not in page and "Call 25." not in page
    assert "Latest touchpoints" in page
    earlier = unescape(re.search(r'href="([^"]+)">Earlier touchpoints', page).group(1))
    page = html(carla.get(earlier))
    assert "Call 25." in page and "Call 29." in page and "Call 24." not in page
    assert "Earlier touchpoints" not in page


def test_an_incident_protocol_takes_incident_reports(world, browser_as):
    protocol = agreed(world, scenario="incident", cadence={"respond_within_hours": 4}, channel="phone")
    world.clock.advance(hours=3)
    carla = browser_as("carla")
    assert "Report an incident" in html(carla.get(f"/protocols/{protocol.id}"))
    response = carla.post(f"/protocols/{protocol.id}/incidents",
                          data={"started_at": "2026-03-02T11:00", "summary": "Tills offline in two stores."})
    assert response.status_code == 302
    assert Incident.get().started_at.isoformat() == "2026-03-02T11:00:00+00:00"
    assert "Report an incident" not in html(carla.get(f"/protocols/{agreed(world).id}"))


# --- compliance over time -------------------------------------------------------------------------


def test_the_compliance_chart_shows_windows_touchpoints_and_marks_missed_and_over_communicated_ones(world, browser_as):
    protocol = agreed(world)
    start = world.clock.now()
    world.clock.advance(weeks=3, days=2)
    touch(world, protocol, start + timedelta(days=1))  # week 1: met
    for hours in (1, 2, 3):  # week 3: three contacts, more than the two a window allows
        touch(world, protocol, start + timedelta(weeks=2, days=1, hours=hours))
    page = html(browser_as("carla").get(f"/protocols/{protocol.id}"))
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="window met"') == 1
    assert svg.count('class="window missed"') == 1
    assert svg.count('class="window over"') == 1
    assert svg.count('class="window open"') == 1
    assert svg.count('class="touchpoint"') >= 2
    assert 'role="img"' in svg and "4 expected windows: 1 met, 1 missed, 1 over-communicated, 1 open; 4 touchpoints." in svg
    assert 'class="mark missed"' in svg and 'class="mark over"' in svg
    assert "style=" not in svg and "<script" not in page
    summary = text(page.split('id="compliance-heading"')[1].split("</table>")[0])
    assert ("Missed windows 1 Over-communicated windows 1 Channel deviations 0 People deviations 0 Touchpoints 4 "
            "Status now Over-communicating") in summary  # the last window that ended held three


def test_the_compliance_range_can_be_chosen_and_a_bad_one_is_explained(world, browser_as):
    protocol = agreed(world)
    world.clock.advance(weeks=6)
    carla = browser_as("carla")
    page = html(carla.get(f"/protocols/{protocol.id}?from=2026-03-09&to=2026-03-15"))
    assert 'value="2026-03-09"' in page and 'value="2026-03-15"' in page
    assert "1 expected window: 0 met, 1 missed" in page
    assert "From 9 Mar 2026, 00:00 UTC to 16 Mar 2026, 00:00 UTC" in text(page)
    page = html(carla.get(f"/protocols/{protocol.id}?from=2026-03-15&to=2026-03-01"), 422)
    assert "must be before" in field_error(page, "from")
    assert 'value="2026-03-15"' in page
    page = html(carla.get(f"/protocols/{protocol.id}"))
    assert 'value="2026-01-13"' in page and 'value="2026-04-13"' in page  # the last 90 days up to now


# --- the calendar link ------------------------------------------------------------------------


def test_a_calendar_link_is_made_once_and_works_with_the_calendar_feeds(world, browser_as, app):
    protocol = agreed(world)
    carla = browser_as("carla")
    page = html(carla.get(f"/protocols/{protocol.id}"))
    assert f"http://localhost/api/v1/protocols/{protocol.id}/calendar.ics" in page
    response = carla.post(f"/protocols/{protocol.id}/calendar-link")
    page = html(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "This link is shown once" in page
    urls = re.findall(r'<code class="subscription">([^<]+)</code>', page)
    assert len(urls) == 2
    (row,) = ApiToken.select().where(ApiToken.person == world.id("carla"))
    assert row.scope == "calendar"
    anonymous = app.test_client()
    for url in map(unescape, urls):
        parts = urlsplit(url)
        feed = anonymous.get(f"{parts.path}?{parts.query}")
        assert feed.status_code == 200 and feed.mimetype == "text/calendar"
        assert b"BEGIN:VEVENT" in feed.data
    assert urls[0].split("token=")[1] not in html(carla.get(f"/protocols/{protocol.id}"))


# --- who may see and do what ---------------------------------------------------------------------


def posts(world, protocol) -> list[tuple[str, dict]]:
    """Every form of the protocol pages, filled in validly."""
    return [
        (f"/projects/{protocol.project_id}/protocols", new_protocol_form(world, scenario="incident")),
        (f"/protocols/{protocol.id}/versions", new_protocol_form(world, scenario=None)),
        (f"/protocols/{protocol.id}/versions/2/transitions", {"trigger": "propose"}),
        (f"/protocols/{protocol.id}/acknowledgements", {"version": "1"}),
        (f"/protocols/{protocol.id}/touchpoints", {
            "occurred_at": "2026-03-02T09:30", "channel": "video", "supplier_person_id": str(world.id("alice")),
            "customer_person_id": str(world.id("carla")), "summary": "Call."}),
        (f"/protocols/{protocol.id}/incidents", {"started_at": "2026-03-02T09:30", "summary": "Outage."}),
        (f"/protocols/{protocol.id}/calendar-link", {}),
    ]


@pytest.fixture
def contested(world):
    """A Contoso protocol with version 1 agreed and version 2 proposed, an hour later."""
    protocol = agreed(world)
    services.add_version(world.actor("alice"), world.clock, protocol.id, **terms(world, channel="phone"))
    world.clock.advance(hours=1)
    return protocol


def test_a_person_of_another_customer_finds_no_such_protocol_or_project(world, browser_as, contested):
    frank = browser_as("frank")
    before = table_counts()
    assert html(frank.get(f"/protocols/{contested.id}"), 404)
    assert html(frank.get(f"/projects/{contested.project_id}/protocols"), 404)
    for path, data in posts(world, contested):
        assert frank.post(path, data=data).status_code == 404, path
    assert table_counts() == before
    assert "POS migration" not in html(frank.get("/protocols"))


@pytest.mark.parametrize("who", ["auditor", "contoso_auditor"])
def test_an_auditor_reads_the_protocol_pages_without_any_form_and_is_refused_every_change(
        world, browser_as, contested, who):
    services.transition_version(world.actor("alice"), world.clock, contested.id, 2, trigger="propose")
    auditor = browser_as(who)
    page = html(auditor.get(f"/protocols/{contested.id}"))
    assert "Version 2 Proposed" in text(page)
    assert "svg" in page and "Recent touchpoints" in page
    assert re.findall(r'<form method="post" action="([^"]+)"', page) == ["/logout"]
    page = html(auditor.get(f"/projects/{contested.project_id}/protocols"))
    assert re.findall(r'<form method="post" action="([^"]+)"', page) == ["/logout"]
    before = table_counts()
    for path, data in posts(world, contested):
        assert auditor.post(path, data=data).status_code == 403, path
    assert {k: v for k, v in table_counts().items() if k != "access_event"} == \
           {k: v for k, v in before.items() if k != "access_event"}


def test_people_without_a_part_in_the_protocol_read_it_but_see_no_action(world, browser_as, contested):
    services.transition_version(world.actor("alice"), world.clock, contested.id, 2, trigger="propose")
    dev = browser_as("dev")
    page = html(dev.get(f"/protocols/{contested.id}"))
    assert "Acknowledge for" not in page and "Log a touchpoint" not in page and "Draft a new version" not in page
    assert dev.get(f"/protocols/{contested.id}/versions/new").status_code == 403
    assert "Create my calendar link" in page
    assert dev.post(f"/protocols/{contested.id}/acknowledgements", data={"version": "2"}).status_code == 403
    assert dev.post(f"/protocols/{contested.id}/versions/2/transitions",
                    data={"trigger": "retire"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_and_their_forms_are_not_taken(world, browser, contested):
    for path in ("/protocols", f"/protocols/{contested.id}", f"/projects/{contested.project_id}/protocols"):
        response = browser.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    before = table_counts()
    for path, data in posts(world, contested):
        response = browser.post(path, data=data)
        assert response.status_code == 302 and response.headers["Location"] == "/login", path
    assert table_counts() == before


def test_a_form_without_its_csrf_token_is_refused_with_400(world, browser_as, contested):
    alice = browser_as("alice")
    before = table_counts()
    for path, data in posts(world, contested):
        response = alice.client.post(path, data=data)
        assert response.status_code == 400, path
        assert "The form has expired" in response.get_data(as_text=True)
        response = alice.client.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 400, path
    assert {k: v for k, v in table_counts().items() if k != "access_event"} == \
           {k: v for k, v in before.items() if k != "access_event"}


def test_the_board_and_its_projects_come_a_page_at_a_time(world, browser_as, monkeypatch):
    from web.ui import protocols as pages

    monkeypatch.setattr(pages, "BOARD_PAGE", 1)
    monkeypatch.setattr(pages, "PROJECTS_PAGE", 1)
    quiet = agreed(world)
    world.clock.advance(days=8)
    fresh = agreed(world, project="fabrikam")
    admin = browser_as("admin")
    page = html(admin.get("/protocols"))
    assert f'href="/protocols/{quiet.id}"' in page and f'href="/protocols/{fresh.id}"' not in page
    page = html(admin.get(unescape(re.search(r'href="([^"]+)">Next protocols', page).group(1))))
    assert f'href="/protocols/{fresh.id}"' in page and f'href="/protocols/{quiet.id}"' not in page
    assert "Next protocols" not in page and "Most urgent first" in page
    assert "POS migration" in page and "WMS rollout" not in page.split('id="projects-heading"')[1]
    page = html(admin.get(unescape(re.search(r'href="([^"]+)">Next projects', page).group(1))))
    projects = page.split('id="projects-heading"')[1]
    assert "WMS rollout" in projects and "POS migration" not in projects


def _next_step(browser, protocol) -> str:
    page = html(browser.get(f"/protocols/{protocol.id}"))
    section = page.split('aria-labelledby="next-heading"', 1)[1].split("</section>", 1)[0]
    return text(section)


def test_the_top_of_a_protocols_page_says_what_it_waits_on_for_every_reader(world, browser_as):
    protocol = create(world)
    assert "Waits on you to propose draft version 1" in _next_step(browser_as("alice"), protocol)
    assert "Waits on Northwind Systems to propose draft version 1" in _next_step(browser_as("carla"), protocol)
    services.transition_version(world.actor("alice"), world.clock, protocol.id, 1, trigger="propose")
    carla = _next_step(browser_as("carla"), protocol)
    assert "Waits on Contoso Retail to acknowledge version 1." in carla and "Go to version 1" in carla
    auditor = _next_step(browser_as("auditor"), protocol)
    assert "Waits on Northwind Systems and Contoso Retail to acknowledge version 1." in auditor
    assert "auditors read and change nothing" in auditor


def test_a_protocol_in_force_waits_on_its_point_people_once_contact_is_overdue(world, browser_as):
    protocol = agreed(world)
    assert "On track" in _next_step(browser_as("carla"), protocol)
    world.clock.advance(days=9)
    said = _next_step(browser_as("carla"), protocol)
    assert "Waits on you to make contact: it was due" in said and "Log a touchpoint" in said
    assert "Waits on the point people, Alice and Carla, to make contact" in _next_step(browser_as("auditor"), protocol)


def _folds(page: str) -> dict[str, bool]:
    """Each folded form's summary on the page, and whether it is open."""
    folds = main_of(page).find_all("details", class_="fold")
    return {details.find("summary").text: "open" in details.attrs for details in folds}


def main_of(page: str):
    return parse(page).find("main")


def test_the_touchpoint_form_opens_when_contact_waits_on_the_reader_and_folds_otherwise(world, browser_as):
    protocol = agreed(world, scenario="incident", cadence={"respond_within_hours": 4}, channel="phone")
    carla = browser_as("carla")
    assert _folds(html(carla.get(f"/protocols/{protocol.id}"))) == {
        "Log a touchpoint": False, "Report an incident": False}
    services.report_incident(world.actor("carla"), world.clock, protocol.id,
                             started_at=world.clock.now(), summary="Tills offline.")
    world.clock.advance(hours=5)
    page = html(browser_as("carla").get(f"/protocols/{protocol.id}"))
    assert _folds(page)["Log a touchpoint"], "the first contact is overdue and waits on Carla"
    assert 'href="#log">Log a touchpoint</a>' in page
    assert not _folds(html(browser_as("dev").get(f"/protocols/{protocol.id}")))


def test_a_folded_touchpoint_form_sent_back_with_its_errors_is_open(world, browser_as):
    protocol = agreed(world)
    page = html(browser_as("carla").post(f"/protocols/{protocol.id}/touchpoints", data={"summary": ""}), 422)
    assert _folds(page)["Log a touchpoint"]


def test_retiring_a_version_folds_away_behind_what_it_does(world, browser_as):
    protocol = agreed(world)
    page = main_of(html(browser_as("alice").get(f"/protocols/{protocol.id}")))
    (retire,) = [fold for fold in page.find_all("details", class_="fold") if "Retire" in fold.find("summary").text]
    assert retire.find("summary").text == "Retire version 1…" and "open" not in retire.attrs
    assert "Nothing is in force after it until a new version is agreed by both companies." in retire.text
    assert retire.find("button").text == "Retire version 1"
