"""The auditors' pages: resolution histories with search and filters, one history with its
hashes and the chain's verification, digest checks, and exports as CSV and JSON."""

import csv
import io
import json
import re
from datetime import timedelta
from html import unescape

import pytest

from mediation import bundle_check
from mediation import checkpoint_notes
from mediation import checkpoints
from mediation import dispute_queries
from mediation import ledger
from mediation import reports
from mediation import services
from mediation import witnesses
from mediation.db import database
from mediation.db import write_transaction
from mediation import checkpoints
from mediation.ledger import AuditEvent
from mediation.parties import Person
from web.ui.audit import human_duration

INTERNAL_NOTE = "Margin on this account is thin; do not concede the rate"


def sql(statement: str, *params) -> None:
    """Change the database behind the ledger's back, as someone tampering with it would."""
    with write_transaction():
        database.execute_sql(statement.replace("?", database.param), params)


def titles(response) -> list[str]:
    """The dispute titles listed on a page of histories, in order."""
    html = response.get_data(as_text=True)
    return [unescape(t) for t in re.findall(r'<a href="/audit/disputes/\d+">([^<]+)</a>', html)]


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def events_of(dispute) -> list[AuditEvent]:
    return ledger.history("dispute", dispute.id)


@pytest.fixture
def cases(world, clock):
    """Four disputes with known outcomes and durations (all times UTC):

    resolved   Contoso  "Invoice above the cap"     03-02 09:00 -> 03-05 13:00 (3 days 4 h)
    withdrawn  Contoso  "Late scanner delivery"     03-05 13:00 -> 03-06 13:00 (1 day)
    open       Contoso  "Support hours"             03-06 13:00, in story gathering
    resolved   Fabrikam "Warehouse slotting fees"   03-06 13:00 -> 03-16 13:00 (10 days)
    and an internal note on the first, recorded last.
    """
    invoice = world.open_dispute(title="Invoice above the cap", summary="Hours billed above the agreed cap.")
    clock.advance(days=3, hours=4)
    world.drive(invoice, "resolved")
    scanners = world.open_dispute(title="Late scanner delivery", summary="Handheld SCANNERS arrived two weeks late.")
    clock.advance(days=1)
    world.drive(scanners, "withdrawn")
    support = world.open_dispute(title="Support hours", summary="Weekend support was not staffed.")
    world.drive(support, "story_gathering")
    fees = world.open_dispute(account="fabrikam", title="Warehouse slotting fees", summary="Fees charged twice.")
    clock.advance(days=10)
    world.drive(fees, "resolved")
    services.add_note(world.actor("alice"), clock, invoice.id, text=INTERNAL_NOTE, visibility="internal")
    return {"invoice": invoice, "scanners": scanners, "support": support, "fees": fees}


# --- who may see ---------------------------------------------------------------------------


def _paths(cases):
    invoice = cases["invoice"].id
    return [
        "/audit",
        f"/audit/disputes/{invoice}",
        "/audit/export.csv",
        "/audit/export.json",
        f"/audit/disputes/{invoice}/history.csv",
        f"/audit/disputes/{invoice}/history.json",
    ]


@pytest.mark.parametrize("who", ["auditor", "admin", "contoso_auditor", "contoso_admin"])
def test_auditors_and_administrators_read_histories(browser_as, cases, who):
    browser = browser_as(who)
    for path in _paths(cases):
        assert browser.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "carla", "frank", "dev"])
def test_people_who_are_neither_auditors_nor_administrators_are_refused(browser_as, cases, who):
    browser = browser_as(who)
    for path in _paths(cases):
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "Invoice above the cap" not in text(response)


def test_anonymous_visitors_are_sent_to_sign_in(browser, cases):
    for path in _paths(cases):
        response = browser.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_the_supplier_auditor_sees_every_customers_histories(browser_as, cases):
    assert titles(browser_as("auditor").get("/audit")) == [
        "Warehouse slotting fees", "Support hours", "Late scanner delivery", "Invoice above the cap",
    ]


