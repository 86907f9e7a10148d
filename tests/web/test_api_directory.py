"""The directory through the API: who the caller is, organizations, people, accounts and
projects; who may create them, how they are listed and read, and what is refused."""

import pytest

from mediation.ledger import AuditEvent
from mediation import directory
from mediation.parties import Person
from tests.conftest import assert_problem
from tests.conftest import table_counts

API = "/api/v1"


def refused(api, path, body, status, as_) -> dict:
    """POST that must be refused with `status` and must write nothing."""
    before = table_counts()
    problem = assert_problem(api.post(f"{API}/{path}", body, as_=as_), status)
    assert table_counts() == before
    return problem


def every_page(api, url, as_="admin"):
    """The ids on each page from `url`, following `next` to the end."""
    pages = []
    while url:
        response = api.get(url, as_=as_)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert set(response.json) == {"items", "next"}
        pages.append([item["id"] for item in response.json["items"]])
        url = response.json["next"]
        assert len(pages) <= 100, "pagination does not end"
    return pages


def listed(api, collection, as_):
    return [i for page in every_page(api, f"{API}/{collection}", as_=as_) for i in page]


# --- /me ---------------------------------------------------------------------------------


def test_me_describes_the_caller_and_their_organization(api, world):
    response = api.get(f"{API}/me", as_="alice")

    assert response.status_code == 200
    me = response.json
    assert me["id"] == world.id("alice")
    assert me["email"] == "alice@northwind.example"
    assert me["name"] == "Alice"
    assert me["roles"] == ["account_manager", "point_person"]
    assert me["disabled"] is False
    assert me["organization_id"] == world.orgs["northwind"].id
    assert me["organization"]["name"] == "Northwind Systems"
    assert me["organization"]["kind"] == "supplier"
    assert not {"password", "password_hash", "roles_text"} & set(me)


def test_me_for_a_customer_names_the_customer(api, world):
    me = api.get(f"{API}/me", as_="carla").json
    assert me["id"] == world.id("carla")
    assert me["organization"] == {**me["organization"], "id": world.orgs["contoso"].id,
                                  "name": "Contoso Retail", "kind": "customer"}
    assert me["roles"] == ["point_person"]


# --- organizations -----------------------------------------------------------------------


def test_the_supplier_administrator_creates_an_organization(api, world):
    response = api.post(f"{API}/organizations", {"name": "  Litware Inc  ", "kind": "customer"}, as_="admin")

    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.json
    assert created["name"] == "Litware Inc"
    assert created["kind"] == "customer"
    assert api.get(f"{API}/organizations/{created['id']}", as_="admin").json == created
    assert created["id"] in listed(api, "organizations", as_="admin")


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "auditor", "carla", "contoso_admin", "frank"])
def test_only_the_supplier_administrator_creates_organizations(api, signed_in, who):
    refused(api, "organizations", {"name": "Litware Inc", "kind": "customer"}, 403, as_=who)


@pytest.mark.parametrize("path", ["organizations", "accounts"])
@pytest.mark.parametrize("who", ["alice", "auditor", "contoso_admin"])
def test_a_caller_who_may_not_create_is_refused_before_the_body_is_read(api, signed_in, who, path):
    """403, not 422: whether a body is valid tells nothing to someone who may not send one."""
    refused(api, path, {"name": "", "unknown": 1}, 403, as_=who)


def test_an_administrator_adds_customers_and_no_other_supplier(api, signed_in):
    """Another supplier is a tenant of its own, which this supplier's people could not even
    read back (it would answer 404 right after its 201): the command line adds one."""
    problem = refused(api, "organizations", {"name": "Southwind Systems", "kind": "supplier"}, 422, as_="admin")
    assert list(problem["errors"]) == ["kind"] and "command line" in problem["errors"]["kind"][0]
    created = api.post(f"{API}/organizations", {"name": "Litware Inc", "kind": "customer"}, as_="admin").json
    assert api.get(f"{API}/organizations/{created['id']}", as_="admin").status_code == 200


@pytest.mark.parametrize("name", ["Contoso Retail", "  Contoso Retail ", "Northwind Systems"])
def test_organization_names_are_unique(api, signed_in, name):
    problem = refused(api, "organizations", {"name": name, "kind": "customer"}, 422, as_="admin")
    assert list(problem["errors"]) == ["name"]


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"name", "kind"}),
    ({"name": "Litware"}, {"kind"}),
    ({"name": "Litware", "kind": "partner"}, {"kind"}),
    ({"name": "", "kind": "customer"}, {"name"}),
    ({"name": "Litware", "kind": "customer", "id": 7}, {"id"}),
])
def test_an_invalid_organization_is_422_naming_each_field(api, signed_in, body, fields):
    assert set(refused(api, "organizations", body, 422, as_="admin")["errors"]) == fields


