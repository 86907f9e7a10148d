"""Protocols in real browsers: Carla (Contoso's point person) acknowledges the executive
review Northwind proposed, so it is agreed; Alice (Northwind's) drafts and proposes a new
onboarding version, each company acknowledges it from its own browser, and a touchpoint is
logged and shows in both companies' lists. The board puts the most urgent protocol first."""

from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from protocols.compliance import STATUS_URGENCY
from tests.e2e.helpers import screenshot
from tests.e2e.helpers import unfold
from web.ui.protocol_words import COMPLIANCE_STATUSES

BERLIN = ZoneInfo("Europe/Berlin")
NEW_AGENDA = "Cut-over status, open defects, store readiness and the gift card fix."
TOUCHPOINT = "Walked through the till fix with the store managers."


def region(page, name: str):
    return page.get_by_role("region", name=name, exact=True)


def flash(page):
    return page.get_by_role("status")


def acknowledge(page, company: str):
    region(page, "Versions").get_by_role("button", name=f"Acknowledge for {company}").click()


def test_each_company_acknowledges_a_version_and_a_touchpoint_is_logged(page_as):
    carla, alice = page_as("carla"), page_as("alice")

    # Northwind proposed the executive review and acknowledged it; Carla's acknowledgement agrees it.
    waiting = region(carla, "Waiting on you")
    waiting.get_by_role("link", name="Point-of-sale migration: executive review").click()
    expect(carla.get_by_role("heading", level=1)).to_have_text("Executive review protocol · Point-of-sale migration")
    acknowledge(carla, "Contoso Retail")
    expect(flash(carla)).to_contain_text("Version 1 is agreed by both companies and in force from")
    expect(region(carla, "At a glance")).to_contain_text("Version 1, since")
    carla.goto("/")
    expect(region(carla, "Waiting on you").get_by_role(
        "link", name="Point-of-sale migration: executive review")).to_have_count(0)

    # Alice drafts a new onboarding version and proposes it; it shows beside the one in force.
    alice.goto("/protocols")
    board = region(alice, "In force, most urgent first")
    board.get_by_role("row").filter(has_text="Onboarding").get_by_role("link", name="Onboarding").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Onboarding protocol · Point-of-sale migration")
    region(alice, "Versions").get_by_role("link", name="Draft a new version").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("New version of the onboarding protocol")
    draft = region(alice, "Terms of the new version")
    draft.get_by_label("Agenda").fill(NEW_AGENDA)
    draft.get_by_role("button", name="Save new draft version").click()
    expect(flash(alice)).to_contain_text("Version 2 saved as a draft.")
    region(alice, "Versions").get_by_role("button", name="Propose version 2").click()
    expect(flash(alice)).to_contain_text("Version 2 proposed")

    versions = region(alice, "Versions").get_by_role("table")
    expect(versions.get_by_role("columnheader")).to_contain_text(["Term", "Version 1", "Version 2"])
    agenda = versions.get_by_role("row").filter(has=alice.get_by_role("rowheader", name="Agenda", exact=True))
    expect(agenda).to_contain_text(NEW_AGENDA)
    expect(agenda).to_contain_text("changed")
    expect(region(alice, "Compliance over time").get_by_role("img")).to_be_visible()
    screenshot(alice, "protocol")

    # Each company acknowledges version 2 from its own browser.
    acknowledge(alice, "Northwind Systems")
    expect(flash(alice)).to_have_text("Version 2 acknowledged for Northwind Systems. It is agreed once the other "
                                      "company acknowledges it too.")
    carla.goto("/")
    region(carla, "Waiting on you").get_by_role(
        "link", name="Point-of-sale migration: onboarding").click()
    acknowledge(carla, "Contoso Retail")
    expect(flash(carla)).to_contain_text("Version 2 is agreed by both companies and in force from")

    # Carla logs the touchpoint they just had; Alice sees it in the list too.
    occurred = (datetime.now(BERLIN) - timedelta(hours=2)).replace(second=0, microsecond=0)
    touchpoints = region(carla, "Touchpoints")
    unfold(touchpoints, "Log a touchpoint")
    touchpoints.get_by_label("Occurred at").fill(occurred.strftime("%Y-%m-%dT%H:%M"))
    touchpoints.get_by_label("Channel used").select_option(label="Video call")
    touchpoints.get_by_label("Supplier person").select_option(label="Alice Moreau")
    touchpoints.get_by_label("Customer person").select_option(label="Carla Jimenez")
    touchpoints.get_by_label("Summary").fill(TOUCHPOINT)
    touchpoints.get_by_role("button", name="Log touchpoint").click()
    expect(flash(carla)).to_have_text("Touchpoint logged.")
    logged = region(carla, "Touchpoints").get_by_role("row").filter(has_text=TOUCHPOINT)
    expect(logged).to_contain_text("Video call")
    expect(logged).to_contain_text("Carla Jimenez")

    alice.reload()
    expect(region(alice, "Touchpoints").get_by_role("row").filter(has_text=TOUCHPOINT)).to_have_count(1)
    expect(region(alice, "Compliance over time").get_by_role("img")).to_be_visible()


def test_the_board_lists_the_protocols_in_force_most_urgent_first(page_as):
    alice = page_as("alice")
    alice.goto("/protocols")

    table = region(alice, "In force, most urgent first").get_by_role("table")
    expect(table.get_by_role("columnheader").nth(5)).to_have_text("Status")
    rows = table.get_by_role("row").filter(has=alice.get_by_role("cell")).all()
    statuses = [row.get_by_role("cell").nth(5).inner_text().strip() for row in rows]
    urgency = {text: STATUS_URGENCY.index(status) for status, text in COMPLIANCE_STATUSES.items()}
    assert len(statuses) >= 5, statuses
    assert statuses[0] == "Overdue", statuses
    assert [urgency[s] for s in statuses] == sorted(urgency[s] for s in statuses), statuses
    screenshot(alice, "board")