def test_a_customers_auditor_sees_only_their_own_accounts_histories(browser_as, cases):
    browser = browser_as("contoso_auditor")
    page = browser.get("/audit")
    assert titles(page) == ["Support hours", "Late scanner delivery", "Invoice above the cap"]
    assert "Warehouse slotting fees" not in text(page)
    assert browser.get(f"/audit/disputes/{cases['fees'].id}").status_code == 404
    assert browser.get(f"/audit/disputes/{cases['fees'].id}/history.csv").status_code == 404
    assert browser.get(f"/audit/disputes/{cases['fees'].id}/history.json").status_code == 404


def test_a_customers_auditor_gets_no_verification_and_no_digest_but_an_explanation(browser_as, cases):
    browser = browser_as("contoso_auditor")
    head = str(ledger.head())
    for path in ("/audit", f"/audit/disputes/{cases['invoice'].id}"):
        page = text(browser.get(f"{path}?digest={head}"))
        assert "Verifying the record" in page
        assert "shared chain" in page, "what the customer's own chain is, in words"
        assert head not in page
        assert "Check a digest" not in page and "Chain verification" not in page and "verified" not in page


def test_a_customers_auditor_never_sees_internal_events(browser_as, cases):
    page = text(browser_as("contoso_auditor").get(f"/audit/disputes/{cases['invoice'].id}"))
    assert INTERNAL_NOTE not in page
    assert "Invoice above the cap" in page
    supplier_page = text(browser_as("auditor").get(f"/audit/disputes/{cases['invoice'].id}"))
    assert INTERNAL_NOTE in supplier_page
    assert '<span class="badge internal">internal</span>' in supplier_page


def test_the_audit_menu_entry_is_there_for_auditors_only(browser_as, cases):
    assert 'href="/audit"' in text(browser_as("auditor").get("/audit"))
    assert 'href="/audit"' not in text(browser_as("carla").get("/diagrams"))


# --- the list --------------------------------------------------------------------------------


def test_each_row_shows_account_outcome_dates_time_to_resolution_and_events(browser_as, cases):
    page = text(browser_as("auditor").get("/audit"))
    row = re.search(r"Invoice above the cap</a></td>(.*?)</tr>", page, re.S).group(1)
    assert "Contoso account" in row
    assert '<span class="badge resolved">Resolved</span>' in row
    assert '<time datetime="2026-03-02T09:00:00Z">2 Mar 2026, 09:00 UTC</time>' in row
    assert '<time datetime="2026-03-05T13:00:00Z">5 Mar 2026, 13:00 UTC</time>' in row
    assert "3 days 4 h" in row
    assert f'<td class="num">{len(events_of(cases["invoice"]))}</td>' in row
    open_row = re.search(r"Support hours</a></td>(.*?)</tr>", page, re.S).group(1)
    assert "Open · story gathering" in open_row
    assert "still open" in open_row


def test_a_customers_auditor_counts_only_the_events_shared_with_them(browser_as, cases):
    shared = len([e for e in events_of(cases["invoice"]) if e.data.get("visibility") != "internal"])
    page = text(browser_as("contoso_auditor").get("/audit"))
    row = re.search(r"Invoice above the cap</a></td>(.*?)</tr>", page, re.S).group(1)
    assert f'<td class="num">{shared}</td>' in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outcome=resolved", ["Warehouse slotting fees", "Invoice above the cap"]),
        ("outcome=withdrawn", ["Late scanner delivery"]),
        ("outcome=open", ["Support hours"]),
        ("outcome=story_gathering", ["Support hours"]),
        ("outcome=intake", []),
        ("text=scanner", ["Late scanner delivery"]),
        ("text=staffed", ["Support hours"]),
        ("text=INVOICE", ["Invoice above the cap"]),
        ("text=50%25_off", []),
        ("closed_from=2026-03-06&closed_to=2026-03-06", ["Late scanner delivery"]),
        ("closed_to=2026-03-05", ["Invoice above the cap"]),
        ("closed_from=2026-03-07", ["Warehouse slotting fees"]),
        ("min_days=2", ["Warehouse slotting fees", "Invoice above the cap"]),
        ("max_days=3", ["Late scanner delivery"]),
        ("min_days=1&max_days=1", ["Late scanner delivery"]),
        ("min_days=4&max_days=10", ["Warehouse slotting fees"]),
        ("outcome=resolved&max_days=5", ["Invoice above the cap"]),
    ],
)
def test_filters_narrow_the_histories(browser_as, cases, query, expected):
    response = browser_as("auditor").get(f"/audit?{query}")
    assert response.status_code == 200
    assert titles(response) == expected


