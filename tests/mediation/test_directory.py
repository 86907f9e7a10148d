"""Organizations, people, accounts and projects: who may create what, and the rules they obey."""

from contextlib import contextmanager

import pytest

from mediation import directory
from mediation.access import Actor
from mediation.access import visible_organization
from mediation.access import visible_organizations
from mediation.access import visible_people
from mediation.access import visible_person
from mediation.access import visible_project
from mediation.access import visible_projects
from mediation.credentials import password_matches
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.ledger import history
from mediation.parties import Account
from mediation.parties import Person
from tests.conftest import table_counts

# --- helpers ---------------------------------------------------------------------------------


@contextmanager
def refused(error):
    """The block raises `error` and writes nothing at all."""
    before = table_counts()
    with pytest.raises(error) as caught:
        yield caught
    assert table_counts() == before


@contextmanager
def invalid(*fields):
    """The block is refused as Invalid with errors keyed by exactly `fields`."""
    with refused(Invalid) as caught:
        yield caught
    assert sorted(caught.value.errors) == sorted(fields)
    for messages in caught.value.errors.values():
        assert messages and all(isinstance(m, str) and m for m in messages)


def as_(world, key):
    """An actor of the world, or None for the operator at the command line."""
    return None if key is None else world.actor(key)


def new_org(world, name="Tailspin Toys", kind="customer", by=None):
    return directory.create_organization(as_(world, by), world.clock, name=name, kind=kind)


def new_person(world, org="contoso", by=None, email="erin@example.com", roles=(), **extra):
    organization_id = world.orgs[org].id if isinstance(org, str) else org
    return directory.create_person(
        as_(world, by), world.clock, email=email, name="Erin", organization_id=organization_id,
        roles=roles, **extra,
    )


def new_account(world, by=None, name="Second account", supplier="northwind", customer="contoso", managers=("alice",)):
    def org_id(value):
        return world.orgs[value].id if isinstance(value, str) else value

    return directory.create_account(
        as_(world, by), world.clock, name=name, supplier_id=org_id(supplier), customer_id=org_id(customer),
        manager_ids=[world.id(m) if isinstance(m, str) else m for m in managers],
    )


def new_project(world, by=None, name="Loyalty app", account="contoso"):
    account_id = world.accounts[account].id if isinstance(account, str) else account
    return directory.create_project(as_(world, by), world.clock, name=name, account_id=account_id)


def only_event(subject_type, subject_id):
    [event] = history(subject_type, subject_id)
    return event


NON_ADMINS = ["alice", "sam", "auditor", "carla", "contoso_auditor"]


# --- organizations ----------------------------------------------------------------------------


def test_the_operator_creates_organizations_recorded_as_the_system(world):
    org = new_org(world, name="  Tailspin Toys ")
    assert (org.name, org.kind) == ("Tailspin Toys", "customer")
    event = only_event("organization", org.id)
    assert event.kind == "organization_created"
    assert (event.actor_person_id, event.actor_organization_id, event.actor_role) == (None, None, "system")
    assert event.data == {"name": "Tailspin Toys", "kind": "customer"}


def test_a_supplier_admin_creates_organizations_signed_as_admin(world):
    org = new_org(world, by="admin")
    event = only_event("organization", org.id)
    assert (event.actor_person_id, event.actor_organization_id, event.actor_role) == (
        world.id("admin"), world.orgs["northwind"].id, "admin")


@pytest.mark.parametrize("who", ["contoso_admin", *NON_ADMINS])
def test_only_supplier_admins_create_organizations(world, who):
    with refused(Forbidden):
        new_org(world, by=who)


def test_permission_is_checked_before_the_input(world):
    with refused(Forbidden):
        new_org(world, by="contoso_admin", kind="partner")


@pytest.mark.parametrize("kind", ["partner", "", "Supplier", "CUSTOMER"])
def test_an_organization_is_a_supplier_or_a_customer(world, kind):
    with invalid("kind"):
        new_org(world, kind=kind)


