"""The relationship pages (issue 13): the list of accounts with their balance, and one
account's relationship with its charts, tables, timeline and period form, for both
companies; nothing internal on a customer's page; another customer's account is 404."""

import re
from datetime import timedelta

from mediation import services
from tests.mediation.test_balance import resolve_with
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
