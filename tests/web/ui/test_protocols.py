"""The protocol pages (issue 4, "Protocols"): the board, a project's protocols with the
drafting form, and a protocol with its versions side by side, acknowledgements, touchpoints,
the compliance chart and the calendar link; with the same tenant and role rules as the API.
"""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest

from mediation.credentials import ApiToken
from protocols import services
from protocols.models import Incident
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from protocols.models import Touchpoint
from tests.conftest import table_counts

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
    """The page's words, without tags, with whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


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
    assert "Phases of a taper" in page


def test_creating_a_protocol_from_the_form_makes_version_1_a_draft(world, browser_as):
    browser = browser_as("alice")
    response = browser.post(f"/projects/{world.projects['contoso'].id}/protocols", data=new_protocol_form(world))
    assert response.status_code == 302
    protocol = Protocol.get(Protocol.scenario == "routine")
    assert response.headers["Location"] == f"/protocols/{protocol.id}"
    (version,) = services.versions_of([protocol.id])[protocol.id]
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
    assert "Please correct the fields marked below." in page
    assert ">Typed with care.</textarea>" in page
    assert re.search(r'value="thu" checked', page)
    assert table_counts() == before


def test_a_second_protocol_for_a_scenario_is_refused_next_to_the_scenario(world, browser_as):
    create(world)
    response = browser_as("alice").post(f"/projects/{world.projects['contoso'].id}/protocols",
                                        data=new_protocol_form(world))
    assert "already has a routine protocol" in field_error(html(response, 422), "scenario")