def test_an_administrator_adds_customers_and_the_command_line_adds_suppliers(world):
    with invalid("kind"):
        new_org(world, name="Southwind Systems", kind="supplier", by="admin")
    assert new_org(world, name="Litware Inc", by="admin").kind == "customer"
    assert new_org(world, name="Southwind Systems", kind="supplier").kind == "supplier"


@pytest.mark.parametrize("name", ["Contoso Retail", "  Contoso Retail  "])
def test_organization_names_are_unique(world, name):
    with invalid("name"):
        new_org(world, name=name, by="admin")


# --- people --------------------------------------------------------------------------------------


def test_a_supplier_admin_adds_people_to_the_supplier_and_to_customers(world):
    staff = new_person(world, org="northwind", by="admin", email="Erin@Northwind.Example ",
                       roles=["point_person", "account_manager", "point_person"])
    assert staff.email == "erin@northwind.example"
    assert staff.roles == {"account_manager", "point_person"}
    customer = new_person(world, org="fabrikam", by="admin", email="fay@fabrikam.example", roles=["point_person"])
    assert customer.organization_id == world.orgs["fabrikam"].id
    event = only_event("person", staff.id)
    assert event.kind == "person_created"
    assert event.data == {"email": "erin@northwind.example", "name": "Erin",
                          "organization_id": world.orgs["northwind"].id,
                          "roles": ["account_manager", "point_person"]}


def test_a_password_is_stored_hashed_and_never_recorded(world):
    person = new_person(world, by="admin", password="correct horse battery")
    stored = Person.get_by_id(person.id)
    assert stored.password_hash and "correct horse battery" not in stored.password_hash
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "wrong horse battery")
    assert "correct horse" not in only_event("person", person.id).payload


def test_a_person_without_a_password_cannot_log_in_with_one(world):
    person = new_person(world, by="admin")
    assert not password_matches(Person.get_by_id(person.id), "")


def test_a_customer_admin_adds_people_to_their_own_organization(world):
    person = new_person(world, org="contoso", by="contoso_admin", roles=["point_person", "admin"])
    assert person.organization_id == world.orgs["contoso"].id
    assert only_event("person", person.id).actor_person_id == world.id("contoso_admin")


def test_a_customer_admin_may_not_add_people_to_the_supplier(world):
    with refused(Forbidden):
        new_person(world, org="northwind", by="contoso_admin")


def test_another_customers_organization_does_not_exist_for_a_customer_admin(world):
    with invalid("organization_id") as caught:
        new_person(world, org="fabrikam", by="contoso_admin")
    unknown = world.orgs["northwind"].id + 1000
    with invalid("organization_id") as unknown_caught:
        new_person(world, org=unknown, by="contoso_admin")
    assert caught.value.errors["organization_id"][0].replace(str(world.orgs["fabrikam"].id), "N") == \
        unknown_caught.value.errors["organization_id"][0].replace(str(unknown), "N"), \
        "another tenant's organization looks exactly like a missing one"


@pytest.mark.parametrize("who", NON_ADMINS)
def test_people_who_are_not_admins_add_nobody(world, who):
    org = "northwind" if world.people[who].organization_id == world.orgs["northwind"].id else "contoso"
    with refused(Forbidden):
        new_person(world, org=org, by=who)


@pytest.mark.parametrize("by", [None, "admin"])
def test_roles_must_be_known(world, by):
    with invalid("roles") as caught:
        new_person(world, by=by, roles=["point_person", "superuser"])
    assert "superuser" in caught.value.errors["roles"][0]


@pytest.mark.parametrize("by", [None, "admin", "contoso_admin"])
def test_account_managers_belong_to_a_supplier(world, by):
    with invalid("roles"):
        new_person(world, org="contoso", by=by, roles=["account_manager"])


@pytest.mark.parametrize("email", ["alice@northwind.example", "ALICE@Northwind.example", "  alice@northwind.example "])
def test_an_email_address_is_registered_once(world, email):
    with invalid("email"):
        new_person(world, org="contoso", by="admin", email=email)


def test_people_join_existing_organizations_only(world):
    with invalid("organization_id"):
        new_person(world, org=world.orgs["fabrikam"].id + 1000)


# --- accounts ------------------------------------------------------------------------------------


