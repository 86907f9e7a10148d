"""The README's "Tours of the demo (`make run`)", clicked through literally in real browsers,
so each audience's tour stays true: every dispute, page and label it names is found on the
page as written, on a 1280×800 laptop and on a 390×844 phone. Each screen has a demo of
its own, shared by its tours, so they run in the README's order; the account manager's and
the customer point person's tours are one story (Alice resolves "Store staff training
hours" once Carla has accepted it), so they are one test."""

import re
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import serve_demo
from tests.e2e.helpers import SCREENS

INTAKE = "Points not credited after outage"
TRAINING = "Store staff training hours"
RESOLVED = "Disputed invoices for the March cut-over"
SECOND_OPTION = "Four remote hours in the first week, then a half day on site for each store manager."
DIGEST = re.compile(r"^\d+:[0-9a-f]{64}$")


@pytest.fixture(scope="module", params=list(SCREENS))
def screen(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def live_server(screen, tmp_path_factory):
    """A fresh demo for each screen: the tours change it."""
    with serve_demo(tmp_path_factory) as server:
        yield server


@pytest.fixture
def page_as(page_as, screen):
    """The tours' people, each on the module's screen."""
    return lambda person: page_as(person, **SCREENS[screen])


def region(page, name: str):
    return page.get_by_role("region", name=name, exact=True)


def flash(page):
    return page.get_by_role("status")


def heading(page):
    return page.get_by_role("heading", level=1)


def go_to(page, menu_item: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=menu_item, exact=True).click()


def waiting_on(page, title: str):
    """The line about `title` in the home page's "Waiting on you"."""
    return region(page, "Waiting on you").get_by_role("listitem").filter(has_text=title)


def open_from_home(page, title: str, why: str) -> None:
    """From the home page, the dispute `title`, listed there because it `why`."""
    go_to(page, "Home")
    expect(waiting_on(page, title)).to_contain_text(f"{title}: {why}")
    waiting_on(page, title).get_by_role("link", name=title, exact=True).click()
    expect(heading(page)).to_have_text(title)


def click(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def record_a_story(page, whose: str, text: str) -> None:
    """The form under "Record a story" on the dispute page, open for a party not heard yet."""
    stories = region(page, "Stories")
    fold = stories.locator("details.fold").filter(has=page.locator("summary", has_text="Record a story"))
    expect(fold).to_have_attribute("open", "")
    stories.get_by_label("Whose story").select_option(label=whose)
    stories.get_by_label("Story", exact=True).fill(text)
    click(page, "Record story")
    expect(flash(page)).to_have_text("Story recorded.")
    expect(stories).to_contain_text(text)


def accept(page, company: str) -> None:
    row = region(page, "Options").get_by_role("row").filter(has_text=SECOND_OPTION)
    row.get_by_role("button", name=f"Accept for {company}").click()
    expect(flash(page)).to_have_text(f"Accepted for {company}.")


def test_the_account_manager_and_customer_point_person_tours_work_by_clicking(page_as):
    # Account manager (alice@northwind.example): the home page lists "Points not credited
    # after outage", sitting in intake.
    alice = page_as("alice@northwind.example")
    # Open it, click "Start gathering stories",
    open_from_home(alice, INTAKE, "in intake for over a day, waits on you to start gathering stories")
    click(alice, "Start gathering stories")
    expect(flash(alice)).to_have_text("Done: the dispute moved to Story gathering.")
    # record Alice's story under "Record a story".
    record_a_story(alice, "Alice Moreau (Northwind Systems)",
                   "The outage lasted four hours; the points queue was replayed but skipped failed baskets.")

    # Then open "Store staff training hours" (option generation):
    open_from_home(alice, TRAINING, "waits on you to propose at least two options")
    expect(region(alice, "About this dispute")).to_contain_text("Option generation")
    # propose a second option scored for both companies,
    options = region(alice, "Options")
    expect(options.get_by_role("row").filter(has=alice.get_by_role("cell"))).to_have_count(1)
    options.get_by_label("Option summary").fill(SECOND_OPTION)
    options.get_by_label("Value to Northwind Systems (-5 to 5)").fill("2")
    options.get_by_label("Value to Contoso Retail (-5 to 5)").fill("4")
    click(alice, "Propose option")
    expect(flash(alice)).to_have_text("Option proposed.")
    expect(options.get_by_role("row").filter(has_text=SECOND_OPTION)).to_contain_text("Value to both companies")
    # "Start resolution",
    click(alice, "Start resolution")
    expect(flash(alice)).to_have_text("Done: the dispute moved to Resolution.")
    # "Accept for Northwind Systems";
    accept(alice, "Northwind Systems")

    # Customer point person (carla@contoso.example): the home page shows the disputes
    # waiting on her.
    carla = page_as("carla@contoso.example")
    expect(heading(carla)).to_have_text("Good to see you, Carla")
    expect(waiting_on(carla, INTAKE)).to_have_count(1)
    expect(waiting_on(carla, TRAINING)).to_have_count(1)
    # On "Points not credited after outage" she tells Contoso's side;
    open_from_home(carla, INTAKE, "waits on you to tell your side of the story")
    record_a_story(carla, "Carla Jimenez (Contoso Retail)",
                   "Two thousand members lost their points and called our stores; they need them back this week.")
    # on "Store staff training hours" she clicks "Accept for Contoso Retail".
    open_from_home(carla, TRAINING, "waits on Contoso Retail to accept")
    accept(carla, "Contoso Retail")
    expect(region(carla, "Options").get_by_role("row").filter(has_text=SECOND_OPTION)).to_contain_text(
        "Northwind Systems (Alice Moreau); Contoso Retail (Carla Jimenez)")

    # Account manager, once Carla has accepted the same option: "Resolve the dispute" with a summary.
    alice.reload()
    resolve = region(alice, "What can happen next")
    expect(resolve.get_by_label("Option accepted by both companies")).to_have_value(
        resolve.get_by_role("option", name=SECOND_OPTION).get_attribute("value"))
    resolve.get_by_label("Resolution summary").fill("Remote hours first, then a half day on site per store manager.")
    click(alice, "Resolve the dispute")
    expect(flash(alice)).to_have_text("Done: the dispute moved to Resolved.")
    expect(region(alice, "About this dispute")).to_contain_text("Resolved")

    # Customer point person: her home page also lists, under "Waiting on you", the
    # executive review that Northwind proposed:
    go_to(carla, "Home")
    region(carla, "Waiting on you").get_by_role(
        "link", name="Point-of-sale migration: executive review").click()
    expect(heading(carla)).to_have_text("Executive review protocol · Point-of-sale migration")
    # "Acknowledge for Contoso Retail" makes it agreed.
    click(carla, "Acknowledge for Contoso Retail")
    expect(flash(carla)).to_contain_text("Version 1 is agreed by both companies and in force from")
    # On any protocol in force (Protocols lists them) she opens "Log a touchpoint" and
    # clicks "Log touchpoint".
    go_to(carla, "Protocols")
    region(carla, "In force, most urgent first").get_by_role("link", name="Onboarding", exact=True).click()
    expect(heading(carla)).to_have_text("Onboarding protocol · Point-of-sale migration")
    touchpoints = region(carla, "Touchpoints")
    touchpoints.locator("summary", has_text="Log a touchpoint").click()
    occurred = datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(minutes=30)
    touchpoints.get_by_label("Occurred at").fill(occurred.strftime("%Y-%m-%dT%H:%M"))
    touchpoints.get_by_label("Channel used").select_option(label="Video call")
    touchpoints.get_by_label("Supplier person").select_option(label="Alice Moreau")
    touchpoints.get_by_label("Customer person").select_option(label="Carla Jimenez")
    touchpoints.get_by_label("Summary").fill("Store readiness for the loyalty points fix.")
    click(carla, "Log touchpoint")
    expect(flash(carla)).to_have_text("Touchpoint logged.")
    expect(region(carla, "Touchpoints").get_by_role("row").filter(
        has_text="Store readiness for the loyalty points fix.")).to_have_count(1)


def test_the_auditor_tour_works_by_clicking(page_as):
    # Auditor (audrey@northwind.example): Audit lists resolution histories;
    audrey = page_as("audrey@northwind.example")
    go_to(audrey, "Audit")
    expect(heading(audrey)).to_have_text("Resolution histories")
    # choose the outcome "Resolved" and "Search",
    search = region(audrey, "Search")
    search.get_by_label("Outcome").select_option(label="Resolved")
    search.get_by_role("button", name="Search", exact=True).click()
    results = audrey.get_by_role("table").get_by_role("row").filter(has=audrey.get_by_role("cell"))
    expect(results.first).to_be_visible()
    for row in results.all():
        expect(row.get_by_role("cell").nth(2)).to_have_text("Resolved")
    # open "Disputed invoices for the March cut-over" to read each event with its hashes
    # and the chain's status,
    results.get_by_role("link", name=RESOLVED, exact=True).click()
    expect(heading(audrey)).to_have_text(RESOLVED)
    events = region(audrey, "Events, oldest first").get_by_role("listitem").filter(
        has=audrey.get_by_role("heading", level=3))
    expect(events.first).to_contain_text("Hash")
    assert events.count() >= 10
    expect(region(audrey, "Chain verification")).to_contain_text("verified")
    # click "Export CSV" or "Export JSON" (both, here),
    for label, suffix in (("Export CSV", ".csv"), ("Export JSON", ".json")):
        with audrey.expect_download() as download:
            audrey.get_by_role("link", name=label, exact=True).click()
        assert download.value.failure() is None
        assert download.value.suggested_filename.endswith(suffix)
    # and keep the digest shown on the Audit page to check later with "Check digest".
    go_to(audrey, "Audit")
    kept = region(audrey, "Current digest").locator(".digest").inner_text().strip()
    assert DIGEST.match(kept), kept
    digest = region(audrey, "Current digest")
    digest.get_by_label("Digest (SIZE:ROOT)").fill(kept)
    click(audrey, "Check digest")
    expect(region(audrey, "Current digest").get_by_role("status")).to_contain_text("digest matches")


def calendar_link_of(page) -> str:
    """A person's own calendar subscription link, made on a protocol's page: it carries
    a calendar-only token."""
    go_to(page, "Protocols")
    region(page, "In force, most urgent first").get_by_role("link", name="Onboarding", exact=True).click()
    click(page, "Create my calendar link")
    expect(heading(page)).to_have_text("Your calendar link")
    return page.locator("code.subscription").last.inner_text().strip()


def test_the_administrator_tour_works_by_clicking(page_as):
    # Sam is signed in, and his calendar link carries a token, so that both can be seen to stop.
    sam = page_as("sam@northwind.example")
    calendar = calendar_link_of(sam)
    assert sam.request.get(calendar).status == 200
    # Administrator (admin@northwind.example): Admin lists organizations, people, accounts
    # and projects with forms to add each;
    admin = page_as("admin@northwind.example")
    go_to(admin, "Admin")
    expect(heading(admin)).to_have_text("Administration")
    for area, form, button in (("Organizations", "New organization", "Add organization"),
                               ("Accounts", "New account", "Open account"),
                               ("Projects", "New project", "Add project"),
                               ("People", "New person", "Add person")):
        region(admin, area).get_by_role("link", name=f"Manage {area.lower()}").click()
        expect(heading(admin)).to_have_text(area)
        expect(region(admin, form).get_by_role("button", name=button, exact=True)).to_be_visible()
        if area != "People":
            admin.get_by_role("navigation", name="Administration").get_by_role("link", name="Overview").click()

    # "Edit roles" (then "Save roles") or "Disable" a person (both, here, on Sam)
    row = admin.get_by_role("row").filter(has_text="sam@northwind.example")
    expect(row.get_by_role("link", name="Edit roles of Sam Lindqvist")).to_contain_text("Edit roles")
    row.get_by_role("link", name="Edit roles of Sam Lindqvist").click()
    expect(heading(admin)).to_have_text("Sam Lindqvist")
    admin.get_by_role("group", name="Roles of Sam Lindqvist").get_by_label("Point person").check()
    click(admin, "Save roles")
    expect(flash(admin)).to_contain_text("Sam Lindqvist now holds: Point person")
    disable = admin.get_by_role("link", name="Disable Sam Lindqvist")
    expect(disable).to_contain_text("Disable")
    disable.click()
    expect(heading(admin)).to_have_text("Disable Sam Lindqvist?")
    click(admin, "Yes, disable Sam Lindqvist")
    expect(flash(admin)).to_have_text("Sam Lindqvist is disabled and signed out everywhere.")
    # (their sessions and tokens stop at once).
    go_to(sam, "Home")
    expect(heading(sam)).to_have_text("Sign in to Accord")
    assert sam.request.get(calendar).status == 401


def test_the_whole_relationship_tour_works_by_clicking(page_as):
    # The whole relationship (bob@northwind.example, then carla@contoso.example and
    # olivia@contoso.example): Relationships shows "Fabrikam strategic account" leaning to
    # Fabrikam Logistics.
    bob = page_as("bob@northwind.example")
    go_to(bob, "Relationships")
    expect(bob.get_by_role("row").filter(has_text="Fabrikam strategic account")).to_contain_text(
        "Leans to Fabrikam Logistics")
    # Bob opens "You as a balanced advocate": a warning that he may have forgotten who he
    # works for, and the reprints he went ahead with, and why.
    bob.get_by_role("link", name="You as a balanced advocate", exact=True).click()
    expect(region(bob, "A warning")).to_contain_text("Bob Okafor may have forgotten who they work for")
    expect(region(bob, "Gone ahead without value to both")).to_contain_text("Pallet label reprints")
    expect(region(bob, "Gone ahead without value to both")).to_contain_text("Why:")
    # Carla opens "Contoso strategic account" (what needs attention first, then each chart
    # with its table)
    carla = page_as("carla@contoso.example")
    go_to(carla, "Relationships")
    carla.get_by_role("link", name="Contoso strategic account", exact=True).click()
    expect(heading(carla)).to_have_text("Contoso strategic account: the relationship")
    expect(region(carla, "What needs attention")).to_be_visible()
    expect(carla.get_by_role("img", name="Commitments kept and missed per company")).to_be_visible()
    # and "Who is in contact with whom": a collision on her day, Alice Moreau and Sam
    # Lindqvist each about another project.
    carla.get_by_role("link", name="Who is in contact with whom", exact=True).click()
    collisions = region(carla, "Collisions")
    expect(collisions).to_contain_text("Carla Jimenez heard from Alice Moreau and Sam Lindqvist about 2 projects.")
    # Olivia opens "The team's page" from the same relationship and adds herself as
    # "executive sponsor" with "Add to the team".
    olivia = page_as("olivia@contoso.example")
    go_to(olivia, "Relationships")
    olivia.get_by_role("link", name="Contoso strategic account", exact=True).click()
    olivia.get_by_role("link", name="The team's page", exact=True).click()
    adding = region(olivia, "Add someone of Contoso Retail")
    adding.get_by_label("Person").select_option(label="Olivia Brandt")
    adding.get_by_label("Function").fill("executive sponsor")
    click(olivia, "Add to the team")
    expect(flash(olivia)).to_have_text("Olivia Brandt is on the team, for executive sponsor.")
    expect(region(olivia, "Contoso Retail").get_by_role("row").filter(has_text="Olivia Brandt")).to_contain_text(
        "executive sponsor")
