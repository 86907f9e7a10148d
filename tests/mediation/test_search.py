"""Searching disputes: every word of a query must match, in any text a reader may read; odd
queries are read as plain words and never fail; results are ranked by where and how often
the words occur, come in pages that neither repeat nor skip, and quote a short snippet with
the matching words marked. The index follows every write, in the write's transaction."""

import pytest

from mediation import services
from mediation.db import write_transaction
from mediation.disputes import Dispute
from mediation.disputes import Note
from mediation.errors import Invalid
from mediation.search import DISPUTES
from mediation.search import MAX_QUERY_LENGTH
from mediation.search import START
from mediation.search import Segment
from mediation.search import search
from mediation.search import terms


def found(world, text, as_="alice", **kwargs) -> list[str]:
    """The titles found, best first."""
    return [hit.title for hit in search(world.actor(as_), text, (DISPUTES,), **kwargs).hits]


def marked(hit) -> str:
    """A snippet written with its matching words in brackets."""
    return "".join(f"[{s.text}]" if s.matched else s.text for s in hit.snippet)


def note(world, dispute, text, visibility="shared", by="alice"):
    return services.add_note(world.actor(by), world.clock, dispute.id, text=text, visibility=visibility)


# --- what is found ---------------------------------------------------------------------------


def test_a_dispute_is_found_by_the_words_of_its_title_and_summary(world):
    world.open_dispute(title="Overtime above the cap", summary="The March invoice bills 60 hours too many.")
    world.open_dispute(title="Licence count", summary="Seats counted twice.")

    assert found(world, "overtime") == ["Overtime above the cap"]
    assert found(world, "march invoice") == ["Overtime above the cap"]
    assert found(world, "seats") == ["Licence count"]


def test_every_word_must_match_in_one_text(world):
    world.open_dispute(title="Overtime above the cap", summary="Invoices for March.")

    assert found(world, "overtime cap") == ["Overtime above the cap"]
    assert found(world, "overtime pineapple") == []


def test_words_match_their_other_forms(world):
    world.open_dispute(title="Invoices disputed", summary="Billing ran late.")

    assert found(world, "invoice") == ["Invoices disputed"]
    assert found(world, "disputing") == ["Invoices disputed"]


def test_stories_options_and_notes_are_found(world):
    dispute = world.open_dispute(title="Overtime above the cap")
    world.drive(dispute, "story_gathering")
    services.record_story(world.actor("carla"), world.clock, dispute.id, party_id=world.id("carla"),
                          text="Nobody told us about the weekend shifts.")
    note(world, dispute, "Finance wants the timesheets.")
    world.drive(dispute, "option_generation")
    services.propose_option(world.actor("alice"), world.clock, dispute.id, summary="Bill half the hours",
                            value_to_supplier=1, value_to_customer=2)

    for words, source in (("weekend shifts", "story"), ("timesheets", "note"), ("half the hours", "option")):
        (hit,) = search(world.actor("alice"), words, (DISPUTES,)).hits
        assert (hit.title, hit.source) == ("Overtime above the cap", source), words


# --- odd queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("query, words", [
    ("", ()),
    ("   ", ()),
    ("!!! ??? ...", ()),
    ('"', ()),
    ('"overtime', ("overtime",)),
    ("overtime\"\"", ("overtime",)),
    ("AND OR NOT", ("and", "or", "not")),
    ("overtime AND", ("overtime", "and")),
    ("NEAR(overtime cap, 2)", ("near", "overtime", "cap", "2")),
    ("title:overtime", ("title", "overtime")),
    ("overt*", ("overt",)),
    ("^overtime -cap +cap", ("overtime", "cap")),
    ("overtime & !cap | cap <-> cap:*", ("overtime", "cap")),
    ("(((overtime", ("overtime",)),
    ("'; DROP TABLE dispute; --", ("drop", "table", "dispute")),
    ("snake_case", ("snake", "case")),
    ("\x00overtime\x00", ("overtime",)),
    ("Überstunden Café", ("überstunden", "café")),
    ("Overtime overtime OVERTIME", ("overtime",)),
])
def test_odd_queries_are_read_as_plain_words_and_never_fail(world, query, words):
    world.open_dispute(title="Overtime above the cap", summary="Hours billed above the cap.")

    assert terms(query) == words
    results = search(world.actor("alice"), query, (DISPUTES,))
    assert results.terms == words
    if not words:
        assert results.hits == [] and results.next_cursor is None


