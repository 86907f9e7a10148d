"""The search page: a labelled search box in every page's header and on the page, results
the viewer may read with where they matched and a snippet whose matching words are marked
and whose text is escaped, pages that keep the query, and plain words when there is
nothing to search for, nothing found, or a query too long."""

from mediation import services
from mediation.search import MAX_QUERY_LENGTH
from tests.web.ui.pages import main
from tests.web.ui.pages import parse


def results(response) -> list:
    """Each result's title, kind and place, and snippet as HTML."""
    assert response.status_code == 200, response.get_data(as_text=True)
    listed = main(response).find("ol", class_="search-results")
    return [] if listed is None else listed.find_all("li")


def test_every_page_has_a_labelled_search_box_in_its_header(world, browser_as):
    header = parse(browser_as("carla").get("/disputes").get_data(as_text=True)).find("header")
    form = header.find("form", role="search")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/search"
    box = form.by_id("site-search")
    assert box.attrs["name"] == "q" and box.attrs["type"] == "search"
    assert form.find("label").attrs["for"] == "site-search"
    assert form.find("label").text == "Search disputes and protocols"
    assert form.find("button").text == "Search"


def test_a_result_links_to_its_dispute_and_says_where_it_matched(world, browser_as):
    dispute = world.open_dispute(title="Overtime above the cap")
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Overtime margin is thin.",
                      visibility="internal")

    (item,) = results(browser_as("alice").get("/search?q=overtime"))
    assert item.find("h3").find("a").attrs["href"] == f"/disputes/{dispute.id}"
    assert item.find("p", class_="muted").text == "Dispute · found in the title and 1 more place"


def test_an_internal_match_is_marked_for_the_supplier_and_never_shown_to_the_customer(world, browser_as):
    dispute = world.open_dispute(title="Licence count")
    services.add_note(world.actor("alice"), world.clock, dispute.id, text="Overtime margin is thin.",
                      visibility="internal")

    (item,) = results(browser_as("alice").get("/search?q=margin"))
    assert item.find("p", class_="muted").text == "Dispute · found in an internal note"
    carla = main(browser_as("carla").get("/search?q=margin"))
    assert carla.find("ol") is None
    assert "Nothing you may read matches “margin”" in carla.find("div", class_="empty-state").text
    assert "margin is thin" not in carla.text


def test_the_snippet_marks_the_matching_words_and_escapes_the_text(world, browser_as):
    dispute = world.open_dispute(title="Licence count")
    services.add_note(world.actor("alice"), world.clock, dispute.id,
                      text='Overtime <script>alert("x")</script> & <b>bold</b>')

    response = browser_as("alice").get("/search?q=overtime")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert ('<mark>Overtime</mark> &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'
            in html)
    (item,) = results(response)
    assert [mark.text for mark in item.find_all("mark")] == ["Overtime"]


def test_a_protocol_is_found_and_linked(world, browser_as):
    from tests.protocols.test_agreement import create

    protocol = create(world, agenda="Feldspar rollout status.")
    (item,) = results(browser_as("carla").get("/search?q=feldspar"))
    assert item.find("a").attrs["href"] == f"/protocols/{protocol.id}"
    assert item.find("a").text == "Routine protocol of POS migration"
    assert item.find("p", class_="muted").text == "Protocol · found in an agenda"


def test_the_query_stays_in_both_boxes(world, browser_as):
    page = parse(browser_as("alice").get("/search?q=late+invoices").get_data(as_text=True))
    assert page.by_id("q").attrs["value"] == "late invoices"
    assert page.by_id("site-search").attrs["value"] == "late invoices"
    assert parse(browser_as("alice").get("/disputes?q=x").get_data(as_text=True)).by_id("site-search").attrs[
        "value"] == ""


def test_pages_of_results_keep_the_query(world, browser_as):
    for n in range(25):
        world.open_dispute(title=f"Overtime {n:02}")
    alice = browser_as("alice")

    first = alice.get("/search?q=overtime")
    assert len(results(first)) == 20
    more = main(first).find("nav", class_="pagination").find("a")
    assert more.text == "More results" and "q=overtime" in more.attrs["href"]
    second = alice.get(more.attrs["href"])
    assert len(results(second)) == 5
    assert [a.text for a in main(second).find("nav", class_="pagination").find_all("a")] == ["First results"]
    titles = {item.find("h3").text for item in results(first) + results(second)}
    assert titles == {f"Overtime {n:02}" for n in range(25)}


def test_without_a_query_the_page_says_what_search_is_for(world, browser_as):
    page = main(browser_as("alice").get("/search"))
    assert page.by_id("q").attrs["value"] == ""
    assert "Type one or more words to find the disputes and protocols you may read" in page.find(
        "div", class_="empty-state").text


def test_a_query_of_punctuation_alone_is_told_it_holds_no_words(world, browser_as):
    page = main(browser_as("alice").get('/search?q="*"+(+)'))
    assert "There are no words to search for" in page.find("div", class_="empty-state").text


def test_a_query_too_long_is_refused_next_to_the_box(world, browser_as):
    response = browser_as("alice").get("/search?q=" + "x" * (MAX_QUERY_LENGTH + 1))
    assert response.status_code == 422
    page = main(response)
    assert page.by_id("q").attrs["aria-invalid"] == "true"
    assert page.by_id("q-error").text == f"The search must be at most {MAX_QUERY_LENGTH} characters: search for a few words"
    assert page.find("ol") is None


def test_a_page_link_that_is_not_one_offers_the_first_results(world, browser_as):
    response = browser_as("alice").get("/search?q=overtime&cursor=nonsense")
    assert response.status_code == 422
    alert = main(response).find("p", role="alert")
    assert alert.find("a").attrs["href"] == "/search?q=overtime"


def test_an_anonymous_visitor_is_sent_to_sign_in(browser):
    response = browser.get("/search?q=overtime")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/search")