def test_the_account_filter_offers_the_visible_accounts_and_narrows_to_one(browser_as, world, cases):
    browser = browser_as("auditor")
    page = text(browser.get("/audit"))
    assert "Contoso account</option>" in page and "Fabrikam account</option>" in page
    contoso = world.accounts["contoso"].id
    assert titles(browser.get(f"/audit?account_id={contoso}")) == [
        "Support hours", "Late scanner delivery", "Invoice above the cap",
    ]
    customer_page = text(browser_as("contoso_auditor").get("/audit"))
    assert "Fabrikam account" not in customer_page


def test_another_customers_account_is_refused_next_to_the_field(browser_as, world, cases):
    response = browser_as("contoso_auditor").get(f"/audit?account_id={world.accounts['fabrikam'].id}")
    assert response.status_code == 422
    page = text(response)
    assert 'id="account_id-error"' in page and "Choose one of the accounts listed." in page
    assert titles(response) == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("closed_from=2026-03-09&closed_to=2026-03-01", "closed_to", "before the start date"),
        ("min_days=5&max_days=2", "max_days", "below the minimum"),
        ("min_days=soon", "min_days", "Not a valid integer"),
        ("min_days=-1", "min_days", "greater than or equal to 0"),
        ("closed_from=yesterday", "closed_from", "Not a valid date"),
        ("outcome=lost", "outcome", "Must be one of"),
    ],
)
def test_invalid_filters_are_shown_next_to_their_field_and_kept(browser_as, cases, query, field, message):
    response = browser_as("auditor").get(f"/audit?{query}")
    assert response.status_code == 422
    page = text(response)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-hint {field}-error" aria-invalid="true"' in page or \
        f'aria-describedby="{field}-error" aria-invalid="true"' in page
    typed = query.split(f"{field}=")[1].split("&")[0]
    if field != "outcome":
        assert f'value="{typed}"' in page
    assert "Correct the filters marked above" in page


def test_an_empty_result_says_what_to_do_next(browser_as, cases):
    page = text(browser_as("auditor").get("/audit?text=nothing+like+this"))
    assert "No history matches these filters" in page
    assert "clear the filters" in page
    assert "Export CSV" not in page


def test_with_no_dispute_at_all_the_page_says_so(browser_as, world):
    page = text(browser_as("contoso_auditor").get("/audit"))
    assert "No dispute has been opened on the accounts of Contoso Retail yet" in page


def test_histories_come_25_to_a_page_with_a_cursor_that_keeps_the_filters(browser_as, world, cases):
    for number in range(30):
        world.open_dispute(title=f"Batch dispute {number:02}")
    browser = browser_as("auditor")
    first = browser.get("/audit?outcome=open")
    assert titles(first) == [f"Batch dispute {n:02}" for n in range(29, 4, -1)]
    assert "31 histories match" in text(first)
    older = re.search(r'<a href="([^"]+)">Older histories</a>', text(first)).group(1)
    assert "outcome=open" in older and "after=" in older
    second = browser.get(older)
    assert titles(second) == [f"Batch dispute {n:02}" for n in range(4, -1, -1)] + ["Support hours"]
    assert "Older histories" not in text(second)
    newest = re.search(r'<a href="([^"]+)">Newest histories</a>', text(second)).group(1)
    assert titles(browser.get(newest)) == titles(first)


# --- one history ------------------------------------------------------------------------------


def test_a_history_shows_every_event_with_its_actor_payload_and_hashes(browser_as, cases):
    invoice = cases["invoice"]
    page = text(browser_as("auditor").get(f"/audit/disputes/{invoice.id}"))
    events = events_of(invoice)
    for event in events:
        assert f'id="event-{event.sequence}"' in page
        assert f'<dd class="mono">{event.hash}</dd>' in page
        assert f'<dd class="mono">{event.prev_hash}</dd>' in page
    assert "Alice, Northwind Systems, as account manager" in page
    assert "Carla, Contoso Retail, as party" in page
    assert "<dt>Title</dt><dd>Invoice above the cap</dd>" in page
    assert "Intake → Story gathering" in page
    assert "starts in intake" in page
    assert "3 days 4 h" in page