@pytest.mark.parametrize("query", ['"overtime', '"overtime cap"', "^overtime", "(((overtime))", "OVERTIME*",
                                   "overtime & !cap", "overtime -cap", "overtime:*", "cap:overtime", "overtime'"])
def test_a_query_with_operators_finds_what_its_words_find(world, query):
    world.open_dispute(title="Overtime above the cap")
    world.open_dispute(title="Licence count")

    assert found(world, query) == ["Overtime above the cap"]


def test_a_query_of_the_longest_length_is_searched_and_a_longer_one_refused_on_q(world):
    world.open_dispute(title="Overtime above the cap")
    longest = "overtime".ljust(MAX_QUERY_LENGTH, "!")

    assert found(world, longest) == ["Overtime above the cap"]
    with pytest.raises(Invalid) as refused:
        search(world.actor("alice"), longest + "x", (DISPUTES,))
    assert list(refused.value.errors) == ["q"]
    assert f"at most {MAX_QUERY_LENGTH} characters" in refused.value.errors["q"][0]


@pytest.mark.parametrize("cursor", ["nonsense", "%%%", "MS41IGRpc3B1dGU", "bmFuIGRpc3B1dGUgMQ",
                                    "MSBwcm90b2NvbCAx", "MSBkaXNwdXRlIC0x"])
def test_a_cursor_this_search_did_not_give_is_refused_on_cursor(world, cursor):
    with pytest.raises(Invalid) as refused:
        search(world.actor("alice"), "overtime", (DISPUTES,), cursor=cursor)
    assert list(refused.value.errors) == ["cursor"]


# --- ranking and pages ----------------------------------------------------------------------


def test_a_match_in_a_title_ranks_above_one_in_a_summary_and_that_above_a_note(world):
    in_note = world.open_dispute(title="Licence count", summary="Seats counted twice.")
    note(world, in_note, "The auditors mentioned overtime once.")
    world.open_dispute(title="Stores closed early", summary="Overtime was not approved.")
    world.open_dispute(title="Overtime above the cap", summary="Hours billed above the cap.")

    assert found(world, "overtime") == ["Overtime above the cap", "Stores closed early", "Licence count"]


def test_among_notes_the_one_saying_it_more_often_in_fewer_words_ranks_first(world):
    once = world.open_dispute(title="First")
    note(world, once, "The overtime was mentioned at the meeting, along with the invoice, the cap, the stores "
                      "and the training hours that nobody had booked.")
    often = world.open_dispute(title="Second")
    note(world, often, "Overtime, overtime and more overtime.")

    assert found(world, "overtime") == ["Second", "First"]


def test_a_dispute_is_found_once_by_its_best_match_with_the_count_of_its_matches(world):
    dispute = world.open_dispute(title="Overtime above the cap", summary="The overtime was not agreed.")
    note(world, dispute, "Overtime again.")

    (hit,) = search(world.actor("alice"), "overtime", (DISPUTES,)).hits
    assert (hit.source, hit.matches) == ("title", 3)


def test_pages_follow_one_another_without_repeating_or_skipping(world):
    for n in range(7):
        dispute = world.open_dispute(title=f"Overtime {n}", summary="overtime " * (n % 3))
        if n % 2:
            note(world, dispute, "overtime")
    everything = found(world, "overtime", limit=50)
    assert len(everything) == 7

    pages, cursor = [], None
    while True:
        results = search(world.actor("alice"), "overtime", (DISPUTES,), cursor=cursor, limit=3)
        pages.append([hit.title for hit in results.hits])
        cursor = results.next_cursor
        if cursor is None:
            break
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [title for page in pages for title in page] == everything


