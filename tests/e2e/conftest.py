"""Browser tests: Debian's Chromium, driven by Playwright, against the demo served live.

Without Chromium (or ACCORD_CHROMIUM) or axe-core these tests are skipped with the way to
enable them; under CI=true they fail instead, so a CI run never passes without them.

Fixtures:
- `live_server` (one per test module): the demo built into a fresh database and served
  on 127.0.0.1; `.url`, `.database_url`, `.build_seconds`, `.log`. A module whose tests
  need a fresh demo more often overrides it with `serve_demo`.
- `new_page(**context_options)`: a signed-out page in a browser context of its own.
- `page_as("alice", **context_options)`: a page signed in as a demo person, in a context
  of its own, so several people can act at once.
- `open_as("alice", "/disputes", ["Open a dispute"])`: a page of a demo person's, at a
  start page, after following each named link; each person signs in once per module.
- `assert_accessible(page)`: no serious or critical axe-core violation on the page.
A failing test leaves a screenshot of each of its pages in test-results/e2e/.
"""

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from tests.conftest import TEST_POSTGRES_URL
from tests.conftest import _create_schema
from tests.conftest import _drop_schema
from tests.conftest import schema_url
from tests.e2e.helpers import ROOT
from tests.e2e.helpers import email_of
from tests.e2e.helpers import sign_in

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The Makefile's AXE_VERSION decides which axe-core `make browser-deps` fetches.
AXE_VERSION = re.search(r"^AXE_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
AXE = Path(os.environ.get("ACCORD_AXE", ROOT / f".cache/axe-{AXE_VERSION}/node_modules/axe-core/axe.min.js"))
# axe.min.js is answered from the page's own origin, so the Content-Security-Policy
# (script-src 'self') stays in force while axe runs.
AXE_PATH = "/__e2e__/axe.min.js"
AXE_IMPACTS = ("serious", "critical")
FAILURES = ROOT / "test-results" / "e2e"
SERVER_START_SECONDS = 120
TIMEOUT_MS = 10_000


def _unavailable(what: str, enable: str, tests: str = "browser tests") -> None:
    if IN_CI:
        pytest.fail(f"{what}; CI=true makes this an error instead of a skip. To enable the {tests}, {enable}.",
                    pytrace=False)
    pytest.skip(f"{tests} skipped: {what}. To enable them, {enable}.")


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    build_seconds: float
    log: Path


def _wait_until_ready(process: subprocess.Popen, log: Path) -> tuple[str, float]:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        found = re.search(r"^ready (\S+) (\S+)$", log.read_text(), re.M)
        if found:
            return found.group(1), float(found.group(2))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"the live server did not start:\n{log.read_text()}", pytrace=False)


@contextmanager
def serve_demo(tmp_path_factory):
    """The demo built into a fresh database (a SQLite file, or a PostgreSQL schema of its
    own under ACCORD_TEST_DATABASE_URL) and served by waitress in a child process."""
    folder = tmp_path_factory.mktemp("live_server")
    schema = _create_schema() if TEST_POSTGRES_URL else None
    url = schema_url(TEST_POSTGRES_URL, schema) if schema else f"sqlite:///{folder}/demo.sqlite3"
    log = folder / "server.log"
    with log.open("w") as out:
        # Webhooks may call a receiver of this machine (tests/e2e/test_webhook_journey.py).
        process = subprocess.Popen([sys.executable, "-m", "tests.e2e.live_server", url],
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "ACCORD_WEBHOOK_ALLOW_PRIVATE": "1"})
    try:
        address, build_seconds = _wait_until_ready(process, log)
        yield LiveServer(address, url, build_seconds, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if schema:
            _drop_schema(schema)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One demo served for each test module."""
    with serve_demo(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for all the browser tests."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium is not found at {CHROMIUM}",
                     "install Debian's chromium package or run `make browser-deps` "
                     "(or set ACCORD_CHROMIUM to a Chromium binary)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_failed] = True
    return report


def _keep_screenshots(request, pages) -> None:
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    for number, page in enumerate(pages, start=1):
        if not page.is_closed():
            page.screenshot(path=str(FAILURES / f"{stem}-{number}.png"), full_page=True)


@pytest.fixture
def new_page(chromium, live_server, request):
    """A factory of signed-out pages, each in a fresh browser context (its own cookies);
    keyword arguments go to `Browser.new_context` (viewport, locale...)."""
    contexts, pages = [], []

    def make(**context_options):
        context = chromium.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    if request.node.stash.get(_failed, False):
        _keep_screenshots(request, pages)
    for context in contexts:
        context.close()


@pytest.fixture
def page_as(new_page):
    """A factory of pages signed in as demo people: `page_as("alice")`, `page_as("carla")`."""

    def make(person: str, **context_options):
        page = new_page(**context_options)
        sign_in(page, email_of(person))
        assert not page.url.split("?")[0].endswith("/login"), f"{person} could not sign in: {page.url}"
        return page

    return make


@pytest.fixture(scope="module")
def signed_in(chromium, live_server):
    """Each person's signed-in cookies, from signing in through the form once per module."""
    states = {}

    def state(person: str) -> dict:
        if person not in states:
            context = chromium.new_context(base_url=live_server.url)
            try:
                sign_in(context.new_page(), email_of(person))
                states[person] = context.storage_state()
            finally:
                context.close()
        return states[person]

    return state


@pytest.fixture
def open_as(new_page, signed_in):
    """`open_as("alice", "/disputes", ["Open a dispute"])`: a page of Alice's own, at the
    start page, after following each named link."""

    def make(person: str, start: str, links=(), **context_options):
        page = new_page(storage_state=signed_in(person), **context_options)
        page.goto(start)
        assert "/login" not in page.url, f"{person} is not signed in: {page.url}"
        for name in links:
            page.get_by_role("main").get_by_role("link", name=name, exact=True).first.click()
            page.wait_for_load_state()
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        return page

    return make


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.is_file():
        _unavailable(f"axe-core is not found at {AXE}",
                     "run `make browser-deps` (it fetches axe-core from the npm registry)",
                     tests="accessibility checks")
    return AXE


def _describe(violations) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:3]]
        more = f" and {len(v['nodes']) - 3} more" if len(v["nodes"]) > 3 else ""
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} at {', '.join(targets)}{more}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(axe_script):
    """`assert_accessible(page)`: axe-core finds no serious or critical violation."""
    script = axe_script.read_bytes()

    def serve_axe(route):
        route.fulfill(body=script, content_type="application/javascript")

    def check(page) -> None:
        page.route(f"**{AXE_PATH}", serve_axe)
        try:
            page.add_script_tag(url=AXE_PATH)
        finally:
            page.unroute(f"**{AXE_PATH}", serve_axe)
        results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        violations = [v for v in results["violations"] if v["impact"] in AXE_IMPACTS]
        if violations:
            pytest.fail(f"axe-core found on {page.url}:\n{_describe(violations)}")

    return check