def test_a_supplier_admin_opens_an_account_with_its_managers(world):
    account = new_account(world, by="admin", name=" Contoso services ", managers=["bob", "alice"])
    assert account.name == "Contoso services"
    assert sorted(directory.managers_of([account.id])[account.id]) == sorted([world.id("alice"), world.id("bob")])
    event = only_event("account", account.id)
    assert event.kind == "account_created"
    assert event.data == {"name": "Contoso services", "supplier_id": world.orgs["northwind"].id,
                          "customer_id": world.orgs["contoso"].id,
                          "manager_ids": sorted([world.id("alice"), world.id("bob")])}


def test_an_account_may_start_without_managers(world):
    account = new_account(world, managers=())
    assert directory.managers_of([account.id]) == {account.id: []}


@pytest.mark.parametrize("who", ["contoso_admin", *NON_ADMINS])
def test_only_supplier_admins_open_accounts(world, who):
    with refused(Forbidden):
        new_account(world, by=who)


def test_the_supplier_side_of_an_account_must_be_a_supplier(world):
    with invalid("supplier_id"):
        new_account(world, supplier="fabrikam", managers=())
    with invalid("supplier_id"):
        new_account(world, supplier=world.orgs["fabrikam"].id + 1000, managers=())


def test_the_customer_side_of_an_account_must_be_a_customer(world):
    with invalid("customer_id"):
        new_account(world, customer="northwind")
    with invalid("customer_id"):
        new_account(world, customer=world.orgs["fabrikam"].id + 1000)


def test_a_supplier_admin_opens_accounts_for_their_own_supplier_only(world):
    southwind = new_org(world, name="Southwind Systems", kind="supplier")
    new_person(world, org=southwind.id, email="root@southwind.example", roles=["admin"])
    southwind_admin = Actor.of(directory.find_person("root@southwind.example"))
    with refused(Invalid) as caught:
        directory.create_account(southwind_admin, world.clock, name="Poached", supplier_id=world.orgs["northwind"].id,
                                 customer_id=world.orgs["contoso"].id)
    assert list(caught.value.errors) == ["supplier_id"]


@pytest.mark.parametrize(
    "manager",
    ["sam", "admin", "carla", "contoso_admin", "auditor"],
)
def test_account_managers_must_be_supplier_people_with_the_role(world, manager):
    with invalid("manager_ids") as caught:
        new_account(world, by="admin", managers=["alice", manager])
    [message] = caught.value.errors["manager_ids"]
    named = [int(part) for part in message.split(":", 1)[1].split(",")]
    assert named == [world.id(manager)], "only the bad manager is named, not alice"


def test_an_unknown_manager_is_refused(world):
    with invalid("manager_ids"):
        new_account(world, managers=[999_999])


def test_an_account_manager_of_another_supplier_cannot_manage_this_account(world):
    southwind = new_org(world, name="Southwind Systems", kind="supplier")
    outsider = new_person(world, org=southwind.id, email="am@southwind.example", roles=["account_manager"])
    with invalid("manager_ids"):
        new_account(world, managers=[outsider.id])


def test_every_account_error_is_reported_together(world):
    with invalid("supplier_id", "customer_id", "manager_ids"):
        new_account(world, supplier="contoso", customer="northwind", managers=["carla"])


@pytest.mark.parametrize("name", ["Contoso account", "  Contoso account "])
def test_an_account_name_is_unique_for_its_supplier_and_customer(world, name):
    with invalid("name"):
        new_account(world, name=name)


def test_the_same_account_name_may_pair_the_supplier_with_another_customer(world):
    account = new_account(world, name="Contoso account", customer="fabrikam", managers=["bob"])
    assert Account.get_by_id(account.id).customer_id == world.orgs["fabrikam"].id


# --- projects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("by,capacity", [(None, "system"), ("admin", "admin"), ("alice", "account_manager")])
def test_projects_are_added_by_the_operator_supplier_admins_and_the_accounts_managers(world, by, capacity):
    project = new_project(world, by=by, name="  Loyalty app ")
    assert (project.name, project.account_id) == ("Loyalty app", world.accounts["contoso"].id)
    event = only_event("project", project.id)
    assert event.kind == "project_created"
    assert event.actor_role == capacity
    assert event.data == {"name": "Loyalty app", "account_id": world.accounts["contoso"].id}