@pytest.mark.parametrize(("who", "visible"), [
    ("admin", {"northwind", "contoso", "fabrikam"}),
    ("alice", {"northwind", "contoso", "fabrikam"}),
    ("carla", {"northwind", "contoso"}),
    ("contoso_admin", {"northwind", "contoso"}),
    ("frank", {"northwind", "fabrikam"}),
])
def test_each_person_lists_the_organizations_they_deal_with(api, world, who, visible):
    assert sorted(listed(api, "organizations", as_=who)) == sorted(world.orgs[k].id for k in visible)
    for key, org in world.orgs.items():
        status = api.get(f"{API}/organizations/{org.id}", as_=who).status_code
        assert status == (200 if key in visible else 404), key


def test_organizations_are_paginated_without_gaps_or_repeats(api, world):
    created = [api.post(f"{API}/organizations", {"name": f"Customer {i}", "kind": "customer"}, as_="admin").json["id"]
               for i in range(5)]

    pages = every_page(api, f"{API}/organizations?limit=3")

    assert [len(p) for p in pages] == [3, 3, 2]
    ids = [i for page in pages for i in page]
    assert ids == sorted({org.id for org in world.orgs.values()} | set(created))


# --- people ------------------------------------------------------------------------------


def test_the_supplier_administrator_adds_a_person_to_a_customer(api, world):
    body = {"email": "Hana@Contoso.Example", "name": "Hana Ito", "organization_id": world.orgs["contoso"].id,
            "roles": ["point_person", "admin"], "password": "correct horse battery staple"}

    response = api.post(f"{API}/people", body, as_="admin")

    assert response.status_code == 201, response.get_data(as_text=True)
    person = response.json
    assert person["email"] == "hana@contoso.example"
    assert person["roles"] == ["admin", "point_person"]
    assert person["organization_id"] == world.orgs["contoso"].id
    assert person["disabled"] is False
    assert not {"password", "password_hash"} & set(person)
    stored = Person.get_by_id(person["id"]).password_hash
    assert stored.startswith("$argon2") and "correct horse" not in stored
    assert api.get(f"{API}/people/{person['id']}", as_="carla").json == person


def test_a_customer_administrator_adds_people_to_their_own_organization_only(api, world, signed_in):
    body = {"email": "ivan@contoso.example", "name": "Ivan", "roles": ["point_person"]}

    own = api.post(f"{API}/people", {**body, "organization_id": world.orgs["contoso"].id}, as_="contoso_admin")
    assert own.status_code == 201, own.get_data(as_text=True)

    other = {**body, "email": "ivan2@x.example"}
    refused(api, "people", {**other, "organization_id": world.orgs["northwind"].id}, 403, as_="contoso_admin")
    # another customer is not even known to exist: refused like an unknown organization
    fabrikam = refused(api, "people", {**other, "organization_id": world.orgs["fabrikam"].id}, 422, as_="contoso_admin")
    unknown = refused(api, "people", {**other, "organization_id": 999_999}, 422, as_="contoso_admin")
    assert list(fabrikam["errors"]) == list(unknown["errors"]) == ["organization_id"]


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "auditor", "carla", "contoso_auditor", "frank"])
def test_people_are_added_by_administrators_only(api, world, signed_in, who):
    body = {"email": "ivan@contoso.example", "name": "Ivan", "organization_id": world.orgs["contoso"].id}
    refused(api, "people", body, 403, as_=who)


@pytest.mark.parametrize("email", ["alice@northwind.example", "ALICE@Northwind.Example"])
def test_an_email_address_is_registered_once(api, world, signed_in, email):
    body = {"email": email, "name": "Alice Again", "organization_id": world.orgs["northwind"].id}
    assert list(refused(api, "people", body, 422, as_="admin")["errors"]) == ["email"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"roles": ["account_manager"]}, "roles"),  # account managers belong to a supplier
    ({"roles": ["owner"]}, "roles"),
    ({"organization_id": 999_999}, "organization_id"),
    ({"email": "ivan"}, "email"),
    ({"password": "too short"}, "password"),
    ({"name": ""}, "name"),
])
def test_an_invalid_person_is_422_naming_the_field(api, world, signed_in, changes, field):
    body = {"email": "ivan@contoso.example", "name": "Ivan", "organization_id": world.orgs["contoso"].id,
            **changes}
    assert list(refused(api, "people", body, 422, as_="admin")["errors"]) == [field]


