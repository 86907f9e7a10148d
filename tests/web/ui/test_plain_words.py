"""Every page a person can reach speaks in words: no guard condition, ledger event kind,
state or other code of the domain shows in the text a person reads. The codes stay in
links, form fields and the JSON API; the pages are crawled as each person of the demo
signed in, by following their links."""

import re
from collections import deque
from datetime import datetime
from datetime import timezone
from urllib.parse import urlsplit

import pytest

from mediation import lifecycle
from mediation.clock import ManualClock
from mediation.db import database
from mediation.parties import ROLES
from outreach.kinds import KINDS
from outreach.webhooks import EVENT_KINDS
from protocols import agreement
from protocols.compliance import STATUS_URGENCY
from protocols.models import CHANNELS
from protocols.models import SCENARIOS
from tests.conftest import CSRF_FIELD
from tests.conftest import TEST_POSTGRES_URL
from tests.conftest import _create_schema
from tests.conftest import _drop_schema
from tests.conftest import schema_url
from tests.web.ui.pages import Element
from tests.web.ui.pages import parse
from web import create_app
from web.demo import DEMO_PASSWORD
from web.demo import PEOPLE
from web.demo import build_demo

NOW = datetime(2026, 12, 4, 13, 30, tzinfo=timezone.utc)
CONDITIONS = set(lifecycle.CONDITIONS) | {c for t in agreement.TRANSITIONS for c in t.get("conditions", ())}
STATES = set(lifecycle.STATES) | set(agreement.VERSION_STATES)
TRIGGERS = set(lifecycle.TRIGGERS) | {t["trigger"] for t in agreement.TRANSITIONS}
CODES = (CONDITIONS | set(EVENT_KINDS) | STATES | TRIGGERS | set(ROLES) | set(KINDS) | set(STATUS_URGENCY)
         | set(CHANNELS) | set(SCENARIOS) | {"co_mediator"})
# A code of one word ("intake", "agreed") is a word as well; one of several reads as a code.
SNAKE_CODES = {code for code in CODES if "_" in code}
SNAKE = re.compile(r"(?<![\w/-])(" + "|".join(sorted(map(re.escape, SNAKE_CODES), key=len, reverse=True))
                   + r")(?![\w-])")
# Where the API's own names are the point: its reference, and a machine's Mermaid source.
NOT_CRAWLED = ("/api/", "/api-reference", "/static/", "/logout")
DOWNLOADS = (".csv", ".json", ".ics")
MACHINE_TEXT = "mermaid-text"
PAGES_OF_A_KIND = 12  # of pages alike but for their ids (each mail of the outbox, say)


def visible_text(node: Element) -> str:
    """What a person reads: the text of the page, without its attribute values."""
    if node.tag in ("script", "style") or MACHINE_TEXT in node.attrs.get("class", "").split():
        return ""
    return " ".join(child if isinstance(child, str) else visible_text(child) for child in node.children)


def codes_shown(html: str) -> list[str]:
    page = parse(html)
    found = SNAKE.findall(visible_text(page))
    found += [code.text for code in page.find_all("code") if code.text in CODES]
    return sorted(set(found))


def links(html: str) -> list[str]:
    return [a.attrs["href"] for a in parse(html).find_all("a") if a.attrs.get("href")]


def _kind(path: str) -> str:
    return re.sub(r"\d+", "#", urlsplit(path).path)


def crawl(client, start: str = "/"):
    """Every page reachable from `start` by links, as (path, html): each distinct page
    once, at most PAGES_OF_A_KIND of a kind."""
    seen, kinds, queue = {start}, {}, deque([start])
    while queue:
        path = queue.popleft()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.get_data(as_text=True)
        yield path, html
        for href in links(html):
            target = href.split("#")[0]
            parts = urlsplit(target)
            if (not target.startswith("/") or target.startswith("//") or target in seen
                    or parts.path.startswith(NOT_CRAWLED) or parts.path.endswith(DOWNLOADS)):
                continue
            seen.add(target)
            if kinds.setdefault(_kind(target), 0) < PAGES_OF_A_KIND:
                kinds[_kind(target)] += 1
                queue.append(target)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """The demo as it stands at NOW, built once into a database of its own (on PostgreSQL
    a schema)."""
    schema = _create_schema() if TEST_POSTGRES_URL else None
    url = (schema_url(TEST_POSTGRES_URL, schema) if schema
           else f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.sqlite3")
    build_demo(url, progress=lambda message: None, now=NOW)
    database.close()
    yield url
    if schema:
        _drop_schema(schema)


@pytest.fixture
def demo_app(demo_url):
    return create_app({"DATABASE_URL": demo_url, "CLOCK": ManualClock(NOW), "TESTING": True})


@pytest.mark.parametrize("email", [email for email, *_ in PEOPLE])
def test_no_page_a_person_reaches_shows_a_code(demo_app, email):
    client = demo_app.test_client()
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    signed_in = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302

    shown = {path: codes for path, html in crawl(client) if (codes := codes_shown(html))}
    assert shown == {}