@pytest.mark.parametrize("who", ["bob", "sam", "auditor", "contoso_admin", "carla", "contoso_auditor"])
def test_other_people_add_no_projects(world, who):
    with refused(Forbidden):
        new_project(world, by=who)


def test_another_customers_account_does_not_exist_for_a_customer(world):
    with invalid("account_id"):
        new_project(world, by="frank", account="contoso")


@pytest.mark.parametrize("by", [None, "admin"])
def test_projects_belong_to_an_existing_account(world, by):
    with invalid("account_id"):
        new_project(world, by=by, account=world.accounts["fabrikam"].id + 1000)


def test_project_names_are_unique_within_an_account(world):
    with invalid("name"):
        new_project(world, by="alice", name=" POS migration ")


def test_the_same_project_name_may_be_used_on_another_account(world):
    project = new_project(world, by="bob", name="POS migration", account="fabrikam")
    assert project.account_id == world.accounts["fabrikam"].id


# --- who sees whom -------------------------------------------------------------------------------


def names(query):
    return sorted(row.name for row in query)


def test_the_supplier_sees_itself_and_its_customers(world):
    new_org(world, name="Southwind Systems", kind="supplier")
    assert names(visible_organizations(world.actor("sam"))) == [
        "Contoso Retail", "Fabrikam Logistics", "Northwind Systems"]


def test_a_customer_sees_itself_and_its_supplier_but_no_other_customer(world):
    assert names(visible_organizations(world.actor("dev"))) == ["Contoso Retail", "Northwind Systems"]
    with pytest.raises(NotFound):
        visible_organization(world.actor("dev"), world.orgs["fabrikam"].id)


def test_a_customer_sees_the_people_of_its_own_and_its_suppliers_organization_only(world):
    seen = {p.id for p in visible_people(world.actor("carla"))}
    assert world.id("alice") in seen and world.id("dev") in seen
    assert world.id("frank") not in seen and world.id("gina") not in seen
    with pytest.raises(NotFound):
        visible_person(world.actor("carla"), world.id("frank"))
    assert visible_person(world.actor("alice"), world.id("frank")).id == world.id("frank")


def test_a_customer_sees_only_its_own_projects(world):
    assert names(visible_projects(world.actor("carla"))) == ["POS migration"]
    assert names(visible_projects(world.actor("sam"))) == ["POS migration", "WMS rollout"]
    with pytest.raises(NotFound):
        visible_project(world.actor("carla"), world.projects["fabrikam"].id)


def test_people_and_organizations_are_found_by_email_and_name(world):
    assert directory.find_person("  CARLA@contoso.example ").id == world.id("carla")
    assert directory.find_organization(" Contoso Retail ").id == world.orgs["contoso"].id
    with pytest.raises(NotFound):
        directory.find_person("nobody@contoso.example")
    with pytest.raises(NotFound):
        directory.find_organization("Nobody Inc")


def test_managers_are_listed_per_account(world):
    contoso, fabrikam = world.accounts["contoso"].id, world.accounts["fabrikam"].id
    assert directory.managers_of([contoso, fabrikam]) == {contoso: [world.id("alice")], fabrikam: [world.id("bob")]}


def test_a_supplier_admin_disables_a_customer_person_and_the_ledger_records_it(world, clock):
    from mediation.credentials import person_for_token
    from mediation.ledger import AuditEvent

    token = world.token("carla")
    disabled = directory.disable_person(world.actor("admin"), clock, person_id=world.id("carla"))
    assert disabled.disabled_at == clock.now()
    assert person_for_token(token) is None
    assert AuditEvent.select().where(AuditEvent.kind == "person_disabled").count() == 1


@pytest.mark.parametrize("who, whom", [("alice", "carla"), ("contoso_admin", "frank"), ("admin", "admin")])
def test_disabling_is_refused_to_non_admins_across_tenants_and_for_oneself(world, clock, who, whom):
    from mediation.errors import DomainError

    before = table_counts()
    with pytest.raises(DomainError):
        directory.disable_person(world.actor(who), clock, person_id=world.id(whom))
    assert table_counts() == before


