"""Every page for every kind of person: allowed (200), forbidden (403), hidden across
companies (404), or sent to sign in (302) when anonymous.

The people: the supplier's admin, account manager (alice, managing Contoso), a supplier
person without a role (sam) and auditor; Contoso's point person (carla), person without
a role (dev), admin and auditor; Fabrikam's point person (frank), who must not learn that
Contoso's dispute, project or protocol exist.
"""

import pytest

from protocols import services as protocol_services
from tests.protocols.test_agreement import terms

ROLES = ("admin", "alice", "sam", "auditor", "carla", "dev", "contoso_admin", "contoso_auditor", "frank",
         "anonymous")

MATRIX = """
page                                     admin alice sam auditor carla dev contoso_admin contoso_auditor frank anonymous
/                                          200   200 200     200   200 200           200             200   200       302
/disputes                                  200   200 200     200   200 200           200             200   200       302
/disputes/new                              200   200 403     403   403 403           403             403   403       302
/disputes/{dispute}                        200   200 200     200   200 200           200             200   404       302
/protocols                                 200   200 200     200   200 200           200             200   200       302
/projects/{project}/protocols              200   200 200     200   200 200           200             200   404       302
/protocols/{protocol}                      200   200 200     200   200 200           200             200   404       302
/audit                                     200   403 403     200   403 403           200             200   403       302
/audit/disputes/{dispute}                  200   403 403     200   403 403           200             200   403       302
/audit/export.csv                          200   403 403     200   403 403           200             200   403       302
/audit/export.json                         200   403 403     200   403 403           200             200   403       302
/audit/disputes/{dispute}/history.csv      200   403 403     200   403 403           200             200   403       302
/audit/disputes/{dispute}/history.json     200   403 403     200   403 403           200             200   403       302
/admin                                     200   403 403     403   403 403           200             403   403       302
/admin/organizations                       200   403 403     403   403 403           200             403   403       302
/admin/people                              200   403 403     403   403 403           200             403   403       302
/admin/people/{carla}                      200   403 403     403   403 403           200             403   403       302
/admin/accounts                            200   403 403     403   403 403           200             403   403       302
/admin/projects                            200   403 403     403   403 403           200             403   403       302
/relationships                             200   200 200     200   200 200           200             200   200       302
/accounts/{account}/relationship           200   200 200     200   200 200           200             200   404       302
/accounts/{account}/contacts               200   200 200     200   200 200           200             200   404       302
/accounts/{account}/team                   200   200 200     200   200 200           200             200   404       302
/people/{alice}/advocacy                   200   200 403     200   404 404           404             404   404       302
/advocacy                                  200   403 403     200   404 404           404             404   404       302
/diagrams                                  200   200 200     200   200 200           200             200   200       302
/api-reference                             200   200 200     200   200 200           200             200   200       302
"""


def _cases():
    header, *rows = MATRIX.strip().splitlines()
    people = header.split()[1:]
    assert tuple(people) == ROLES
    for row in rows:
        page, *codes = row.split()
        yield page, dict(zip(people, map(int, codes)))


CASES = dict(_cases())


@pytest.fixture
def objects(world, clock) -> dict:
    """A resolved Contoso dispute, Contoso's account and project with a protocol, and Carla's
    and Alice's ids."""
    dispute = world.drive(world.open_dispute(), "resolved")
    protocol = protocol_services.create_protocol(
        world.actor("alice"), clock, project_id=world.projects["contoso"].id, scenario="routine", **terms(world)
    )
    return {"dispute": dispute.id, "project": world.projects["contoso"].id, "protocol": protocol.id,
            "carla": world.id("carla"), "alice": world.id("alice"), "account": world.accounts["contoso"].id}


@pytest.mark.parametrize("person", ROLES)
def test_each_page_answers_each_person_as_the_matrix_says(person, objects, browser, browser_as):
    client = browser if person == "anonymous" else browser_as(person)
    answers = {page: client.get(page.format(**objects)).status_code for page in CASES}
    assert answers == {page: codes[person] for page, codes in CASES.items()}


@pytest.mark.parametrize("page", [p for p in CASES if p != "/"])
def test_anonymous_people_are_sent_to_sign_in_and_back_to_the_page(page, objects, browser):
    path = page.format(**objects)
    location = browser.get(path).headers["Location"]
    assert location.startswith("/login?next=") and path.split("?")[0] in location


@pytest.mark.parametrize("person", ["contoso_admin", "contoso_auditor"])
@pytest.mark.parametrize("page", ["/disputes/{dispute}", "/audit/disputes/{dispute}", "/projects/{project}/protocols",
                                  "/protocols/{protocol}", "/audit/disputes/{dispute}/history.json"])
def test_another_customers_objects_do_not_exist_even_for_its_auditors_and_admins(page, person, world, clock,
                                                                                   browser_as):
    dispute = world.drive(world.open_dispute(account="fabrikam"), "resolved")
    protocol = protocol_services.create_protocol(
        world.actor("bob"), clock, project_id=world.projects["fabrikam"].id, scenario="routine",
        **terms(world, customer_point_person_id=world.id("frank")),
    )
    path = page.format(dispute=dispute.id, project=world.projects["fabrikam"].id, protocol=protocol.id)
    assert browser_as(person).get(path).status_code == 404


@pytest.mark.parametrize("page", ["/disputes/999999", "/protocols/999999", "/projects/999999/protocols",
                                  "/audit/disputes/999999", "/admin/people/999999", "/no-such-page"])
def test_unknown_ids_and_pages_are_404_pages(page, browser_as):
    response = browser_as("admin").get(page)
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "not found" in response.get_data(as_text=True).lower()