def test_a_full_last_page_says_no_more_follow(world):
    for n in range(3):
        world.open_dispute(title=f"Overtime {n}")
    assert search(world.actor("alice"), "overtime", (DISPUTES,), limit=3).next_cursor is None


# --- snippets -------------------------------------------------------------------------------


def test_the_snippet_marks_each_matching_word_and_cuts_a_long_text_with_ellipses(world):
    dispute = world.open_dispute(title="Licence count")
    words = [f"word{n}" for n in range(60)]
    words[30] = "overtime"
    note(world, dispute, " ".join(words))

    (hit,) = search(world.actor("alice"), "overtime", (DISPUTES,)).hits
    assert hit.snippet[0] == Segment("…", False) and hit.snippet[-1] == Segment("…", False)
    assert [s.text for s in hit.snippet if s.matched] == ["overtime"]
    assert len(marked(hit).split()) <= 24


def test_a_short_text_is_quoted_whole_with_single_spaces(world):
    dispute = world.open_dispute(title="Licence count")
    note(world, dispute, "Overtime  was\nbilled, then overtime again.")

    (hit,) = search(world.actor("alice"), "overtime", (DISPUTES,)).hits
    assert marked(hit) == "[Overtime] was billed, then [overtime] again."


def test_markup_in_a_text_comes_back_as_text_for_the_pages_to_escape(world):
    dispute = world.open_dispute(title="Licence count")
    note(world, dispute, 'Overtime <script>alert("x")</script> & <b>bold</b>')

    (hit,) = search(world.actor("alice"), "overtime", (DISPUTES,)).hits
    assert marked(hit) == '[Overtime] <script>alert("x")</script> & <b>bold</b>'


def test_the_characters_that_mark_matches_are_left_out_of_what_is_indexed(world):
    dispute = world.open_dispute(title="Licence count")
    note(world, dispute, f"Over{START}time is billed")

    (hit,) = search(world.actor("alice"), "overtime", (DISPUTES,)).hits
    assert marked(hit) == "[Overtime] is billed"


# --- the index follows every write ------------------------------------------------------------


def test_a_changed_title_is_found_by_its_new_words_only(world):
    dispute = world.open_dispute(title="Overtime above the cap")
    with write_transaction():
        Dispute.update(title="Licence count").where(Dispute.id == dispute.id).execute()

    assert found(world, "overtime") == []
    assert found(world, "licence") == ["Licence count"]


def test_a_resolution_is_found_until_a_reopening_clears_it(world):
    dispute = world.drive(world.open_dispute(title="Licence count"), "resolved")
    (hit,) = search(world.actor("carla"), "split the difference", (DISPUTES,)).hits
    assert hit.matches == 2, "the option and the resolution"

    services.transition(world.actor("alice"), world.clock, dispute.id, trigger="reopen",
                        expected_version=Dispute.get_by_id(dispute.id).version, reason="the count was not sent")
    (hit,) = search(world.actor("carla"), "split the difference", (DISPUTES,)).hits
    assert (hit.source, hit.matches) == ("option", 1)


def test_a_write_rolled_back_leaves_nothing_in_the_index(world):
    dispute = world.open_dispute(title="Licence count")
    with pytest.raises(RuntimeError), write_transaction():
        note(world, dispute, "Overtime in a note that is never saved.")
        raise RuntimeError("the request failed after the note")

    assert found(world, "overtime") == []


def test_a_record_removed_takes_its_entry_with_it(world):
    dispute = world.open_dispute(title="Licence count")
    written = note(world, dispute, "Overtime in a note.")
    with write_transaction():
        Note.delete().where(Note.id == written.id).execute()

    assert found(world, "overtime") == []
    assert found(world, "licence") == ["Licence count"]
