"""Webhooks through the API (DESIGN.md, "Notifications and webhooks"): an organization's
administrators subscribe, the secret is answered once, the delivery log shows each attempt,
a delivery goes again on request; another organization's webhooks do not exist for them."""

from outreach import webhook_sending
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"


def test_a_subscription_answers_its_secret_once_and_logs_its_deliveries(api, world, webhook_receiver):
    created = api.post(f"{API}/webhooks", {"url": webhook_receiver.url, "events": ["opened", "transition"]},
                       as_="contoso_admin")
    assert created.status_code == 201
    hook = created.get_json()
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["opened", "transition"]
    listed = api.get(f"{API}/webhooks", as_="contoso_admin").get_json()["items"]
    assert [item["id"] for item in listed] == [hook["id"]] and "secret" not in listed[0]
    world.open_dispute("contoso")
    webhook_receiver.status = 500
    webhook_sending.deliver_due(world.clock.now())
    [delivery] = api.get(f"{API}/webhooks/{hook['id']}/deliveries", as_="contoso_admin").get_json()["items"]
    assert delivery["kind"] == "opened" and delivery["delivered_at"] is None
    assert [(a["status_code"], a["error"]) for a in delivery["attempts"]] == [(500, "answered 500")]
    assert delivery["webhook_id"] == webhook_receiver.received[0].headers["webhook-id"]
    webhook_receiver.status = 200
    again = api.post(f"{API}/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver", as_="contoso_admin")
    assert again.status_code == 202
    webhook_sending.deliver_due(world.clock.now())
    [delivery] = api.get(f"{API}/webhooks/{hook['id']}/deliveries", as_="contoso_admin").get_json()["items"]
    assert delivery["delivered_at"] is not None and len(delivery["attempts"]) == 2
    assert api.delete(f"{API}/webhooks/{hook['id']}", as_="contoso_admin").status_code == 204
    assert api.get(f"{API}/webhooks", as_="contoso_admin").get_json()["items"] == []


def test_another_organizations_webhooks_do_not_exist_and_only_administrators_keep_them(api, signed_in,
                                                                                       webhook_receiver):
    hook = api.post(f"{API}/webhooks", {"url": webhook_receiver.url, "events": ["*"]}, as_="contoso_admin").get_json()
    before = table_counts()
    for path in (f"{API}/webhooks/{hook['id']}/deliveries",):
        assert_problem(api.get(path, as_="admin"), 404)
    assert_problem(api.delete(f"{API}/webhooks/{hook['id']}", as_="admin"), 404)
    assert api.get(f"{API}/webhooks", as_="admin").get_json()["items"] == []
    for key in ("carla", "alice", "auditor"):
        assert_problem(api.get(f"{API}/webhooks", as_=key), 403)
        assert_problem(api.post(f"{API}/webhooks", {"url": webhook_receiver.url, "events": ["*"]}, as_=key), 403)
    assert table_counts() == before


def test_a_url_inside_the_network_is_refused_naming_the_field(api, signed_in, monkeypatch):
    monkeypatch.delenv("ACCORD_WEBHOOK_ALLOW_PRIVATE", raising=False)
    before = table_counts()
    for url in ("https://127.0.0.1/hook", "http://example.com/hook", "https://192.168.1.10/"):
        problem = assert_problem(api.post(f"{API}/webhooks", {"url": url, "events": ["*"]}, as_="admin"), 422)
        assert "url" in problem["errors"], problem
    problem = assert_problem(api.post(f"{API}/webhooks", {"url": "https://127.0.0.1/", "events": ["gossip"]},
                                      as_="admin"), 422)
    assert "events" in problem["errors"]
    assert table_counts() == before
