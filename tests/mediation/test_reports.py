"""Resolution histories for auditors: who reads them, how they are searched, what an export holds."""

from datetime import date
from datetime import timedelta

import pytest

from mediation import dispute_queries
from mediation import ledger
from mediation import reports
from mediation import services
from mediation.errors import Forbidden
from mediation.errors import NotFound
from mediation.reports import HistoryFilters


@pytest.fixture
def cases(world, clock):
    """resolved after exactly 2 days (Contoso), withdrawn after 5 h (Contoso), open (Fabrikam),
    resolved after 6 days (Fabrikam), and an internal note on the first."""
    quick = world.open_dispute(title="Quick fix", summary="A 100% refund_request")
    clock.advance(days=2)
    world.drive(quick, "resolved")
    dropped = world.open_dispute(title="Dropped claim")
    clock.advance(hours=5)
    world.drive(dropped, "withdrawn")
    pending = world.open_dispute(account="fabrikam", title="Pending dock fees")
    slow = world.open_dispute(account="fabrikam", title="Slow credit")
    clock.advance(days=6)
    world.drive(slow, "resolved")
    services.add_note(world.actor("alice"), clock, quick.id, text="internal only", visibility="internal")
    return {"quick": quick, "dropped": dropped, "pending": pending, "slow": slow}


def found(world, filters=HistoryFilters(), who="auditor") -> list[str]:
    return [row.dispute.title for row in reports.search(world.actor(who), filters).rows]


# --- who reads what ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "admin", "contoso_auditor", "contoso_admin"])
def test_auditors_and_administrators_read_histories(world, who):
    reports.require_history_reader(world.actor(who))


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "carla", "dev", "frank"])
def test_nobody_else_reads_histories(world, cases, who):
    with pytest.raises(Forbidden):
        reports.search(world.actor(who), HistoryFilters())
    with pytest.raises(Forbidden):
        reports.read_history(world.actor(who), cases["quick"].id)
    with pytest.raises(Forbidden):
        reports.for_export(world.actor(who), HistoryFilters())


@pytest.mark.parametrize(("who", "whole"), [
    ("auditor", True), ("admin", True), ("contoso_auditor", False), ("contoso_admin", False), ("alice", False),
])
def test_only_the_suppliers_auditors_and_administrators_read_the_whole_chain(world, who, whole):
    assert reports.reads_whole_chain(world.actor(who)) is whole


def test_a_customer_reads_only_its_own_accounts_histories(world, cases):
    assert found(world, who="contoso_auditor") == ["Dropped claim", "Quick fix"]
    with pytest.raises(NotFound):
        reports.read_history(world.actor("contoso_auditor"), cases["slow"].id)
    with pytest.raises(NotFound):
        reports.export_of(world.actor("contoso_auditor"), cases["slow"].id)


def test_a_customer_counts_and_reads_no_internal_event(world, cases):
    supplier_row, supplier_events = reports.read_history(world.actor("auditor"), cases["quick"].id)
    customer_row, customer_events = reports.read_history(world.actor("contoso_auditor"), cases["quick"].id)
    assert supplier_row.event_count == len(ledger.history("dispute", cases["quick"].id))
    assert customer_row.event_count == supplier_row.event_count - 1
    assert [e.kind for e in supplier_events if e not in customer_events] == ["note_added"]
    assert all(e.data.get("visibility") != "internal" for e in customer_events)
    listed = {row.dispute.title: row.event_count for row in reports.search(world.actor("contoso_auditor"), HistoryFilters()).rows}
    assert listed["Quick fix"] == customer_row.event_count


# --- what a history row says --------------------------------------------------------------------


def test_a_row_knows_its_outcome_dates_and_time_to_close(world, cases):
    rows = {row.dispute.title: row for row in reports.search(world.actor("auditor"), HistoryFilters()).rows}
    quick = rows["Quick fix"]
    assert (quick.outcome, quick.account, quick.time_to_close) == ("resolved", "Contoso account", timedelta(days=2))
    assert quick.closed_at - quick.opened_at == timedelta(days=2)
    assert (rows["Dropped claim"].outcome, rows["Dropped claim"].time_to_close) == ("withdrawn", timedelta(hours=5))
    pending = rows["Pending dock fees"]
    assert (pending.outcome, pending.closed_at, pending.time_to_close) == ("open", None, None)


def test_a_reopened_dispute_is_open_again_and_has_no_closing_date(world, cases, clock):
    quick = cases["quick"]
    current = dispute_queries.get_dispute(world.actor("alice"), quick.id)
    services.transition(world.actor("alice"), clock, quick.id, trigger="reopen", reason="commitment broken",
                        expected_version=current.version)
    assert "Quick fix" in found(world, HistoryFilters(outcome="open"))
    assert "Quick fix" not in found(world, HistoryFilters(outcome="resolved"))
    assert "Quick fix" not in found(world, HistoryFilters(min_days=0))