def test_a_history_names_what_its_events_refer_to_and_words_their_codes(browser_as, world, cases):
    page = text(browser_as("auditor").get(f"/audit/disputes/{cases['invoice'].id}"))
    assert "<dt>Account</dt><dd>Contoso account</dd>" in page
    assert "<dt>Parties</dt><dd>Sam, Carla</dd>" in page
    assert "<dt>Severity</dt><dd>High</dd>" in page
    assert "<dt>Action</dt><dd>Start gathering stories</dd>" in page
    assert "<dt>Option</dt><dd>Split the difference</dd>" in page and "<dt>Side</dt><dd>customer</dd>" in page
    assert "<dt>Kind</dt><dd>Dispute opened</dd>" in page and "<dt>Kind</dt><dd>Story told</dd>" in page
    assert "account id" not in page.lower() and "(#" not in page


def test_an_acceptance_taken_back_names_who_had_given_it_and_when(browser_as, world):
    dispute = world.drive(world.open_dispute(), "resolution")
    option = dispute_queries.details(world.actor("alice"), dispute)["options"][0]
    acceptance = services.accept_option(world.actor("carla"), world.clock, dispute.id, option_id=option.id)
    world.clock.advance(hours=2)
    services.retract_acceptance(world.actor("carla"), world.clock, dispute.id, acceptance_id=acceptance.id)
    page = text(browser_as("auditor").get(f"/audit/disputes/{dispute.id}"))
    assert "· Acceptance taken back" in page
    assert "<dt>Accepted by</dt><dd>Carla</dd>" in page
    assert '<dt>Accepted at</dt><dd><time datetime="2026-03-02T09:00:00Z">2 Mar 2026, 09:00 UTC</time></dd>' in page


def test_an_intact_chain_is_shown_as_verified(browser_as, cases):
    integrate(cases)
    page = text(browser_as("auditor").get(f"/audit/disputes/{cases['invoice'].id}"))
    head = ledger.head()
    assert '<span class="badge good">verified</span>' in page
    assert f"{AuditEvent.select().count()} events in their chains, {head.sequence} of them in the signed tree" in page
    assert head.sequence == AuditEvent.select().count()
    assert "first bad event" not in page


def test_after_tampering_with_an_event_the_history_names_the_first_bad_event(browser_as, cases):
    target = events_of(cases["invoice"])[3]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"text":"rewritten"}', target.id)

    page = text(browser_as("auditor").get(f"/audit/disputes/{cases['invoice'].id}"))

    assert '<span class="badge bad">broken</span>' in page
    assert f"broken at event sequence {target.sequence} (event id {target.id})" in page
    assert "altered" in page
    assert (f'<a href="/audit/disputes/{cases["invoice"].id}#event-{target.sequence}">'
            f'That event is in this history</a>') in page
    assert re.search(rf'id="event-{target.sequence}" class="card bad-event"', page)
    assert "verified" not in page


def integrate(cases):
    checkpoints.integrate(ledger.datetime.now(ledger.timezone.utc), checkpoints.signing_key())


def _long_history(world, dispute, notes: int):
    for n in range(1, notes + 1):
        services.add_note(world.actor("alice"), world.clock, dispute.id, text=f"note {n}")


def _event_ids(page: str) -> list[int]:
    return [int(sequence) for sequence in re.findall(r'<li id="event-(\d+)"', page)]


def _link(page: str, label: str) -> str:
    (href,) = re.findall(rf'<a href="([^"]+)">{label}</a>', page)
    return unescape(href)


def test_a_long_history_is_read_in_pages_of_fifty_events(browser_as, world):
    dispute = world.open_dispute()
    _long_history(world, dispute, 119)
    sequences = [event.sequence for event in ledger.history("dispute", dispute.id)]
    auditor = browser_as("auditor")

    page = text(auditor.get(f"/audit/disputes/{dispute.id}"))
    assert _event_ids(page) == sequences[:50]
    assert "Events 1 to 50 of 120." in page and "Earlier events" not in page
    page = text(auditor.get(_link(page, "Later events")))
    assert _event_ids(page) == sequences[50:100] and "Events 51 to 100 of 120." in page
    page = text(auditor.get(_link(page, "Later events")))
    assert _event_ids(page) == sequences[100:] and "Later events" not in page
    page = text(auditor.get(_link(page, "Earlier events")))
    assert _event_ids(page) == sequences[50:100]
    page = text(auditor.get(_link(page, "Earlier events")))
    assert _event_ids(page) == sequences[:50]


