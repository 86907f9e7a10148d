"""The relationship pages (issue 13): the list of accounts with their balance, and one
account's relationship with its charts, tables, timeline and period form, for both
companies; nothing internal on a customer's page; another customer's account is 404."""

import re
from datetime import timedelta

from mediation import account_team
from mediation import directory
from mediation import services
from tests.mediation.test_balance import resolve_with
from tests.protocols.test_air_traffic import at
from tests.protocols.test_air_traffic import protocol_on
from tests.protocols.test_air_traffic import touch as air_touch
from tests.protocols.test_relationship import agreed_protocol
from tests.protocols.test_relationship import touch


def page_of(browser, world, account="contoso", query="", status=200):
    response = browser.get(f"/accounts/{world.accounts[account].id}/relationship{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_nav_leads_to_the_accounts_each_with_its_balance_in_words(world, browser_as):
    for values in ((0, 4), (1, 5), (1, 4)):
        resolve_with(world, *values)
    world.clock.advance(minutes=1)
    alice = browser_as("alice")
    home = alice.get("/").get_data(as_text=True)
    assert 'href="/relationships"' in home and ">Relationships<" in home
    listing = alice.get("/relationships").get_data(as_text=True)
    assert "Leans to Contoso Retail" in listing and "Too few resolutions to tell" in listing
    assert f'href="/accounts/{world.accounts["contoso"].id}/relationship"' in listing
    carla = browser_as("carla").get("/relationships").get_data(as_text=True)
    assert "Contoso account" in carla and "Fabrikam account" not in carla


def test_the_page_leads_with_the_balance_and_its_rule_and_draws_each_chart_with_a_table(world, browser_as):
    protocol = agreed_protocol(world)
    for values in ((0, 4), (1, 5), (1, 4)):
        resolve_with(world, *values)
    world.clock.advance(days=1)
    touch(world, protocol, world.clock.now() - timedelta(hours=1), "customer")
    page = page_of(browser_as("carla"), world)
    attention = page.index("What needs attention")
    assert attention < page.index("<svg")
    assert "Leans to Contoso Retail: over 3 resolutions" in page
    assert "over at least 3 resolutions, that company gains on average more than 1 point a resolution more" in page
    assert page.count('role="img"') == 3 and page.count("<table>") >= 3
    assert "<script" not in page and "style=" not in page
    assert "Routine protocol of POS migration" in page and "Contoso Retail 1" in re.sub(r"\s+", " ", page)
    assert "Dispute opened" in page and "Older events" in page


def test_an_empty_account_says_so(world, browser_as):
    page = page_of(browser_as("alice"), world)
    assert "No dispute was resolved in this period." in page
    assert "No protocol yet" in page and "Nothing has happened" in page
    assert "Too few resolutions to tell: 0 in this period, 3 are needed." in page


def test_a_customer_never_sees_internal_stories_or_notes(world, browser_as):
    alice = world.actor("alice")
    dispute = world.open_dispute()
    services.record_story(alice, world.clock, dispute.id, party_id=world.id("sam"),
                          text="Internal: thin margin", visibility="internal")
    services.add_note(alice, world.clock, dispute.id, text="Internal: hold out", visibility="internal")
    ours, theirs = page_of(browser_as("alice"), world), page_of(browser_as("carla"), world)
    assert ours.count("Note added") == 1 and ours.count("Story told") == 1
    assert "Note added" not in theirs and "Story told" not in theirs


def test_another_customers_account_is_404(world, browser_as):
    page_of(browser_as("frank"), world, status=404)
    page_of(browser_as("carla"), world, account="fabrikam", status=404)


def test_the_period_form_takes_days_and_shows_a_bad_range_next_to_its_field(world, browser_as):
    alice = browser_as("alice")
    page = page_of(alice, world, query="?from=2026-01-01&to=2026-02-28")
    assert 'value="2026-01-01"' in page and "1 Jan 2026" in page
    page = page_of(alice, world, query="?from=2026-03-01&to=2026-01-01", status=422)
    assert "must be before" in page
    page = page_of(alice, world, query="?from=soon", status=422)
    assert 'value="soon"' in page


# --- who is in contact with whom ------------------------------------------------------------


def contacts_of(browser, world, account="contoso", query="", status=200):
    response = browser.get(f"/accounts/{world.accounts[account].id}/contacts{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def collide(world):
    """Alice and Sam both reach Carla on 5 March, about two projects."""
    loyalty = directory.create_project(None, world.clock, name="Loyalty", account_id=world.accounts["contoso"].id)
    pos, other = protocol_on(world, world.projects["contoso"]), protocol_on(world, loyalty)
    world.clock.advance(weeks=1)
    for hour in (8, 9, 10, 11, 12, 13):
        air_touch(world, pos, at(5, hour))
    air_touch(world, other, at(5, 14), supplier="sam")


def test_the_contacts_page_leads_with_collisions_and_people_over_the_ceiling(world, browser_as):
    collide(world)
    page = contacts_of(browser_as("carla"), world)
    flat = re.sub(r"\s+", " ", page)
    assert page.index("What needs attention") < page.index("Collisions") < page.index("<svg")
    assert "1 collision</strong>" in flat and "Carla (Contoso Retail) had more than 5 contacts in 1 week." in flat
    assert "5 Mar 2026</time>: Carla</strong> heard from Alice and Sam about 2 projects." in flat
    assert "Sam about" in flat and "Loyalty</a>" in flat
    assert page.count('role="img"') == 1 and "The same figures as a table" in page and "7 (over)" in page
    assert "Alice (6), Sam (1)" in flat
    assert "<script" not in page and "style=" not in page
    assert "Change the weekly ceiling" not in page  # the customer's people do not set it
    relationship = page_of(browser_as("carla"), world)
    assert f'href="/accounts/{world.accounts["contoso"].id}/contacts"' in relationship


def test_an_account_without_contact_says_so(world, browser_as):
    page = contacts_of(browser_as("alice"), world)
    assert "No collisions, and no one had more than 5 contacts in a week." in page
    assert "No touchpoint was logged in this period." in page and "<svg" not in page


def test_an_accounts_manager_changes_the_ceiling_from_the_page(world, browser_as):
    collide(world)
    alice = browser_as("alice")
    path = f"/accounts/{world.accounts['contoso'].id}/contacts"
    response = alice.post(path + "/ceiling", {"contact_ceiling_per_week": "7"})
    assert response.status_code == 302 and response.headers["Location"].startswith(path)
    page = alice.get(path).get_data(as_text=True)
    assert "The ceiling is now 7 contacts a week with one person." in page
    assert "The ceiling is 7 contacts a week" in page and "had more than" not in page


def test_a_ceiling_out_of_range_is_shown_next_to_its_field_and_changes_nothing(world, browser_as):
    alice = browser_as("alice")
    path = f"/accounts/{world.accounts['contoso'].id}/contacts"
    response = alice.post(path + "/ceiling", {"contact_ceiling_per_week": "500"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="500"' in page and "aria-invalid" in page
    assert "The ceiling is 5 contacts a week" in page


def test_those_who_may_not_set_the_ceiling_are_refused(world, browser_as):
    path = f"/accounts/{world.accounts['contoso'].id}/contacts"
    assert browser_as("bob").post(path + "/ceiling", {"contact_ceiling_per_week": "7"}).status_code == 403
    assert browser_as("frank").post(path + "/ceiling", {"contact_ceiling_per_week": "7"}).status_code == 404
    assert "The ceiling is 5 contacts a week" in contacts_of(browser_as("alice"), world)


def test_another_customers_contacts_are_404(world, browser_as):
    contacts_of(browser_as("frank"), world, status=404)


# --- the account team -----------------------------------------------------------------------


def team_path(world, account="contoso"):
    return f"/accounts/{world.accounts[account].id}/team"


def test_the_relationship_and_contacts_pages_show_the_team_of_both_sides(world, browser_as):
    account_team.add_member(world.actor("admin"), world.clock, account_id=world.accounts["contoso"].id,
                            person_id=world.id("alice"), function="executive sponsor")
    account_team.add_member(world.actor("contoso_admin"), world.clock, account_id=world.accounts["contoso"].id,
                            person_id=world.id("carla"), function="operations")
    collide(world)
    carla = browser_as("carla")
    for page in (page_of(carla, world), contacts_of(carla, world)):
        flat = re.sub(r"\s+", " ", page)
        assert "The account team" in page and "<li>Alice, executive sponsor</li>" in flat
        assert "<li>Carla, operations</li>" in flat and f'href="{team_path(world)}"' in page
    assert "Carla<span class=\"muted\">, operations</span>" in contacts_of(carla, world)


def test_an_empty_team_says_who_names_it(world, browser_as):
    page = page_of(browser_as("alice"), world)
    assert "No one is named on the team yet: each company's administrators name their own people." in page
    page = browser_as("alice").get(team_path(world)).get_data(as_text=True)
    assert "Add someone of" not in page and "Contoso Retail's administrators name them" in page


def test_an_administrator_keeps_their_own_side_from_the_team_page(world, browser_as):
    admin = browser_as("contoso_admin")
    page = admin.get(team_path(world)).get_data(as_text=True)
    assert "Add someone of Contoso Retail" in page and ">Dev</option>" in page and ">Sam</option>" not in page
    response = admin.post(team_path(world), {"person_id": str(world.id("dev")), "function": "finance"})
    assert response.status_code == 302
    page = admin.get(team_path(world)).get_data(as_text=True)
    assert "Dev is on the team, for finance." in page and ">Dev</option>" not in page
    admin.post(f"{team_path(world)}/{world.id('dev')}/function", {"function": "support"})
    assert "Dev now serves the account for support." in admin.get(team_path(world)).get_data(as_text=True)
    admin.post(f"{team_path(world)}/{world.id('dev')}/remove")
    page = admin.get(team_path(world)).get_data(as_text=True)
    assert "Dev is off the team." in page and "No one of Contoso Retail is named on the team yet." in page


def test_a_bad_member_is_shown_next_to_its_field_and_nothing_is_added(world, browser_as):
    admin = browser_as("admin")
    response = admin.post(team_path(world), {"person_id": str(world.id("sam")), "function": "   "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "aria-invalid" in page and "This field is required." in page
    assert account_team.team_of(world.actor("admin"), world.accounts["contoso"].id) == []
    admin.post(team_path(world), {"person_id": str(world.id("sam")), "function": "support"})
    response = admin.post(f"{team_path(world)}/{world.id('sam')}/function", {"function": "x" * 41})
    assert response.status_code == 422 and 'id="function-' in response.get_data(as_text=True)


def test_the_other_side_and_other_customers_are_refused(world, browser_as):
    account_team.add_member(world.actor("admin"), world.clock, account_id=world.accounts["contoso"].id,
                            person_id=world.id("sam"), function="support")
    contoso_admin = browser_as("contoso_admin")
    assert contoso_admin.post(f"{team_path(world)}/{world.id('sam')}/remove").status_code == 403
    assert browser_as("alice").post(team_path(world), {"person_id": str(world.id("sam")),
                                                       "function": "legal"}).status_code == 403
    assert browser_as("frank").get(team_path(world)).status_code == 404


# --- the balanced advocate ------------------------------------------------------------------


def lean_to_the_customer(world):
    for values in ((1, 4), (1, 4), (1, 3), (2, 4)):
        resolve_with(world, *values)
    resolve_with(world, 0, 3, "Goodwill before the renewal.")
    world.clock.advance(minutes=1)


def test_a_flagged_manager_reads_the_warning_first_with_its_rule_and_the_overrides(world, browser_as):
    lean_to_the_customer(world)
    alice = browser_as("alice")
    listing = alice.get("/relationships").get_data(as_text=True)
    assert f'href="/people/{world.id("alice")}/advocacy"' in listing and "You as a balanced advocate" in listing
    page = alice.get(f"/people/{world.id('alice')}/advocacy").get_data(as_text=True)
    flat = re.sub(r"\s+", " ", page)
    assert page.index("A warning") < page.index("Value to each company") < page.index("Gone ahead without")
    assert "Alice may have forgotten who they work for: over 5 resolutions the customers gained 2.6 points" in flat
    assert "over at least 5 resolutions of the disputes they mediated" in flat
    assert "Why: “Goodwill before the renewal.”" in flat and "Contoso account" in flat


def test_administrators_see_every_manager_side_by_side_with_the_flag_in_words(world, browser_as):
    lean_to_the_customer(world)
    admin = browser_as("admin")
    assert 'href="/advocacy"' in admin.get("/relationships").get_data(as_text=True)
    page = admin.get("/advocacy").get_data(as_text=True)
    flat = re.sub(r"\s+", " ", page)
    assert "Leans to the customer</span>" in flat and "Too few to tell" in flat
    assert page.index(">Alice</a>") < page.index(">Bob</a>")
    assert "forgot_who_they_work_for" not in page


def test_a_manager_without_resolutions_has_too_few_to_tell(world, browser_as):
    page = browser_as("bob").get(f"/people/{world.id('bob')}/advocacy").get_data(as_text=True)
    assert "Too few resolutions to tell: 0 in this period, 5 are needed." in page
    assert "None of the disputes Bob mediated was resolved in this period." in page


def test_the_advocacy_pages_are_the_suppliers_alone(world, browser_as):
    carla = browser_as("carla")
    assert carla.get(f"/people/{world.id('alice')}/advocacy").status_code == 404
    assert carla.get("/advocacy").status_code == 404
    assert "balanced advocate" not in carla.get("/relationships").get_data(as_text=True)
    assert browser_as("bob").get(f"/people/{world.id('alice')}/advocacy").status_code == 403
    assert browser_as("alice").get("/advocacy").status_code == 403
