"""Query strings nobody types but anyone can send: a page answers 200 or 422, never 500."""

import pytest

from protocols import services as protocol_services
from tests.protocols.test_agreement import terms

ODD = [
    "/audit?after=99999999999999999999999",
    "/audit?closed_to=9999-12-31",
    "/audit?closed_from=0001-01-01",
    "/audit?min_days=abc",
    "/protocols/{protocol}?to=9999-12-31",
    "/protocols/{protocol}?from=0001-01-01",
    "/protocols/{protocol}?after=-5",
    "/protocols?after=99999999999999999999",
    "/disputes?after=99999999999999999999",
    "/disputes?state=nonsense&stale=maybe",
    "/disputes?sort=%3Cscript%3E&order=sideways&mine=perhaps&customer_id=99999999999999999999",
    "/disputes?sort=title&after=99999999999999999999",
    "/protocols?sort=nonsense&order=up&mine=perhaps&customer_id=-1",
    "/search?q=%22%29%28*%3A%5E%00&cursor=%25%25",
    "/search?q=" + "x" * 500,
    "/admin/people?after=999999999999999999",
]


@pytest.mark.parametrize("path", ODD)
def test_odd_queries_get_a_page_not_a_server_error(path, world, clock, browser_as):
    protocol = protocol_services.create_protocol(
        world.actor("alice"), clock, project_id=world.projects["contoso"].id, scenario="routine", **terms(world)
    )
    response = browser_as("admin").get(path.format(protocol=protocol.id))
    assert response.status_code in (200, 422), response.status_code
    assert response.mimetype == "text/html"
