"""A dispute from intake to resolved in real browsers: Alice (Northwind's account manager)
runs it while Carla (Contoso's point person), signed in at the same time in a browser of
her own, tells her side and accepts for Contoso with the keyboard alone. Then two tabs of
Alice's on one dispute: the second, stale, is told that someone else changed it."""

from playwright.sync_api import expect

from tests.e2e.helpers import screenshot
from tests.e2e.helpers import unfold

TITLE = "Gift cards rejected at the tills"
SUMMARY = "Since the 14 November release the tills reject one gift card in ten; Contoso wants the lost sales covered."
SHARED_FIX = "Northwind hot-fixes the tills this week and refunds the support hours spent on it."
ONE_SIDED = "Northwind covers every lost sale in full."


def region(page, name: str):
    return page.get_by_role("region", name=name, exact=True)


def flash(page):
    return page.get_by_role("status")


def action(page, label: str):
    """The part of "What can happen next" about one action, found by its heading."""
    return region(page, "What can happen next").locator(".action").filter(
        has=page.get_by_role("heading", name=label, exact=True))


def open_the_dispute(alice) -> None:
    alice.goto("/disputes")
    expect(alice.get_by_role("heading", level=1)).to_have_text("Disputes")
    screenshot(alice, "disputes-list")
    alice.get_by_role("link", name="Open a dispute").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Open a dispute")

    alice.get_by_label("Title").fill(TITLE)
    alice.get_by_label("Summary").fill(SUMMARY)
    alice.get_by_label("Account").select_option(label="Contoso strategic account")
    alice.get_by_label("Project").select_option(label="Point-of-sale migration (Contoso strategic account)")
    alice.get_by_label("Severity").select_option(label="High")
    parties = alice.get_by_role("group", name="Parties: the people involved, from both companies")
    parties.get_by_label("Sam Lindqvist (Northwind Systems)").check()
    parties.get_by_label("Carla Jimenez (Contoso Retail)").check()
    alice.get_by_role("button", name="Open dispute").click()

    expect(flash(alice)).to_have_text(f"Dispute “{TITLE}” opened.")
    expect(alice.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(region(alice, "About this dispute")).to_contain_text("Intake")
    screenshot(alice, "dispute-intake")


def record_story(page, whose: str, text: str) -> None:
    unfold(region(page, "Stories"), "Record a story")
    form = page.locator("#story")
    form.get_by_label("Whose story").select_option(label=whose)
    form.get_by_label("Story", exact=True).fill(text)
    form.get_by_role("button", name="Record story").click()
    expect(flash(page)).to_have_text("Story recorded.")


def propose(alice, summary: str, to_northwind: int, to_contoso: int) -> None:
    alice.get_by_label("Option summary").fill(summary)
    alice.get_by_label("Value to Northwind Systems (-5 to 5)").fill(str(to_northwind))
    alice.get_by_label("Value to Contoso Retail (-5 to 5)").fill(str(to_contoso))
    alice.get_by_role("button", name="Propose option").click()
    expect(flash(alice)).to_have_text("Option proposed.")


def fire(page, label: str, moved_to: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    expect(flash(page)).to_have_text(f"Done: the dispute moved to {moved_to}.")


def accept(page, company: str) -> None:
    row = region(page, "Options").get_by_role("row").filter(has_text=SHARED_FIX)
    row.get_by_role("button", name=f"Accept for {company}").click()
    expect(flash(page)).to_have_text(f"Accepted for {company}.")


def accept_with_the_keyboard(page, company: str) -> None:
    """Move between the options' buttons with the keyboard and send with Enter, the focus visible."""
    rows = region(page, "Options").get_by_role("row")
    shared = rows.filter(has_text=SHARED_FIX).get_by_role("button", name=f"Accept for {company}")
    rows.filter(has_text=ONE_SIDED).get_by_role("button", name=f"Accept for {company}").focus()
    page.keyboard.press("Shift+Tab")
    expect(shared).to_be_focused()
    assert shared.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(flash(page)).to_have_text(f"Accepted for {company}.")


def test_alice_takes_a_new_dispute_to_resolved_while_carla_tells_her_story_and_accepts(page_as):
    alice, carla = page_as("alice"), page_as("carla")
    open_the_dispute(alice)
    fire(alice, "Start gathering stories", "Story gathering")

    # Carla finds the dispute waiting on her at home and tells her side.
    carla.goto("/")
    waiting = region(carla, "Waiting on you")
    expect(waiting.get_by_role("listitem").filter(has_text=TITLE)).to_contain_text(
        "waits on you to tell your side of the story")
    waiting.get_by_role("link", name=TITLE).click()
    expect(carla.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(carla.locator("#story").get_by_label("Whose story").get_by_role("option")).to_have_text(
        ["Carla Jimenez (Contoso Retail)"])
    record_story(carla, "Carla Jimenez (Contoso Retail)",
                 "Store managers reported the rejections on day one; the fix was promised for the weekend.")

    # Sam has not been heard yet, so options cannot be generated: the page says why.
    alice.reload()
    expect(region(alice, "Stories")).to_contain_text("Store managers reported the rejections")
    generate = action(alice, "Start generating options")
    expect(generate).to_contain_text("Not possible yet.")
    expect(generate).to_contain_text(
        "Every party must have told their story or be marked as declining to tell it.")
    expect(generate.get_by_role("button")).to_have_count(0)

    record_story(alice, "Sam Lindqvist (Northwind Systems)",
                 "The release passed our till tests; the failing cards come from one issuer we had no samples of.")
    fire(alice, "Start generating options", "Option generation")

    propose(alice, SHARED_FIX, 2, 3)
    propose(alice, ONE_SIDED, -4, 5)
    options = region(alice, "Options").get_by_role("table")
    expect(options.get_by_role("row").filter(has_text=SHARED_FIX)).to_contain_text("Value to both companies")
    expect(options.get_by_role("row").filter(has_text=ONE_SIDED)).to_contain_text("Value to one company only")
    fire(alice, "Start resolution", "Resolution")

    # Each company accepts the option that gives both of them value.
    accept(alice, "Northwind Systems")
    carla.goto("/")
    waiting = region(carla, "Waiting on you")
    expect(waiting.get_by_role("listitem").filter(has_text=TITLE)).to_contain_text(
        "waits on Contoso Retail to accept")
    waiting.get_by_role("link", name=TITLE).click()
    accept_with_the_keyboard(carla, "Contoso Retail")
    alice.reload()
    expect(options.get_by_role("row").filter(has_text=SHARED_FIX)).to_contain_text(
        "Northwind Systems (Alice Moreau); Contoso Retail (Carla Jimenez)")
    screenshot(alice, "dispute-resolution")

    alice.get_by_label("Option accepted by both companies").select_option(label=SHARED_FIX)
    alice.get_by_label("Resolution summary").fill("Hot-fix shipped on Thursday; support hours refunded.")
    fire(alice, "Resolve the dispute", "Resolved")

    about = region(alice, "About this dispute")
    expect(about).to_contain_text("Resolved")
    expect(about).to_contain_text("Hot-fix shipped on Thursday; support hours refunded.")
    expect(region(alice, "What can happen next").locator("summary")).to_have_text(["Reopen the dispute"])
    unfold(region(alice, "History"), "earlier event")
    timeline = region(alice, "History").get_by_role("listitem")
    expect(timeline).to_contain_text([
        "Dispute opened", "State changed", "Story told", "Story told", "State changed", "Option proposed",
        "Option proposed", "State changed", "Option accepted", "Option accepted", "State changed",
    ])
    expect(timeline.last).to_contain_text("Resolution → Resolved")

    carla.reload()
    expect(region(carla, "About this dispute")).to_contain_text("Resolved")
    expect(region(carla, "Options").get_by_role("row").filter(has_text=SHARED_FIX)).to_contain_text(
        "Chosen resolution")


def test_a_change_from_a_stale_page_says_someone_else_changed_the_dispute_and_shows_it_now(page_as):
    first, second = page_as("alice"), page_as("alice")
    for page in (first, second):
        page.goto("/disputes?state=intake")
        page.get_by_role("link", name="Points not credited after outage").click()
        expect(region(page, "About this dispute")).to_contain_text("Intake")

    fire(first, "Start gathering stories", "Story gathering")
    second.get_by_role("button", name="Start gathering stories", exact=True).click()

    expect(second.get_by_role("alert")).to_contain_text(
        "Someone else changed this dispute while you were looking at it; here is its current state")
    about = region(second, "About this dispute")
    expect(about).to_contain_text("Story gathering")
    expect(action(second, "Start gathering stories")).to_have_count(0)