def test_a_short_history_shows_no_pages(browser_as, cases):
    page = text(browser_as("auditor").get(f"/audit/disputes/{cases['invoice'].id}"))
    assert "Later events" not in page and "Earlier events" not in page and "Events 1 to" not in page


def test_a_bad_event_on_a_later_page_is_linked_to_that_page(browser_as, world):
    dispute = world.open_dispute()
    _long_history(world, dispute, 79)
    target = ledger.history("dispute", dispute.id)[64]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", '{"text":"rewritten"}', target.id)
    auditor = browser_as("auditor")
    page = text(auditor.get(f"/audit/disputes/{dispute.id}"))
    link = _link(page, "That event is in this history")
    assert link.endswith(f"#event-{target.sequence}")
    shown = text(auditor.get(link))
    assert re.search(rf'id="event-{target.sequence}" class="card bad-event"', shown)


def test_paging_keeps_the_digest_being_checked(browser_as, world):
    dispute = world.open_dispute()
    _long_history(world, dispute, 59)
    digest = ledger.head()
    auditor = browser_as("auditor")
    page = text(auditor.get(f"/audit/disputes/{dispute.id}?digest={digest.sequence}:{digest.hash}"))
    later = text(auditor.get(_link(page, "Later events")))
    assert "digest matches" in later and len(_event_ids(later)) == 10


def test_tampering_in_another_history_is_named_too(browser_as, cases):
    target = events_of(cases["fees"])[1]
    sql("UPDATE audit_event SET payload = ? WHERE id = ?", "{}", target.id)
    page = text(browser_as("admin").get(f"/audit/disputes/{cases['invoice'].id}"))
    assert f"broken at event sequence {target.sequence}" in page
    assert "That event is not in this history" in page


def test_a_history_of_another_customer_is_not_found_and_unknown_ids_too(browser_as, cases):
    assert browser_as("contoso_admin").get(f"/audit/disputes/{cases['fees'].id}").status_code == 404
    assert browser_as("auditor").get("/audit/disputes/999999").status_code == 404


# --- digests ----------------------------------------------------------------------------------


def test_the_current_digest_is_shown_with_how_to_use_it(browser_as, cases):
    page = text(browser_as("auditor").get("/audit"))
    assert f'<p class="mono digest">{ledger.head()}</p>' in page
    assert "Keep a copy outside Accord" in page
    assert "Check a digest" in page


def test_a_digest_taken_earlier_checks_out_after_more_work(browser_as, world, cases):
    integrate(cases)
    digest = ledger.head()
    world.drive(world.open_dispute(title="Later work"), "resolution")
    integrate(cases)
    for path in ("/audit", f"/audit/disputes/{cases['invoice'].id}"):
        page = text(browser_as("auditor").get(f"{path}?digest={digest}"))
        assert '<span class="badge good">digest matches</span>' in page
        assert f"{AuditEvent.select().count()} events check out in their chains, and the tree holds" in page
        assert f'value="{digest}"' in page


def test_a_rewritten_history_fails_its_digest_naming_the_first_bad_event(browser_as, cases):
    integrate(cases)
    digest = ledger.head()
    target = events_of(cases["invoice"])[2]
    payload = ledger.canonical_json({"rewritten": True})
    prev = target.prev_hash
    later = AuditEvent.select().where((AuditEvent.chain == target.chain)
                                      & (AuditEvent.chain_sequence >= target.chain_sequence))
    for event in later.order_by(AuditEvent.chain_sequence):
        fields = {name: getattr(event, name) for name in ledger._HASHED}
        body = payload if event.id == target.id else event.payload
        new_hash = ledger.event_hash(**{**fields, "payload": body, "prev_hash": prev})
        sql('UPDATE audit_event SET payload = ?, prev_hash = ?, "hash" = ? WHERE id = ?', body, prev, new_hash, event.id)
        prev = new_hash
    for statement in ("UPDATE audit_event SET leaf_index = NULL", "DELETE FROM tree_node", "DELETE FROM checkpoint"):
        sql(statement)
    integrate(cases)
    assert ledger.verify().ok, "a consistent rewrite, tree and checkpoint rebuilt: only the digest can tell"

    page = text(browser_as("auditor").get(f"/audit/disputes/{cases['invoice'].id}?digest={digest}"))

    assert '<span class="badge bad">digest does not match</span>' in page
    assert "The tree of events: the history up to the digest was rewritten" in page