def test_people_are_listed_per_tenant(api, world):
    people = {key: world.id(key) for key in world.people}
    supplier = {k for k in people if k in ("admin", "alice", "bob", "sam", "auditor")}
    contoso = {"carla", "dev", "contoso_admin", "contoso_auditor"}
    fabrikam = {"frank", "gina"}

    assert sorted(listed(api, "people", as_="alice")) == sorted(people.values())
    assert sorted(listed(api, "people", as_="carla")) == sorted(people[k] for k in supplier | contoso)
    assert sorted(listed(api, "people", as_="frank")) == sorted(people[k] for k in supplier | fabrikam)
    assert_problem(api.get(f"{API}/people/{people['carla']}", as_="frank"), 404)
    assert api.get(f"{API}/people/{people['alice']}", as_="frank").status_code == 200


@pytest.mark.parametrize(("limit", "sizes"), [(4, [4, 4, 3]), (11, [11]), (1, [1] * 11), (200, [11])])
def test_people_are_paginated_without_gaps_or_repeats(api, world, limit, sizes):
    pages = every_page(api, f"{API}/people?limit={limit}")
    assert [len(p) for p in pages] == sizes
    assert [i for page in pages for i in page] == sorted(p.id for p in world.people.values())


# --- accounts ----------------------------------------------------------------------------


def _new_customer(api, name="Litware Inc"):
    response = api.post(f"{API}/organizations", {"name": name, "kind": "customer"}, as_="admin")
    assert response.status_code == 201
    return response.json["id"]


def test_the_supplier_administrator_opens_an_account_with_its_managers(api, world):
    litware = _new_customer(api)
    body = {"name": "Litware", "supplier_id": world.orgs["northwind"].id, "customer_id": litware,
            "manager_ids": [world.id("bob"), world.id("alice"), world.id("bob")]}

    response = api.post(f"{API}/accounts", body, as_="admin")

    assert response.status_code == 201, response.get_data(as_text=True)
    account = response.json
    assert (account["name"], account["supplier_id"], account["customer_id"]) == (
        "Litware", world.orgs["northwind"].id, litware)
    assert sorted(account["manager_ids"]) == sorted([world.id("alice"), world.id("bob")])
    assert api.get(f"{API}/accounts/{account['id']}", as_="alice").json == account
    assert account["id"] in listed(api, "accounts", as_="bob")
    assert account["id"] not in listed(api, "accounts", as_="carla")


def test_an_account_manager_of_a_new_account_may_open_disputes_on_it(api, world):
    litware = _new_customer(api)
    account = api.post(f"{API}/accounts", {"name": "Litware", "supplier_id": world.orgs["northwind"].id,
                                           "customer_id": litware, "manager_ids": [world.id("bob")]},
                       as_="admin").json
    body = {"title": "Late", "summary": "Late", "account_id": account["id"], "severity": "low"}
    assert api.post(f"{API}/disputes", body, as_="bob").status_code == 201
    assert_problem(api.post(f"{API}/disputes", body, as_="alice"), 403)


@pytest.mark.parametrize("who", ["alice", "bob", "sam", "auditor", "carla", "contoso_admin"])
def test_only_the_supplier_administrator_opens_accounts(api, world, signed_in, who):
    body = {"name": "Contoso EU", "supplier_id": world.orgs["northwind"].id,
            "customer_id": world.orgs["contoso"].id}
    refused(api, "accounts", body, 403, as_=who)


@pytest.mark.parametrize(("changes", "field"), [
    ({"supplier_id": "contoso"}, "supplier_id"),
    ({"supplier_id": "tailspin"}, "supplier_id"),  # another supplier
    ({"supplier_id": 999_999}, "supplier_id"),
    ({"customer_id": "northwind"}, "customer_id"),
    ({"customer_id": 999_999}, "customer_id"),
    ({"manager_ids": ["sam"]}, "manager_ids"),  # not an account manager
    ({"manager_ids": ["carla"]}, "manager_ids"),  # not of the supplier
    ({"manager_ids": ["alice", 999_999]}, "manager_ids"),
    ({"name": "Contoso account"}, "name"),  # this pair already has it
    ({"name": ""}, "name"),
])
def test_an_invalid_account_is_422_naming_the_field(api, world, signed_in, changes, field):
    tailspin = directory.create_organization(None, world.clock, name="Tailspin", kind="supplier").id
    orgs = {"contoso": world.orgs["contoso"].id, "northwind": world.orgs["northwind"].id, "tailspin": tailspin}

    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if value in orgs:
            return orgs[value]
        return world.id(value) if isinstance(value, str) and value in world.people else value

    body = {"name": "Contoso EU", "supplier_id": orgs["northwind"], "customer_id": orgs["contoso"],
            "manager_ids": []}
    body.update({k: resolve(v) if k != "name" else v for k, v in changes.items()})

    assert list(refused(api, "accounts", body, 422, as_="admin")["errors"]) == [field]


