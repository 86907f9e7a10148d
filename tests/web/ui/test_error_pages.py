"""The pages a person gets when a request fails (web.ui.error_pages): what happened in plain
words and what to do next, in the site's layout (its navigation when signed in), never a
trace of the server's insides; the API answers the same failures as problem details."""

import logging

import pytest
from flask import g

from tests.conftest import assert_problem
from tests.web.ui.pages import main
from tests.web.ui.pages import parse
from web import create_app

SECRET = "the database password is hunter2"
INSIDES = ("Traceback", "RuntimeError", "hunter2", "werkzeug", "File \"", "The requested URL")


def page_of(response) -> dict:
    """What a person sees of an error page: its title, heading, text and links."""
    html = response.get_data(as_text=True)
    document = parse(html)
    body = main(response)
    return {
        "title": document.find("title").text,
        "heading": body.find("h1").text,
        "text": body.text,
        "links": {a.text: a.attrs["href"] for a in body.find_all("a")},
        "navigation": [a.text for a in document.find_all("nav")[0].find_all("a")] if document.find("nav") else [],
        "html": html,
    }


def assert_no_insides(page: dict) -> None:
    assert not [leak for leak in INSIDES if leak in page["html"]]


def test_an_unknown_address_is_a_page_not_found_in_the_layout(browser_as):
    response = browser_as("alice").get("/no-such-page")
    assert response.status_code == 404
    page = page_of(response)
    assert page["title"] == "Page not found · Accord"
    assert page["heading"] == "Page not found"
    assert "There is no page at this address, or none that you may see." in page["text"]
    assert "Check the address for a typing mistake" in page["text"]
    assert page["links"]["Go to your home page"] == "/"
    assert page["navigation"][:3] == ["Home", "Disputes", "Protocols"]
    assert_no_insides(page)


def test_someone_not_signed_in_is_offered_to_sign_in_without_the_navigation(client, world):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = page_of(response)
    assert page["links"]["Sign in"] == "/login"
    assert page["navigation"] == [] and "Go to your home page" not in page["links"]


def test_a_refusal_says_why_and_whom_to_ask(browser_as):
    response = browser_as("alice").get("/admin")
    assert response.status_code == 403
    page = page_of(response)
    assert page["heading"] == "Not allowed"
    assert "the administration pages are for administrators" in page["text"]
    assert "ask an administrator of Northwind Systems" in page["text"]
    assert page["links"]["Go to your home page"] == "/"
    assert_no_insides(page)


def test_a_page_asked_for_the_wrong_way_says_how_to_go_on_and_names_the_methods_that_work(browser_as, world):
    dispute = world.open_dispute()
    response = browser_as("alice").get(f"/disputes/{dispute.id}/notes")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"] and "GET" not in response.headers["Allow"]
    page = page_of(response)
    assert page["heading"] == "This address does not work that way"
    assert "Go back and use the page's own links and buttons." in page["text"]
    assert_no_insides(page)


def test_a_form_too_large_to_send_says_the_limit_and_what_to_do(browser_as):
    response = browser_as("alice").post("/login", data={"email": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    page = page_of(response)
    assert page["heading"] == "Too large to send"
    assert "larger than the limit of 1 MiB" in page["text"]
    assert "Go back and send less" in page["text"]
    assert page["navigation"][:1] == ["Home"]
    assert_no_insides(page)


@pytest.fixture
def failing_app(db, database_url, clock):
    """The app with routes that fail as no route of its own should, and Flask left to
    handle the failure as in production (not propagated to the test)."""
    app = create_app({"DATABASE_URL": database_url, "CLOCK": clock, "TESTING": True, "PROPAGATE_EXCEPTIONS": False})

    def fail():
        raise RuntimeError(SECRET)

    def fail_and_the_layout_too():
        g.layout_fails = True
        raise RuntimeError(SECRET)

    @app.context_processor
    def signed_in_part_of_the_layout():
        if g.get("layout_fails") and g.get("viewer") is not None:
            raise RuntimeError(SECRET)
        return {}

    app.add_url_rule("/failing", "failing", fail)
    app.add_url_rule("/failing-with-the-layout", "failing_layout", fail_and_the_layout_too)
    app.add_url_rule("/api/v1/failing", "failing_api", fail)
    return app


def sign_in(app, world, key="alice"):
    from tests.conftest import Browser

    browser = Browser(app, world)
    assert browser.sign_in(key).status_code == 302
    return browser


def test_an_unexpected_failure_is_a_page_in_plain_words_and_is_logged(failing_app, world, caplog):
    browser = sign_in(failing_app, world)
    with caplog.at_level(logging.ERROR, logger=failing_app.logger.name):
        response = browser.get("/failing")
    assert response.status_code == 500
    page = page_of(response)
    assert page["heading"] == "Something went wrong"
    assert "Try again in a few minutes." in page["text"]
    assert "tell an administrator what you were doing and when (2 Mar 2026, 09:00 UTC)" in page["text"]
    assert page["navigation"][:3] == ["Home", "Disputes", "Protocols"]
    assert_no_insides(page)
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[0] is RuntimeError and "/failing" in record.getMessage()


def test_an_unexpected_failure_under_the_api_stays_a_problem(failing_app, world):
    response = failing_app.test_client().get("/api/v1/failing",
                                             headers={"Authorization": f"Bearer {world.token('alice')}"})
    body = assert_problem(response, 500)
    assert SECRET not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert body["title"] == "Internal Server Error"


def test_when_the_layout_fails_too_the_page_is_shown_without_the_signed_in_person(failing_app, world, caplog):
    browser = sign_in(failing_app, world)
    with caplog.at_level(logging.ERROR, logger=failing_app.logger.name):
        response = browser.get("/failing-with-the-layout")
    assert response.status_code == 500
    page = page_of(response)
    assert page["heading"] == "Something went wrong" and page["navigation"] == []
    assert_no_insides(page)
    assert "the error page failed" in caplog.text