@pytest.mark.parametrize("typed", ["", "12", "abc:def", "1:" + "g" * 64])
def test_a_malformed_digest_is_refused_next_to_the_field(browser_as, cases, typed):
    page = text(browser_as("auditor").get(f"/audit/disputes/{cases['invoice'].id}?digest={typed}"))
    assert re.search(r'<p class="error" id="digest-error">Not a digest: a digest looks like SIZE:ROOT', page)
    assert 'aria-invalid="true"' in page
    assert "digest matches" not in page and "digest does not match" not in page


# --- exports ----------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_export_holds_every_event_with_its_hashes(browser_as, cases, clock):
    response = browser_as("auditor").get("/audit/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="accord-histories-20260316-1300.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    expected = [e for key in ("fees", "support", "scanners", "invoice") for e in events_of(cases[key])]
    assert [int(r["sequence"]) for r in rows] == [e.sequence for e in expected]
    for row, event in zip(rows, expected):
        assert (row["hash"], row["prev_hash"], row["payload"], row["kind"]) == (
            event.hash, event.prev_hash, event.payload, event.kind)
        assert int(row["dispute_id"]) == event.subject_id
    first = rows[-len(events_of(cases["invoice"]))]
    assert (first["dispute_title"], first["account"], first["outcome"]) == ("Invoice above the cap", "Contoso account", "resolved")
    assert (first["actor_name"], first["actor_organization"], first["actor_role"]) == ("Alice", "Northwind Systems", "account_manager")


def test_the_csv_export_keeps_the_payload_as_hashed_so_hashes_can_be_recomputed(browser_as, cases):
    for row in read_csv(browser_as("auditor").get("/audit/export.csv?outcome=withdrawn")):
        event = AuditEvent.get(AuditEvent.sequence == int(row["sequence"]))
        assert ledger.event_hash(
            chain=row["chain"], chain_sequence=int(row["chain_sequence"]), occurred_at=event.occurred_at, actor_person_id=event.actor_person_id,
            actor_organization_id=event.actor_organization_id, actor_role=row["actor_role"],
            subject_type="dispute", subject_id=int(row["dispute_id"]), kind=row["kind"],
            from_state=row["from_state"] or None, to_state=row["to_state"] or None,
            payload=row["payload"], prev_hash=row["prev_hash"],
        ) == row["hash"]


def test_exports_respect_the_filters(browser_as, world, cases):
    browser = browser_as("auditor")
    withdrawn = read_csv(browser.get("/audit/export.csv?outcome=withdrawn"))
    assert {int(r["dispute_id"]) for r in withdrawn} == {cases["scanners"].id}
    document = browser.get(f"/audit/export.json?account_id={world.accounts['fabrikam'].id}&min_days=5").get_json()
    assert [d["title"] for d in document["disputes"]] == ["Warehouse slotting fees"]
    assert document["filters"] == {"account_id": str(world.accounts["fabrikam"].id), "min_days": "5"}


def test_invalid_export_filters_are_refused(browser_as, cases):
    response = browser_as("auditor").get("/audit/export.csv?min_days=5&max_days=1")
    assert response.status_code == 422
    assert "max_days" in text(response)


def test_the_json_export_describes_itself_and_each_history(browser_as, world, cases):
    response = browser_as("auditor").get("/audit/export.json?outcome=resolved")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="accord-histories-20260316-1300.json"'
    document = json.loads(response.get_data(as_text=True))
    assert document["exported_at"] == "2026-03-16T13:00:00+00:00"
    assert document["exported_by"] == {"person_id": world.id("auditor"), "name": "Auditor",
                                       "organization": "Northwind Systems"}
    assert document["digest"] == str(ledger.head())
    assert (document["total"], document["included"], document["limit"], document["truncated"]) == (2, 2, 1000, False)
    invoice = document["disputes"][1]
    assert invoice["title"] == "Invoice above the cap"
    assert (invoice["outcome"], invoice["account"]) == ("resolved", "Contoso account")
    assert invoice["opened_at"] == "2026-03-02T09:00:00+00:00"
    assert invoice["closed_at"] == "2026-03-05T13:00:00+00:00"
    assert invoice["time_to_close_seconds"] == (3 * 24 + 4) * 3600
    events = events_of(cases["invoice"])
    assert [e["sequence"] for e in invoice["events"]] == [e.sequence for e in events]
    opened = invoice["events"][0]
    assert opened["hash"] == events[0].hash and opened["prev_hash"] == events[0].prev_hash
    assert opened["subject"] == {"type": "dispute", "id": cases["invoice"].id}
    assert opened["payload"]["title"] == "Invoice above the cap"
    assert opened["actor"] == {"person_id": world.id("alice"), "organization_id": world.orgs["northwind"].id,
                               "role": "account_manager", "name": "Alice", "organization": "Northwind Systems"}


def test_a_customers_export_holds_only_their_disputes_without_internal_events_or_digest(browser_as, cases):
    browser = browser_as("contoso_auditor")
    document = browser.get("/audit/export.json").get_json()
    assert "digest" not in document
    assert {d["title"] for d in document["disputes"]} == {"Invoice above the cap", "Late scanner delivery", "Support hours"}
    exported = json.dumps(document)
    assert INTERNAL_NOTE not in exported
    assert INTERNAL_NOTE not in browser.get("/audit/export.csv").get_data(as_text=True)
    assert INTERNAL_NOTE in browser_as("auditor").get("/audit/export.csv").get_data(as_text=True)


def test_an_export_is_capped_and_says_so(browser_as, cases, monkeypatch):
    monkeypatch.setattr(reports, "EXPORT_LIMIT", 2)
    browser = browser_as("auditor")
    document = browser.get("/audit/export.json").get_json()
    assert (document["total"], document["included"], document["limit"], document["truncated"]) == (4, 2, 2, True)
    assert [d["title"] for d in document["disputes"]] == ["Warehouse slotting fees", "Support hours"]
    response = browser.get("/audit/export.csv")
    assert response.headers["X-Accord-Export"] == "2 of 4 disputes"
    assert {int(r["dispute_id"]) for r in read_csv(response)} == {cases["fees"].id, cases["support"].id}
    page = text(browser.get("/audit"))
    assert "Only the newest 2 of these 4 histories fit in one export" in page


def test_the_export_buttons_keep_the_current_filters(browser_as, world, cases):
    page = text(browser_as("auditor").get(f"/audit?outcome=resolved&text=fees&after=999"))
    csv_link = re.search(r'<a class="button secondary" href="([^"]+)">Export CSV</a>', page).group(1)
    json_link = re.search(r'<a class="button secondary" href="([^"]+)">Export JSON</a>', page).group(1)
    assert csv_link.startswith("/audit/export.csv?") and json_link.startswith("/audit/export.json?")
    for link in (csv_link, json_link):
        assert "outcome=resolved" in link and "text=fees" in link and "after" not in link
    assert "at most the newest 1,000 disputes" in page


def test_one_history_exports_as_csv_and_json(browser_as, cases):
    browser = browser_as("auditor")
    invoice = cases["invoice"]
    page = text(browser.get(f"/audit/disputes/{invoice.id}"))
    csv_link = re.search(r'href="([^"]+)">Export CSV</a>', page).group(1)
    json_link = re.search(r'href="([^"]+)">Export JSON</a>', page).group(1)

    response = browser.get(csv_link)
    assert response.headers["Content-Disposition"] == f'attachment; filename="accord-dispute-{invoice.id}-history.csv"'
    rows = read_csv(response)
    assert [r["hash"] for r in rows] == [e.hash for e in events_of(invoice)]

    response = browser.get(json_link)
    assert response.headers["Content-Disposition"] == f'attachment; filename="accord-dispute-{invoice.id}-history.json"'
    document = response.get_json()
    assert document["filters"] == {"dispute_id": invoice.id}
    assert [d["id"] for d in document["disputes"]] == [invoice.id]


@pytest.mark.parametrize("who", ["auditor", "contoso_auditor"])
def test_one_history_exports_as_a_proof_bundle_that_verifies_offline(browser_as, world, cases, who):
    checkpoints.integrate(world.clock.now(), checkpoints.signing_key())
    browser = browser_as(who)
    invoice = cases["invoice"]
    page = text(browser.get(f"/audit/disputes/{invoice.id}"))
    link = re.search(r'href="([^"]+)">Export proof bundle</a>', page).group(1)
    response = browser.get(link)
    assert response.headers["Content-Disposition"] == f'attachment; filename="accord-dispute-{invoice.id}-bundle.json"'
    bundle = json.loads(response.get_data(as_text=True))
    assert bundle["subject"]["id"] == invoice.id
    assert (INTERNAL_NOTE in response.get_data(as_text=True)) == (who == "auditor")
    assert bundle_check.check(bundle, checkpoints.verifier_key()).events == bundle["event_count"]
    if who == "contoso_auditor":
        assert browser.get(f"/audit/disputes/{cases['fees'].id}/bundle.json").status_code == 404
    assert browser_as("carla").get(link).status_code == 403


def test_spreadsheet_formulas_in_titles_are_written_as_text(browser_as, world, cases):
    world.open_dispute(title="=HYPERLINK(\"http://evil.example\")")
    rows = read_csv(browser_as("auditor").get("/audit/export.csv?outcome=intake"))
    assert rows[0]["dispute_title"] == "'=HYPERLINK(\"http://evil.example\")"


def test_looking_and_exporting_change_nothing(browser_as, cases):
    from tests.conftest import table_counts

    browser = browser_as("auditor")
    before = table_counts()
    for path in _paths(cases):
        browser.get(path).get_data()
    assert table_counts() == before


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(days=3, hours=4), "3 days 4 h"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, minutes=59), "1 day"),
        (timedelta(hours=5, minutes=12), "5 h 12 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(minutes=7, seconds=30), "7 min"),
        (timedelta(0), "0 min"),
    ],
)
def test_durations_read_as_people_say_them(delta, words):
    assert human_duration(delta) == words


