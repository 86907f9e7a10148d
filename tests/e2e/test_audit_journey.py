"""The auditor in a real browser: Audrey finds a resolved dispute's history by searching,
reads it with its hashes and the chain's verification, and downloads it as CSV and JSON;
the files hold exactly the events the page showed."""

import csv
import json
import re

from playwright.sync_api import expect

from tests.e2e.helpers import screenshot
from web.ui.history_export import CSV_COLUMNS

TITLE = "Disputed invoices for the March cut-over"
HEX = re.compile(r"^[0-9a-f]{64}$")


def region(page, name: str):
    return page.get_by_role("region", name=name, exact=True)


def downloaded(page, link: str):
    """Click the link `link` and return the download (its suggested name and its path)."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link, exact=True).click()
    download = info.value
    assert download.failure() is None, download.failure()
    return download


def csv_rows(download) -> tuple[list[str], list[dict]]:
    with open(download.path(), newline="", encoding="utf-8") as handle:
        header, *lines = list(csv.reader(handle))
    return header, [dict(zip(header, line)) for line in lines]


def hashes_shown(page) -> list[str]:
    """The "Hash" of each event on the history page, in order."""
    text = region(page, "Events, oldest first").text_content()
    return re.findall(r"Hash\s*([0-9a-f]{64})", text)


def test_the_auditor_searches_histories_reads_one_with_its_hashes_and_exports_it(page_as):
    audrey = page_as("audrey")
    audrey.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    expect(audrey.get_by_role("heading", level=1)).to_have_text("Resolution histories")
    screenshot(audrey, "audit-histories")

    search = region(audrey, "Search")
    search.get_by_label("Title or summary contains").fill("cut-over")
    search.get_by_label("Outcome").select_option(label="Resolved")
    search.get_by_role("button", name="Search").click()
    expect(audrey.get_by_role("heading", level=2, name="1 history matches")).to_be_visible()
    results = audrey.get_by_role("table")
    expect(results.get_by_role("row")).to_have_count(2)
    expect(results.get_by_role("row").nth(1)).to_contain_text("Resolved")
    expect(search.get_by_label("Title or summary contains")).to_have_value("cut-over")

    header, matching = csv_rows(downloaded(audrey, "Export CSV"))
    assert tuple(header) == CSV_COLUMNS
    assert {row["dispute_title"] for row in matching} == {TITLE}

    results.get_by_role("link", name=TITLE).click()
    expect(audrey.get_by_role("heading", level=1)).to_have_text(TITLE)
    chain = region(audrey, "Chain verification")
    expect(chain).to_contain_text("verified")
    expect(chain).to_contain_text("The whole ledger checks out")
    events = region(audrey, "Events, oldest first").get_by_role("listitem").filter(
        has=audrey.get_by_role("heading", level=3))
    expect(events.first.get_by_role("heading", name=re.compile(r"^#\d+ · Dispute opened$"))).to_be_visible()
    shown = hashes_shown(audrey)
    assert len(shown) == events.count() >= 10
    screenshot(audrey, "audit-history")

    csv_file = downloaded(audrey, "Export CSV")
    assert re.fullmatch(r"accord-dispute-\d+-history\.csv", csv_file.suggested_filename)
    header, exported = csv_rows(csv_file)
    assert tuple(header) == CSV_COLUMNS
    assert [row["hash"] for row in exported] == shown
    assert {row["dispute_title"] for row in exported} == {TITLE}
    assert [row["kind"] for row in exported][:2] == ["opened", "transition"]
    assert all(HEX.match(row["prev_hash"]) for row in exported)
    sequences = [int(row["sequence"]) for row in exported]
    assert sequences == sorted(sequences)

    json_file = downloaded(audrey, "Export JSON")
    assert re.fullmatch(r"accord-dispute-\d+-history\.json", json_file.suggested_filename)
    with open(json_file.path(), encoding="utf-8") as handle:
        document = json.load(handle)
    assert document["exported_by"]["name"] == "Audrey Keller"
    assert re.fullmatch(r"\d+:[0-9a-f]{64}", document["digest"])
    [dispute] = document["disputes"]
    assert (dispute["title"], dispute["outcome"]) == (TITLE, "resolved")
    assert [event["hash"] for event in dispute["events"]] == shown
    assert [event["sequence"] for event in dispute["events"]] == sequences
    assert all(HEX.match(event["prev_hash"]) for event in dispute["events"])