def test_the_same_account_name_may_be_used_with_another_customer(api, world):
    body = {"name": "Contoso account", "supplier_id": world.orgs["northwind"].id,
            "customer_id": world.orgs["fabrikam"].id}
    assert api.post(f"{API}/accounts", body, as_="admin").status_code == 201


@pytest.mark.parametrize(("who", "visible"), [
    ("admin", {"contoso", "fabrikam"}),
    ("bob", {"contoso", "fabrikam"}),
    ("auditor", {"contoso", "fabrikam"}),
    ("carla", {"contoso"}),
    ("contoso_auditor", {"contoso"}),
    ("frank", {"fabrikam"}),
])
def test_accounts_are_listed_and_read_per_tenant(api, world, who, visible):
    assert sorted(listed(api, "accounts", as_=who)) == sorted(world.accounts[k].id for k in visible)
    for key, account in world.accounts.items():
        response = api.get(f"{API}/accounts/{account.id}", as_=who)
        if key in visible:
            assert response.status_code == 200
            assert response.json["manager_ids"] == [world.id({"contoso": "alice", "fabrikam": "bob"}[key])]
        else:
            assert_problem(response, 404)


def test_accounts_are_paginated_without_gaps_or_repeats(api, world):
    litware = _new_customer(api)
    for i in range(5):
        api.post(f"{API}/accounts", {"name": f"Litware {i}", "supplier_id": world.orgs["northwind"].id,
                                     "customer_id": litware}, as_="admin")

    pages = every_page(api, f"{API}/accounts?limit=2")

    assert [len(p) for p in pages] == [2, 2, 2, 1]
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids)) == 7
    assert ids == sorted(ids)


# --- projects ----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "account"), [("alice", "contoso"), ("bob", "fabrikam"), ("admin", "contoso")])
def test_the_accounts_managers_and_the_administrator_add_projects(api, world, who, account):
    body = {"name": " Loyalty app ", "account_id": world.accounts[account].id}

    response = api.post(f"{API}/projects", body, as_=who)

    assert response.status_code == 201, response.get_data(as_text=True)
    project = response.json
    assert (project["name"], project["account_id"], project["active"]) == (
        "Loyalty app", world.accounts[account].id, True)
    assert api.get(f"{API}/projects/{project['id']}", as_=who).json == project


@pytest.mark.parametrize(("who", "status"), [
    ("bob", 403),  # a manager of another account
    ("sam", 403),
    ("auditor", 403),
    ("carla", 403),
    ("contoso_admin", 403),
    ("frank", 422),  # the account is another customer's: refused as if it did not exist
    ("gina", 422),
])
def test_others_cannot_add_projects_to_the_contoso_account(api, world, signed_in, who, status):
    problem = refused(api, "projects", {"name": "Loyalty app", "account_id": world.accounts["contoso"].id},
                      status, as_=who)
    if status == 422:
        unknown = refused(api, "projects", {"name": "Loyalty app", "account_id": 999_999}, 422, as_=who)
        assert problem["errors"].keys() == unknown["errors"].keys() == {"account_id"}


def test_project_names_are_unique_per_account(api, world, signed_in):
    problem = refused(api, "projects", {"name": "POS migration", "account_id": world.accounts["contoso"].id},
                      422, as_="alice")
    assert list(problem["errors"]) == ["name"]
    same_name_elsewhere = {"name": "POS migration", "account_id": world.accounts["fabrikam"].id}
    assert api.post(f"{API}/projects", same_name_elsewhere, as_="bob").status_code == 201


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"name", "account_id"}),
    ({"name": "X"}, {"account_id"}),
    ({"name": "X", "account_id": 999_999}, {"account_id"}),
    ({"name": "X", "account_id": "1"}, {"account_id"}),
    ({"name": "", "account_id": 1}, {"name"}),
])
def test_an_invalid_project_is_422_naming_each_field(api, signed_in, body, fields):
    assert set(refused(api, "projects", body, 422, as_="admin")["errors"]) == fields