# --- witnesses ----------------------------------------------------------------------------------


def _cosigned_by_contoso(world):
    """Contoso registers a witness key and cosigns the latest checkpoint; its size."""
    key = checkpoint_notes.generate_key()
    name = "contoso.example/witness"
    witnesses.register_key(world.actor("contoso_admin"), world.clock, world.orgs["contoso"].id,
                           checkpoint_notes.verifier_key(name, key.public_key()))
    checkpoint = checkpoints.integrate(world.clock.now(), checkpoints.signing_key()).checkpoint
    line = checkpoint_notes.cosign(checkpoint.note, name, key, int(world.clock.now().timestamp()))
    witnesses.receive(world.actor("contoso_admin"), world.clock, checkpoint.size, line.splitlines()[-1])
    return checkpoint.size


def _witness_rows(response) -> list[list[str]]:
    html = text(response).split('id="witnesses-heading"', 1)[1].split("</section>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "<td" in row]


def test_without_a_witness_key_the_page_says_how_a_company_becomes_a_witness(browser_as, cases):
    page = text(browser_as("contoso_auditor").get("/audit"))
    assert "No company has registered a witness key yet: an administrator of the company creates one" in page
    assert "accord audit witness-key" in page


def test_each_company_that_witnesses_shows_when_it_last_vouched_and_for_how_many_events(browser_as, world, cases):
    size = _cosigned_by_contoso(world)
    witnesses.register_key(world.actor("admin"), world.clock, world.orgs["northwind"].id,
                           checkpoint_notes.verifier_key("northwind.example/witness",
                                                         checkpoint_notes.generate_key().public_key()))
    rows = _witness_rows(browser_as("auditor").get("/audit"))
    assert rows == [["Contoso Retail", "16 Mar 2026, 13:00 UTC", f"{size:,}"],
                    ["Northwind Systems", "not yet: its key is registered, its witness has not run", "none"]]
    assert [row[0] for row in _witness_rows(browser_as("contoso_auditor").get("/audit"))] == ["Contoso Retail",
                                                                                             "Northwind Systems"]
    with write_transaction():
        Person.update(roles_text="auditor").where(Person.id == world.id("gina")).execute()
    assert [row[0] for row in _witness_rows(browser_as("gina").get("/audit"))] == ["Northwind Systems"]