# --- roles of an existing person -------------------------------------------------------------


def roles_events(person_id):
    return [e for e in history("person", person_id) if e.kind == "person_roles_changed"]


@pytest.mark.parametrize("who, whom", [("admin", "sam"), ("admin", "carla"), ("contoso_admin", "carla")])
def test_an_administrator_changes_a_persons_roles_recorded_from_and_to(world, clock, who, whom):
    before = sorted(world.people[whom].roles)
    changed = directory.set_roles(world.actor(who), clock, person_id=world.id(whom),
                                  roles=["admin", "point_person", "admin"])
    assert changed.roles == {"admin", "point_person"}
    assert Person.get_by_id(world.id(whom)).roles == {"admin", "point_person"}
    [event] = roles_events(world.id(whom))
    assert event.actor_person_id == world.id(who) and event.actor_role == "admin"
    assert event.data == {"email": world.people[whom].email, "from": before, "to": ["admin", "point_person"]}


def test_every_role_may_be_taken_away(world, clock):
    directory.set_roles(world.actor("admin"), clock, person_id=world.id("alice"), roles=[])
    assert Person.get_by_id(world.id("alice")).roles == frozenset()


def test_the_same_roles_again_change_and_record_nothing(world, clock):
    before = table_counts()
    directory.set_roles(world.actor("admin"), clock, person_id=world.id("alice"),
                        roles=["point_person", "account_manager"])
    assert table_counts() == before


@pytest.mark.parametrize("who, whom, error", [
    ("alice", "sam", Forbidden),  # not an administrator
    ("auditor", "sam", Forbidden),
    ("contoso_admin", "sam", Forbidden),  # the supplier's people are not theirs to manage
    ("contoso_admin", "frank", NotFound),  # another customer's people do not exist for them
    ("admin", "admin", Forbidden),  # nor for oneself
    ("contoso_admin", "contoso_admin", Forbidden),
])
def test_roles_are_changed_by_the_administrators_who_may_disable_the_person(world, clock, who, whom, error):
    with refused(error):
        directory.set_roles(world.actor(who), clock, person_id=world.id(whom), roles=["auditor"])


def test_roles_are_refused_when_unknown_or_unfit_for_the_organization(world, clock):
    with invalid("roles") as caught:
        directory.set_roles(world.actor("admin"), clock, person_id=world.id("sam"), roles=["auditor", "root"])
    assert "root" in caught.value.errors["roles"][0]
    with invalid("roles"):
        directory.set_roles(world.actor("admin"), clock, person_id=world.id("carla"), roles=["account_manager"])


def test_an_unknown_person_has_no_roles_to_change(world, clock):
    with refused(NotFound):
        directory.set_roles(world.actor("admin"), clock, person_id=999_999, roles=[])


def test_who_manages_whose_people(world):
    northwind, contoso, fabrikam = (world.orgs[k].id for k in ("northwind", "contoso", "fabrikam"))
    assert all(directory.manages_people_of(world.actor("admin"), org) for org in (northwind, contoso, fabrikam))
    assert [directory.manages_people_of(world.actor("contoso_admin"), org) for org in (northwind, contoso, fabrikam)] \
        == [False, True, False]
    assert not directory.manages_people_of(world.actor("alice"), northwind)


# --- enabling a disabled person again ----------------------------------------------------------


def test_an_administrator_enables_a_disabled_person_and_the_ledger_records_it(world, clock):
    from mediation.credentials import person_for_token

    token = world.token("carla")
    directory.disable_person(world.actor("admin"), clock, person_id=world.id("carla"))
    disabled_at = clock.now()
    clock.advance(minutes=5)

    enabled = directory.enable_person(world.actor("contoso_admin"), clock, person_id=world.id("carla"))

    assert enabled.disabled_at is None and Person.get_by_id(world.id("carla")).is_active
    assert person_for_token(token) is not None, "a token that was not revoked works again"
    [event] = [e for e in history("person", world.id("carla")) if e.kind == "person_enabled"]
    assert event.actor_person_id == world.id("contoso_admin")
    assert event.data == {"email": "carla@contoso.example", "disabled_since": disabled_at.isoformat()}


