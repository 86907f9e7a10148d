"""Who started a touchpoint (issue 13): optional, `supplier` or `customer`, taken by the API
and the protocol page's form; any other value is refused with 422 on the field, and nothing
is written."""

from datetime import timedelta

from protocols.models import Touchpoint
from tests.conftest import assert_problem
from tests.web.test_api_protocols import API
from tests.web.test_api_protocols import agreed
from tests.web.test_api_protocols import ok
from tests.web.ui.test_protocols import agreed as agreed_here


def _body(world, when, **extra):
    return {"occurred_at": when.isoformat(), "channel": "video", "supplier_person_id": world.id("alice"),
            "customer_person_id": world.id("carla"), "summary": "Status call.", **extra}


def test_the_api_records_who_started_a_touchpoint_or_leaves_it_unrecorded(api, world):
    protocol = agreed(api, world)
    world.clock.advance(days=1)
    when = world.clock.now() - timedelta(hours=1)
    started = ok(api.post(f"{API}/protocols/{protocol['id']}/touchpoints", _body(world, when, initiated_by="customer")),
                 201)
    assert started["initiated_by"] == "customer"
    unknown = ok(api.post(f"{API}/protocols/{protocol['id']}/touchpoints", _body(world, when)), 201)
    assert unknown["initiated_by"] is None
    listed = ok(api.get(f"{API}/protocols/{protocol['id']}/touchpoints"))["items"]
    assert [t["initiated_by"] for t in listed] == ["customer", None]


def test_another_initiator_is_422_on_the_field_and_writes_nothing(api, world):
    protocol = agreed(api, world)
    world.clock.advance(days=1)
    for value in ("both", "", 3):
        response = api.post(f"{API}/protocols/{protocol['id']}/touchpoints",
                            _body(world, world.clock.now(), initiated_by=value))
        assert_problem(response, 422)
        assert "initiated_by" in response.json["errors"]
    assert Touchpoint.select().count() == 0


def test_the_form_offers_who_started_it_with_not_recorded_first(world, browser_as):
    protocol = agreed_here(world)
    world.clock.advance(days=1)
    carla = browser_as("carla")
    page = carla.get(f"/protocols/{protocol.id}").get_data(as_text=True)
    assert '<option value="">Not recorded</option>' in page
    assert "The supplier started it" in page and "The customer started it" in page
    form = {"occurred_at": "2026-03-02T10:00", "channel": "video", "supplier_person_id": str(world.id("alice")),
            "customer_person_id": str(world.id("carla")), "summary": "Call."}
    assert carla.post(f"/protocols/{protocol.id}/touchpoints", data={**form, "initiated_by": ""}).status_code == 302
    assert carla.post(f"/protocols/{protocol.id}/touchpoints",
                      data={**form, "initiated_by": "customer"}).status_code == 302
    assert [t.initiated_by for t in Touchpoint.select().order_by(Touchpoint.id)] == [None, "customer"]
    refused = carla.post(f"/protocols/{protocol.id}/touchpoints", data={**form, "initiated_by": "nobody"})
    assert refused.status_code == 422 and "Must be one of" in refused.get_data(as_text=True)
    assert Touchpoint.select().count() == 2
