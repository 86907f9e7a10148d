"""An administrator in a real browser subscribes a receiver of this machine to every event,
keeps the secret shown once, reads the delivery log (a refused attempt, then, delivered
again on request, a delivered one) and finds the page accessible."""

import os
import subprocess
import sys

from playwright.sync_api import expect

from tests.e2e.helpers import screenshot
from tests.webhook_receiver import WebhookReceiver


def deliver(live_server) -> None:
    """A round of delivery on the live server's database, as cron would run it."""
    result = subprocess.run([sys.executable, "-m", "web.cli", "--database", live_server.database_url, "notify"],
                            env={**os.environ, "ACCORD_WEBHOOK_ALLOW_PRIVATE": "1"}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_administrator_subscribes_and_reads_the_delivery_log(page_as, live_server, assert_accessible):
    with WebhookReceiver() as receiver:
        nadia = page_as("admin")
        nadia.goto("/admin/webhooks")
        nadia.get_by_role("textbox", name="URL").fill(receiver.url)
        nadia.get_by_role("button", name="Subscribe").click()
        secret = nadia.locator("code.secret")
        expect(secret).to_contain_text("whsec_")
        receiver.status = 503
        deliver(live_server)
        nadia.goto("/admin/webhooks")
        nadia.get_by_role("link", name=receiver.url).click()
        expect(nadia.get_by_role("heading", level=1)).to_have_text(f"Webhook to {receiver.url}")
        expect(nadia.get_by_role("main")).to_contain_text("503")
        receiver.status = 200
        nadia.get_by_role("button", name="Deliver again").first.click()
        expect(nadia.get_by_role("status")).to_contain_text("delivered again in the next round")
        deliver(live_server)
        nadia.reload()
        expect(nadia.get_by_role("main")).to_contain_text("delivered")
        assert_accessible(nadia)
        screenshot(nadia, "webhook-log")
    assert receiver.received and {r.headers["webhook-id"] for r in receiver.received}