def test_projects_are_listed_per_tenant_and_paginated(api, world):
    extra = [api.post(f"{API}/projects", {"name": f"Phase {i}", "account_id": world.accounts["contoso"].id},
                      as_="alice").json["id"] for i in range(4)]
    contoso = [world.projects["contoso"].id, *extra]

    assert listed(api, "projects", as_="carla") == contoso
    assert listed(api, "projects", as_="frank") == [world.projects["fabrikam"].id]
    pages = every_page(api, f"{API}/projects?limit=2", as_="carla")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for page in pages for i in page] == contoso
    assert_problem(api.get(f"{API}/projects/{extra[0]}", as_="frank"), 404)


# --- every creation is recorded in the ledger ----------------------------------------------


def test_each_creation_appends_one_audit_event(api, world):
    def head():
        return AuditEvent.select().count()

    start = head()
    org = api.post(f"{API}/organizations", {"name": "Litware", "kind": "customer"}, as_="admin").json
    api.post(f"{API}/people", {"email": "li@litware.example", "name": "Li", "organization_id": org["id"]},
             as_="admin")
    account = api.post(f"{API}/accounts", {"name": "Litware", "supplier_id": world.orgs["northwind"].id,
                                           "customer_id": org["id"], "manager_ids": [world.id("alice")]},
                       as_="admin").json
    api.post(f"{API}/projects", {"name": "Pilot", "account_id": account["id"]}, as_="alice")
    assert head() == start + 4


def test_an_administrator_disables_a_person_whose_token_then_fails(api, world):
    carla_token = world.token("carla")
    response = api.post(f"{API}/people/{world.id('carla')}/disable", {}, as_="admin")
    assert response.status_code == 200
    assert response.get_json()["disabled"] is True
    refused = api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {carla_token}"})
    assert_problem(refused, 401)


def test_an_administrator_enables_a_disabled_person_whose_token_then_works_again(api, world, signed_in):
    carla_token = world.token("carla")
    api.post(f"{API}/people/{world.id('carla')}/disable", {}, as_="admin")

    response = api.post(f"{API}/people/{world.id('carla')}/enable", {}, as_="contoso_admin")

    assert response.status_code == 200 and response.json["disabled"] is False
    assert api.client.get(f"{API}/me", headers={"Authorization": f"Bearer {carla_token}"}).status_code == 200


@pytest.mark.parametrize(("who", "whom", "status"), [
    ("alice", "carla", 403), ("auditor", "carla", 403), ("contoso_admin", "frank", 404),
    ("admin", "dev", 409), ("admin", "admin", 403),
])
def test_enabling_is_refused_with_the_status_that_says_why(api, world, signed_in, who, whom, status):
    for person in ("carla", "frank"):
        api.post(f"{API}/people/{world.id(person)}/disable", {}, as_="admin")
    before = table_counts()
    assert_problem(api.post(f"{API}/people/{world.id(whom)}/enable", {}, as_=who), status)
    assert table_counts() == before


def test_a_customer_cannot_disable_another_customers_person(api, world):
    assert_problem(api.post(f"{API}/people/{world.id('frank')}/disable", {}, as_="contoso_admin"), 404)


# --- roles of an existing person (an extension) ----------------------------------------------


def test_an_administrator_replaces_a_persons_roles(api, world):
    response = api.post(f"{API}/people/{world.id('sam')}/roles", {"roles": ["point_person", "admin"]}, as_="admin")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["roles"] == ["admin", "point_person"]
    assert api.get(f"{API}/people/{world.id('sam')}", as_="sam").json["roles"] == ["admin", "point_person"]


@pytest.mark.parametrize(("who", "whom", "body", "status"), [
    ("alice", "sam", {"roles": []}, 403),
    ("contoso_admin", "sam", {"roles": []}, 403),
    ("contoso_admin", "frank", {"roles": []}, 404),
    ("admin", "admin", {"roles": []}, 403),
    ("admin", "carla", {"roles": ["account_manager"]}, 422),
    ("admin", "sam", {"roles": ["root"]}, 422),
    ("admin", "sam", {}, 422),
    ("admin", "sam", {"roles": "auditor"}, 422),
    ("admin", "sam", {"roles": ["auditor", "point_person"]}, 422),
    ("admin", "sam", {"roles": ["auditor", "admin"]}, 422),
    ("admin", "auditor", {"roles": ["auditor", "account_manager"]}, 422),
])
def test_roles_changes_are_refused_with_the_status_that_says_why(api, world, signed_in, who, whom, body, status):
    before = table_counts()
    problem = assert_problem(api.post(f"{API}/people/{world.id(whom)}/roles", body, as_=who), status)
    assert table_counts() == before
    if status == 422:
        assert list(problem["errors"]) == ["roles"]
