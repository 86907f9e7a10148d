"""Search through the JSON API: GET /api/v1/search answers what the caller may read as a
list of `{"items": [...], "next": ...}` whose `next` carries the query and an opaque
cursor; the snippet comes as text and as escaped HTML; a query too long or a cursor this
search did not give is refused naming its parameter."""

from urllib.parse import parse_qs
from urllib.parse import urlsplit

from mediation import services
from mediation.search import MAX_QUERY_LENGTH
from tests.conftest import assert_problem

API = "/api/v1"


def search(api, query: str, as_="alice", **params):
    response = api.get(f"{API}/search", as_=as_, query_string={"q": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_a_hit_names_its_subject_its_page_where_it_matched_and_a_snippet(api, world):
    dispute = world.open_dispute(title="Overtime above the cap")

    answer = search(api, "overtime")
    assert answer == {"items": [{
        "subject": {"type": "dispute", "id": dispute.id}, "title": "Overtime above the cap",
        "url": f"http://localhost/disputes/{dispute.id}", "found_in": "title", "visibility": "shared",
        "snippet": "Overtime above the cap", "snippet_html": "<mark>Overtime</mark> above the cap", "matches": 1,
    }], "next": None}


def test_markup_in_a_text_is_escaped_in_the_html_snippet(api, world):
    dispute = world.open_dispute(title="Licence count")
    services.add_note(world.actor("alice"), world.clock, dispute.id,
                      text='Overtime <img src=x onerror="alert(1)"> & <mark>fake</mark>')

    (hit,) = search(api, "overtime")["items"]
    assert hit["snippet"] == 'Overtime <img src=x onerror="alert(1)"> & <mark>fake</mark>'
    assert hit["snippet_html"] == ('<mark>Overtime</mark> &lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; '
                                   '&lt;mark&gt;fake&lt;/mark&gt;')


def test_a_customer_finds_neither_internal_notes_nor_another_customers_disputes(api, world):
    ours = world.open_dispute(title="Licence count")
    services.add_note(world.actor("alice"), world.clock, ours.id, text="Overtime margin is thin.",
                      visibility="internal")
    world.open_dispute(account="fabrikam", title="Overtime at the warehouse")

    assert [hit["title"] for hit in search(api, "overtime", as_="alice")["items"]] == [
        "Overtime at the warehouse", "Licence count"]
    assert search(api, "overtime", as_="carla")["items"] == []
    assert [hit["title"] for hit in search(api, "overtime", as_="frank")["items"]] == ["Overtime at the warehouse"]


def test_pages_follow_the_next_link_to_the_end(api, world):
    for n in range(5):
        world.open_dispute(title=f"Overtime {n}")

    first = search(api, "overtime", limit=2)
    query = parse_qs(urlsplit(first["next"]).query)
    assert query["q"] == ["overtime"] and query["limit"] == ["2"] and query["cursor"]
    titles, following = [hit["title"] for hit in first["items"]], first["next"]
    while following:
        page = api.get(following).json
        titles += [hit["title"] for hit in page["items"]]
        following = page["next"]
    assert sorted(titles) == [f"Overtime {n}" for n in range(5)]


def test_no_words_no_results(api, world):
    world.open_dispute(title="Overtime above the cap")
    for query in ("", "   ", '"*"', "AND (OR) NOT:"):
        assert search(api, query) == {"items": [], "next": None}
    assert search(api, '"overtime" (cap*) -')["items"][0]["title"] == "Overtime above the cap"


def test_a_query_too_long_or_a_cursor_not_given_by_search_is_refused_by_name(api, world):
    too_long = assert_problem(api.get(f"{API}/search", query_string={"q": "x" * (MAX_QUERY_LENGTH + 1)}), 422)
    assert too_long["errors"] == {"q": [f"must be at most {MAX_QUERY_LENGTH} characters: search for a few words"]}
    bad_cursor = assert_problem(api.get(f"{API}/search", query_string={"q": "overtime", "cursor": "nonsense"}), 422)
    assert list(bad_cursor["errors"]) == ["cursor"]
    assert_problem(api.get(f"{API}/search", query_string={"q": "overtime", "limit": 51}), 422)


def test_searching_needs_a_token(api, world):
    assert_problem(api.get(f"{API}/search?q=overtime", as_=None), 401)