# --- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filters", "expected"), [
    (HistoryFilters(), ["Slow credit", "Pending dock fees", "Dropped claim", "Quick fix"]),
    (HistoryFilters(outcome="resolved"), ["Slow credit", "Quick fix"]),
    (HistoryFilters(outcome="withdrawn"), ["Dropped claim"]),
    (HistoryFilters(outcome="open"), ["Pending dock fees"]),
    (HistoryFilters(outcome="intake"), ["Pending dock fees"]),
    (HistoryFilters(outcome="resolution"), []),
    (HistoryFilters(text="credit"), ["Slow credit"]),
    (HistoryFilters(text="  QUICK  "), ["Quick fix"]),
    (HistoryFilters(text="100% refund_request"), ["Quick fix"]),
    (HistoryFilters(text="%"), ["Quick fix"]),
    (HistoryFilters(text="_"), ["Quick fix"]),
    (HistoryFilters(min_days=2), ["Slow credit", "Quick fix"]),
    (HistoryFilters(max_days=2), ["Dropped claim", "Quick fix"]),
    (HistoryFilters(min_days=2, max_days=2), ["Quick fix"]),
    (HistoryFilters(min_days=0, max_days=0), []),
    (HistoryFilters(max_days=1), ["Dropped claim"]),
    (HistoryFilters(min_days=3), ["Slow credit"]),
])
def test_filters(world, cases, filters, expected):
    assert found(world, filters) == expected


def test_the_account_filter(world, cases):
    assert found(world, HistoryFilters(account_id=world.accounts["fabrikam"].id)) == ["Slow credit", "Pending dock fees"]
    assert found(world, HistoryFilters(account_id=world.accounts["fabrikam"].id), who="contoso_auditor") == []


def test_closing_dates_are_whole_utc_days_both_included(world, cases):
    # Quick fix closed 03-04 09:00, Dropped claim 03-04 14:00, Slow credit 03-10 14:00.
    assert found(world, HistoryFilters(closed_from=date(2026, 3, 4), closed_to=date(2026, 3, 4))) == [
        "Dropped claim", "Quick fix",
    ]
    assert found(world, HistoryFilters(closed_to=date(2026, 3, 3))) == []
    assert found(world, HistoryFilters(closed_from=date(2026, 3, 5))) == ["Slow credit"]
    assert found(world, HistoryFilters(closed_from=date(2026, 3, 10), closed_to=date(2026, 3, 10))) == ["Slow credit"]
    assert found(world, HistoryFilters(closed_from=date(2026, 3, 11))) == []


def test_pages_run_newest_first_after_a_cursor_and_count_every_match(world, cases):
    actor = world.actor("auditor")
    first = reports.search(actor, HistoryFilters(), limit=3)
    assert [r.dispute.title for r in first.rows] == ["Slow credit", "Pending dock fees", "Dropped claim"]
    assert (first.total, first.next_after) == (4, cases["dropped"].id)
    second = reports.search(actor, HistoryFilters(), after=first.next_after, limit=3)
    assert [r.dispute.title for r in second.rows] == ["Quick fix"]
    assert (second.total, second.next_after) == (4, None)


# --- exports -------------------------------------------------------------------------------------


def test_an_export_holds_the_newest_matching_disputes_up_to_its_limit(world, cases):
    actor = world.actor("auditor")
    export = reports.for_export(actor, HistoryFilters(), limit=3)
    assert [d.title for d in export.disputes] == ["Slow credit", "Pending dock fees", "Dropped claim"]
    assert (export.total, export.limit, export.truncated) == (4, 3, True)
    whole = reports.for_export(actor, HistoryFilters(outcome="resolved"))
    assert (whole.total, whole.limit, whole.truncated) == (2, reports.EXPORT_LIMIT, False)


def test_an_export_reads_each_history_as_its_reader_may(world, cases):
    for who, internal in (("auditor", 1), ("contoso_auditor", 0)):
        actor = world.actor(who)
        histories = list(reports.exported_histories(actor, reports.export_of(actor, cases["quick"].id)))
        [(row, events)] = histories
        assert row.dispute.id == cases["quick"].id and row.event_count == len(events)
        assert sum(e.data.get("visibility") == "internal" for e in events) == internal


def test_signatories_name_people_and_companies_looked_up_once(world, cases):
    events = ledger.history("dispute", cases["quick"].id)
    names = reports.Signatories.empty().learn(events, person_ids=[world.id("carla")])
    assert names.person(world.id("alice")) == "Alice"
    assert names.person(world.id("carla")) == "Carla"
    assert names.company(world.orgs["contoso"].id) == "Contoso Retail"
    assert names.person(None) is None and names.company(999) is None


def test_signatories_name_the_people_and_records_a_history_names_by_id(world, cases):
    events = ledger.history("dispute", cases["quick"].id)
    names = reports.Signatories.empty().learn_payloads(events)
    opened = next(e for e in events if e.kind == "opened")
    assert names.record("account_id", opened.data["account_id"]) == "Contoso account"
    assert [names.person(i) for i in opened.data["party_ids"]] == ["Sam", "Carla"]
    accepted = next(e for e in events if e.kind == "option_accepted")
    assert names.record("option_id", accepted.data["option_id"]) == "Split the difference"
    assert names.record("option_id", 999) is None and names.record("no_such_key", 1) is None
