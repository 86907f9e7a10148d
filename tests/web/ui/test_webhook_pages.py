"""Webhooks on the pages of an organization's administrators: subscribing shows the secret
once, the delivery log shows each attempt and delivers again on request, removing asks
first. Nobody else reaches them."""

from outreach import webhook_sending
from outreach.models import Webhook
from tests.web.ui.pages import main


def test_subscribing_shows_the_secret_once_and_lists_the_webhook(browser_as, world, webhook_receiver):
    admin = browser_as("contoso_admin")
    response = admin.post("/admin/webhooks", data={"url": webhook_receiver.url, "which": "some",
                                                   "events": ["opened", "transition"]})
    assert response.status_code == 201
    secret = main(response).find("code", class_="secret").text
    assert secret.startswith("whsec_") and secret == Webhook.get().secret
    listed = admin.get("/admin/webhooks").get_data(as_text=True)
    assert webhook_receiver.url in listed and "Dispute opened, State changed" in listed and secret not in listed


def test_a_url_at_fault_is_shown_next_to_its_field(browser_as, world, monkeypatch):
    monkeypatch.delenv("ACCORD_WEBHOOK_ALLOW_PRIVATE", raising=False)
    response = browser_as("admin").post("/admin/webhooks", data={"url": "https://10.0.0.8/hook", "which": "all"})
    assert response.status_code == 422
    assert "private, loopback or link-local" in main(response).by_id("url-error").text
    assert Webhook.select().count() == 0


def test_the_delivery_log_shows_each_attempt_and_delivers_again(browser_as, world, webhook_receiver):
    admin = browser_as("admin")
    admin.post("/admin/webhooks", data={"url": webhook_receiver.url, "which": "some", "events": ["opened"]})
    hook = Webhook.get()
    world.open_dispute("contoso")
    webhook_receiver.status = 502
    webhook_sending.deliver_due(world.clock.now())
    page = main(admin.get(f"/admin/webhooks/{hook.id}"))
    assert "502" in page.text and "to be tried" in page.text
    action = [f for f in page.find_all("form") if "/redeliver" in f.attrs.get("action", "")][0].attrs["action"]
    webhook_receiver.status = 200
    assert admin.post(action).status_code == 302
    webhook_sending.deliver_due(world.clock.now())
    assert "delivered" in main(admin.get(f"/admin/webhooks/{hook.id}")).text
    assert admin.post(f"/admin/webhooks/{hook.id}/remove").status_code == 302
    assert Webhook.select().count() == 0


def test_nobody_else_reaches_an_organizations_webhooks(browser_as, world, webhook_receiver):
    browser_as("contoso_admin").post("/admin/webhooks", data={"url": webhook_receiver.url, "which": "all"})
    hook = Webhook.get()
    assert browser_as("admin").get(f"/admin/webhooks/{hook.id}").status_code == 404
    for key in ("carla", "alice", "auditor"):
        assert browser_as(key).get("/admin/webhooks").status_code == 403, key
    assert browser_as("admin").post(f"/admin/webhooks/{hook.id}/remove").status_code == 404
    assert Webhook.select().count() == 1