@pytest.mark.parametrize("who, whom, error", [
    ("alice", "carla", Forbidden),
    ("auditor", "carla", Forbidden),
    ("contoso_admin", "frank", NotFound),
    ("contoso_admin", "alice", Forbidden),
    ("admin", "dev", Conflict),
])
def test_enabling_is_refused_to_non_admins_across_tenants_and_for_the_active(world, clock, who, whom, error):
    for person in ("carla", "frank", "alice"):
        directory.disable_person(None, clock, person_id=world.id(person))
    with refused(error):
        directory.enable_person(world.actor(who), clock, person_id=world.id(whom))


# --- auditors change nothing, whatever else they hold -------------------------------------------


@pytest.mark.parametrize("roles", [["auditor", "admin"], ["auditor", "point_person"],
                                   ["auditor", "account_manager"]])
def test_auditor_cannot_be_given_with_a_role_that_writes(world, clock, roles):
    with invalid("roles") as caught:
        directory.set_roles(world.actor("admin"), clock, person_id=world.id("sam"), roles=roles)
    assert "auditor changes nothing" in caught.value.errors["roles"][0]
    with invalid("roles"):
        directory.create_person(world.actor("admin"), clock, email="new@northwind.example", name="New",
                                organization_id=world.orgs["northwind"].id, roles=roles)


def test_an_auditor_an_older_release_also_made_an_administrator_only_reads_and_is_reported(world, clock):
    """Such a person cannot be made any more, but an upgraded database may hold one."""
    Person.update(roles_text="admin,auditor").where(Person.id == world.id("sam")).execute()
    sam = Actor.of(Person.get_by_id(world.id("sam")))

    assert sam.is_read_only
    with refused(Forbidden):
        directory.create_organization(sam, clock, name="Tailspin Toys", kind="customer")
    with refused(Forbidden):
        directory.disable_person(sam, clock, person_id=world.id("carla"))
    assert [p.email for p in directory.auditors_who_write()] == ["sam@northwind.example"]


# --- the contact ceiling of an account's air traffic ----------------------------------------


def ceiling_of(world) -> int:
    return Account.get_by_id(world.accounts["contoso"].id).contact_ceiling_per_week


def set_ceiling(world, who, value, account="contoso"):
    return directory.set_contact_ceiling(world.actor(who), world.clock, account_id=world.accounts[account].id,
                                         contact_ceiling_per_week=value)


def test_an_account_allows_five_contacts_a_week_until_its_ceiling_is_changed(world):
    assert ceiling_of(world) == 5


@pytest.mark.parametrize("who", ["admin", "alice"])
def test_the_suppliers_administrators_and_the_accounts_managers_change_the_ceiling_on_the_record(world, who):
    assert set_ceiling(world, who, 8).contact_ceiling_per_week == 8
    assert ceiling_of(world) == 8
    (event,) = [e for e in history("account", world.accounts["contoso"].id) if e.kind == "contact_ceiling_changed"]
    assert event.data == {"from": 5, "to": 8}
    assert event.actor_person_id == world.id(who)
    assert event.actor_role == ("admin" if who == "admin" else "account_manager")


def test_the_same_ceiling_again_records_nothing(world):
    before = table_counts()
    set_ceiling(world, "alice", 5)
    assert table_counts() == before


@pytest.mark.parametrize("who, error", [("bob", Forbidden), ("sam", Forbidden), ("auditor", Forbidden),
                                        ("carla", Forbidden), ("contoso_admin", Forbidden), ("frank", NotFound)])
def test_no_one_else_changes_the_ceiling(world, who, error):
    with refused(error):
        set_ceiling(world, who, 8)
    assert ceiling_of(world) == 5


@pytest.mark.parametrize("value", [0, -1, 101])
def test_a_ceiling_out_of_range_is_refused(world, value):
    with invalid("contact_ceiling_per_week"):
        set_ceiling(world, "alice", value)
    assert ceiling_of(world) == 5
