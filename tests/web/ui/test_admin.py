"""The administration pages: only administrators open them, each sees what the directory
lets them see; the forms validate through the API's schemas, show each error next to its
field with what was typed, and write nothing when refused; creations land in the lists
and the ledger; disabling a person ends their browser sessions; roles can be changed."""

import re
from html.parser import HTMLParser

import pytest

from mediation import directory
from mediation.ledger import AuditEvent
from mediation.ledger import history
from mediation.parties import Person
from mediation.parties import Project
from tests.conftest import table_counts

LISTS = ["/admin/organizations", "/admin/people", "/admin/accounts", "/admin/projects"]
PAGES = ["/admin", *LISTS]
COOKIE = "accord_session"


# --- reading pages ---------------------------------------------------------------------------


class Page(HTMLParser):
    """What a person sees on a page: the table's rows, the form fields with their values,
    each field's error, the buttons' accessible text, the links."""

    def __init__(self, response):
        super().__init__()
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        self.rows: list[list[str]] = []
        self.values: dict[str, str] = {}
        self.checked: dict[str, list[str]] = {}
        self.selected: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.buttons: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._text: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False
        self._select = None
        self._error = None
        self._href = None
        self.feed(self.html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "input" and a.get("type") == "checkbox":
            self.checked.setdefault(a["name"], [])
            if "checked" in a:
                self.checked[a["name"]].append(a["value"])
        elif tag == "input" and a.get("name") and a.get("type") != "hidden":
            self.values[a.get("id", a["name"])] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("id")
            self.selected[self._select] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.selected[self._select] = a["value"]
        elif tag == "p" and "error" in a.get("class", "").split():
            self._error = a["id"].removesuffix("-error")
            self._text = []
        elif tag == "button":
            self._text = []
        elif tag == "a":
            self._href = a.get("href")
            self._text = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "select":
            self._select = None
        elif tag == "p" and self._error:
            self.errors[self._error] = "".join(self._text).strip()
            self._error, self._text = None, None
        elif tag == "button" and self._text is not None:
            self.buttons.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._text).split()), self._href))
            self._href, self._text = None, None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)

    def column(self, index: int = 0) -> list[str]:
        return [row[index] for row in self.rows]

    def link(self, text: str) -> str:
        [href] = [href for label, href in self.links if label == text]
        return href


def page(browser, path) -> Page:
    response = browser.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return Page(response)


def rejected(browser, path, data) -> Page:
    """POST a form that must come back with its errors (422) and write nothing at all:
    no row, no audit event."""
    before = table_counts()
    response = browser.post(path, data=data)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert table_counts() == before
    return Page(response)


def data_counts() -> dict[str, int]:
    """Rows per table, leaving out the access log (where refusals are recorded)."""
    return {table: count for table, count in table_counts().items() if table != "access_event"}


def refused(browser, path, data, status=403):
    """POST that must be refused with `status` and must change no data and no ledger."""
    before = data_counts()
    response = browser.post(path, data=data)
    assert response.status_code == status, response.get_data(as_text=True)
    assert data_counts() == before
    return response


def created(browser, path, data, flash: str) -> Page:
    """POST a form that succeeds: redirected back to the list, which shows `flash`."""
    response = browser.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = page(browser, response.headers["Location"])
    assert flash in shown.html
    return shown


def last_event(kind):
    return AuditEvent.select().where(AuditEvent.kind == kind).order_by(AuditEvent.sequence.desc()).first()


@pytest.fixture
def admin(browser_as):
    return browser_as("admin")


@pytest.fixture
def contoso_admin(browser_as):
    return browser_as("contoso_admin")


# --- who may open the pages ------------------------------------------------------------------


FORMS = [
    ("/admin/organizations", {"name": "Tailspin", "kind": "customer"}),
    ("/admin/people", {"email": "x@contoso.example", "name": "X", "organization_id": "2"}),
    ("/admin/people/{sam}", {"roles": ["admin"]}),
    ("/admin/people/{sam}/disable", {}),
    ("/admin/accounts", {"name": "More", "supplier_id": "1", "customer_id": "2"}),
    ("/admin/projects", {"name": "More", "account_id": "1"}),
]


@pytest.mark.parametrize("who", ["admin", "contoso_admin"])
def test_administrators_open_every_admin_page(browser_as, world, who):
    browser = browser_as(who)
    for path in [*PAGES, f"/admin/people/{world.id('carla')}"]:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response.get_data(as_text=True).count("<h1>") == 1


@pytest.mark.parametrize("who", ["alice", "auditor", "carla"])
def test_people_who_are_not_administrators_are_refused_every_page_and_form(browser_as, world, who):
    browser = browser_as(who)
    for path in [*PAGES, f"/admin/people/{world.id('carla')}"]:
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "for administrators" in response.get_data(as_text=True)
    for path, data in FORMS:
        refused(browser, path.format(sam=world.id("sam")), data)


def test_the_admin_menu_is_shown_to_administrators_only(browser_as):
    assert ("Admin", "/admin") in page(browser_as("contoso_admin"), "/admin").links
    assert ("Admin", "/admin") not in Page(browser_as("alice").get("/")).links


def test_anonymous_visitors_are_sent_to_sign_in(browser, world):
    for path in [*PAGES, f"/admin/people/{world.id('carla')}"]:
        response = browser.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={path}"


def test_a_form_without_its_csrf_token_is_refused(admin, world):
    before = data_counts()
    for path, data in FORMS:
        response = admin.client.post(path.format(sam=world.id("sam")), data=data)
        assert response.status_code == 400, path
        assert "security token" in response.get_data(as_text=True)
    assert data_counts() == before


# --- overview --------------------------------------------------------------------------------


def test_the_overview_counts_what_the_administrator_sees_and_links_to_each_list(admin, contoso_admin):
    supplier = page(admin, "/admin")
    for label, path in [("Manage organizations", "/admin/organizations"), ("Manage people", "/admin/people"),
                        ("Manage accounts", "/admin/accounts"), ("Manage projects", "/admin/projects")]:
        assert supplier.link(label) == path
    assert _figures(supplier) == {"Organizations": 3, "People": 11, "Accounts": 2, "Projects": 2}
    assert _figures(page(contoso_admin, "/admin")) == {"Organizations": 2, "People": 9, "Accounts": 1, "Projects": 1}


def _figures(overview: Page) -> dict[str, int]:
    found = re.findall(r'<h2 id="\w+-heading">(\w+)</h2>\s*<p class="admin-figure">(\d+)</p>', overview.html)
    return {title: int(count) for title, count in found}


# --- organizations ---------------------------------------------------------------------------


def test_organizations_are_listed_with_their_kind_and_head_count(admin):
    shown = page(admin, "/admin/organizations")
    assert shown.rows == [
        ["Northwind Systems", "Supplier", "5 people at Northwind Systems"],
        ["Contoso Retail", "Customer", "4 people at Contoso Retail"],
        ["Fabrikam Logistics", "Customer", "2 people at Fabrikam Logistics"],
    ]


def test_a_customer_administrator_sees_their_company_and_its_supplier_and_no_form(contoso_admin):
    shown = page(contoso_admin, "/admin/organizations")
    assert shown.column() == ["Northwind Systems", "Contoso Retail"]
    assert "Add organization" not in shown.buttons
    refused(contoso_admin, "/admin/organizations", {"name": "Tailspin Toys", "kind": "customer"})


@pytest.mark.parametrize(("path", "form"), [
    ("/admin/organizations", {"name": "", "kind": "partner"}),
    ("/admin/accounts", {"name": "", "supplier_id": "x"}),
    ("/admin/projects", {"name": "", "account_id": ""}),
], ids=["organization", "account", "project"])
def test_a_customer_administrator_is_refused_a_hand_made_invalid_form_as_a_valid_one(contoso_admin, path, form):
    """403 before the form is read: the answer does not depend on what it holds."""
    refused(contoso_admin, path, form)


def test_a_new_organization_appears_in_the_list_and_the_ledger(admin, world):
    shown = created(admin, "/admin/organizations", {"name": " Tailspin Toys ", "kind": "customer"},
                    "Organization “Tailspin Toys” added.")
    assert ["Tailspin Toys", "Customer", "0 people at Tailspin Toys"] in shown.rows
    event = last_event("organization_created")
    assert event.data == {"name": "Tailspin Toys", "kind": "customer"}
    assert (event.actor_person_id, event.actor_role) == (world.id("admin"), "admin")


def test_an_organization_form_with_errors_shows_them_next_to_the_fields_and_keeps_the_values(admin):
    shown = rejected(admin, "/admin/organizations", {"name": "Tailspin Toys", "kind": "partner"})
    assert set(shown.errors) == {"kind"}
    assert shown.values["name"] == "Tailspin Toys"
    assert 'aria-invalid="true"' in shown.html and "please correct the fields" in shown.html

    shown = rejected(admin, "/admin/organizations", {"name": "  ", "kind": "customer"})
    assert shown.errors == {"name": "This field is required."}
    assert shown.selected["kind"] == "customer"


def test_the_organization_form_adds_customers_only(admin):
    """Another supplier is a tenant of its own, set up from the command line: the form does
    not offer it and refuses it when sent by hand."""
    form = page(admin, "/admin/organizations").html.split('id="kind"')[1].split("</select>")[0]
    assert 'value="customer"' in form and 'value="supplier"' not in form
    shown = rejected(admin, "/admin/organizations", {"name": "Southwind Systems", "kind": "supplier"})
    assert "command line" in shown.errors["kind"]


def test_a_duplicate_organization_is_refused_by_the_directory_next_to_its_name(admin):
    shown = rejected(admin, "/admin/organizations", {"name": "Contoso Retail", "kind": "customer"})
    assert "already exists" in shown.errors["name"]
    assert shown.values["name"] == "Contoso Retail"
    assert shown.selected["kind"] == "customer"
    assert len(shown.rows) == 3, "the list is still there"


def test_organizations_are_paginated_25_at_a_time(admin, world):
    for i in range(30):
        directory.create_organization(None, world.clock, name=f"Customer {i:02}", kind="customer")
    first = page(admin, "/admin/organizations")
    assert len(first.rows) == 25
    second = page(admin, first.link("Next page"))
    assert len(second.rows) == 8
    assert not set(first.column()) & set(second.column())
    assert "Next page" not in [label for label, _ in second.links]
    assert second.link("First page") == "/admin/organizations"


def test_a_bad_cursor_is_a_422(admin):
    assert admin.get("/admin/organizations?after=soon").status_code == 422


# --- people ----------------------------------------------------------------------------------


def test_people_are_listed_with_organization_roles_and_status(admin, world):
    directory.disable_person(None, world.clock, person_id=world.id("gina"))
    shown = page(admin, "/admin/people")
    by_name = {row[0]: row[:5] for row in shown.rows}
    assert by_name["Alice"] == ["Alice", "alice@northwind.example", "Northwind Systems",
                                "Account manager, Point person", "Active"]
    assert by_name["Sam"][3] == "No role"
    assert by_name["Gina"][4] == "Disabled"
    labels = [label for label, _ in shown.links]
    assert "Disable Carla" in labels
    assert "Disable Gina" not in labels, "a disabled person has no button"
    assert "Disable Admin" not in labels, "an administrator does not disable themselves"


def test_people_are_filtered_by_organization(admin, world):
    contoso = world.orgs["contoso"].id
    shown = page(admin, f"/admin/people?organization_id={contoso}")
    assert sorted(shown.column()) == ["Carla", "Contoso Admin", "Contoso Auditor", "Dev"]
    assert shown.selected["filter-organization"] == str(contoso)
    assert shown.selected["organization_id"] == str(contoso), "the new-person form starts there"
    assert page(admin, "/admin/people?organization_id=").rows == page(admin, "/admin/people").rows


def test_an_organization_without_people_says_how_to_add_them(admin, world):
    tailspin = directory.create_organization(None, world.clock, name="Tailspin Toys", kind="customer")
    shown = page(admin, f"/admin/people?organization_id={tailspin.id}")
    assert shown.rows == []
    assert "Nobody at Tailspin Toys yet. Add their first person" in shown.html


def test_people_pages_keep_the_filter(admin, world):
    for i in range(27):
        directory.create_person(None, world.clock, email=f"p{i}@contoso.example", name=f"P{i}",
                                organization_id=world.orgs["contoso"].id, roles=[])
    first = page(admin, f"/admin/people?organization_id={world.orgs['contoso'].id}")
    assert len(first.rows) == 25
    second = page(admin, first.link("Next page"))
    assert len(second.rows) == 4 + 27 - 25
    assert {row[2] for row in first.rows + second.rows} == {"Contoso Retail"}


def test_a_customer_administrator_sees_and_manages_their_own_people_only(contoso_admin, world):
    shown = page(contoso_admin, "/admin/people")
    names = set(shown.column())
    assert {"Alice", "Carla", "Dev"} <= names
    assert not {"Frank", "Gina"} & names
    labels = [label for label, _ in shown.links]
    assert "Disable Carla" in labels
    assert "Disable Alice" not in labels and "Disable Contoso Admin" not in labels
    assert ("Edit roles of Alice", f"/admin/people/{world.id('alice')}") not in shown.links
    assert [value for value, _ in _options(shown, "organization_id")] == [str(world.orgs["contoso"].id)]
    assert contoso_admin.get(f"/admin/people?organization_id={world.orgs['fabrikam'].id}").status_code == 404


def _options(shown: Page, select_id: str) -> list[tuple[str, str]]:
    block = re.search(rf'<select id="{select_id}".*?</select>', shown.html, re.S).group(0)
    return [(v, t) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block) if v]


def test_a_new_person_appears_in_the_list_and_the_ledger_and_can_sign_in(admin, browser, world):
    data = {"email": "Erin@Contoso.Example", "name": "Erin Diaz", "organization_id": str(world.orgs["contoso"].id),
            "roles": ["point_person"], "password": "a long enough password"}
    shown = created(admin, "/admin/people", data, "Erin Diaz added.")
    assert ["Erin Diaz", "erin@contoso.example", "Contoso Retail", "Point person", "Active"] in \
        [row[:5] for row in shown.rows]
    event = last_event("person_created")
    assert event.actor_person_id == world.id("admin")
    assert event.data["roles"] == ["point_person"]
    assert "a long enough password" not in event.payload
    token = browser.csrf_from("/login")
    response = browser.client.post("/login", data={"email": "erin@contoso.example",
                                                   "password": "a long enough password", "csrf_token": token})
    assert response.status_code == 302


def test_a_person_form_with_errors_keeps_what_was_typed_but_not_the_password(admin, world):
    data = {"email": "not-an-email", "name": "Erin Diaz", "organization_id": str(world.orgs["contoso"].id),
            "roles": ["point_person"], "password": "short"}
    shown = rejected(admin, "/admin/people", data)
    assert set(shown.errors) == {"email", "password"}
    assert "10" in shown.errors["password"]
    assert (shown.values["email"], shown.values["name"], shown.values["password"]) == ("not-an-email", "Erin Diaz", "")
    assert shown.selected["organization_id"] == str(world.orgs["contoso"].id)
    assert shown.checked["roles"] == ["point_person"]
    assert 'type="password"' in shown.html and "At least 10 characters" in shown.html


def test_a_person_form_missing_everything_names_each_required_field(admin):
    shown = rejected(admin, "/admin/people", {})
    assert set(shown.errors) == {"email", "name", "organization_id"}
    assert shown.errors["name"] == "This field is required."


def test_the_directory_refuses_an_account_manager_at_a_customer_next_to_the_roles(admin, world):
    data = {"email": "erin@contoso.example", "name": "Erin", "organization_id": str(world.orgs["contoso"].id),
            "roles": ["account_manager", "point_person"]}
    shown = rejected(admin, "/admin/people", data)
    assert shown.errors == {"roles": "account managers belong to a supplier"}
    assert shown.checked["roles"] == ["account_manager", "point_person"]


def test_a_customer_administrator_cannot_add_people_to_the_supplier(contoso_admin, world):
    refused(contoso_admin, "/admin/people", {"email": "x@northwind.example", "name": "X",
                                             "organization_id": str(world.orgs["northwind"].id)})
    shown = rejected(contoso_admin, "/admin/people", {"email": "x@fabrikam.example", "name": "X",
                                                      "organization_id": str(world.orgs["fabrikam"].id)})
    assert "does not exist" in shown.errors["organization_id"], "another customer is unknown to them"


# --- disabling a person ----------------------------------------------------------------------


def test_disabling_a_person_ends_their_browser_sessions_at_once(admin, browser_as, app, world):
    carla = browser_as("carla")
    assert carla.get("/").status_code == 200
    cookie = carla.client.get_cookie(COOKIE).value

    shown = created(admin, f"/admin/people/{world.id('carla')}/disable", {},
                    "Carla is disabled and signed out everywhere.")

    assert "Disabled" in shown.html and "Enable Carla" in shown.buttons
    response = carla.get("/disputes")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    replayed = app.test_client()
    replayed.set_cookie(COOKIE, cookie)
    response = replayed.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert carla.sign_in("carla").status_code == 401
    event = last_event("person_disabled")
    assert (event.subject_id, event.actor_person_id, event.data["sessions_ended"]) == (
        world.id("carla"), world.id("admin"), 1)


def test_a_customer_administrator_disables_their_own_people_only(contoso_admin, world):
    assert contoso_admin.post(f"/admin/people/{world.id('dev')}/disable").status_code == 302
    assert Person.get_by_id(world.id("dev")).disabled_at is not None
    refused(contoso_admin, f"/admin/people/{world.id('alice')}/disable", {})
    refused(contoso_admin, f"/admin/people/{world.id('frank')}/disable", {}, status=404)


def test_an_administrator_cannot_disable_themselves_nor_anyone_twice(admin, world):
    response = refused(admin, f"/admin/people/{world.id('admin')}/disable", {})
    assert "cannot disable themselves" in response.get_data(as_text=True)
    admin.post(f"/admin/people/{world.id('gina')}/disable")
    refused(admin, f"/admin/people/{world.id('gina')}/disable", {}, status=409)
    refused(admin, "/admin/people/999999/disable", {}, status=404)


def test_disabling_asks_first_on_a_page_that_says_what_it_does(admin, world):
    shown = page(admin, f"/admin/people/{world.id('alice')}")
    confirm = page(admin, shown.link("Disable Alice"))
    assert "<h1>Disable Alice?</h1>" in confirm.html
    assert "signed out everywhere" in confirm.html
    assert "Yes, disable Alice" in confirm.buttons
    assert ("No, keep Alice active", f"/admin/people/{world.id('alice')}") in confirm.links
    assert Person.get_by_id(world.id("alice")).is_active, "asking changes nothing"


def test_an_administrator_enables_a_disabled_person_again_and_it_is_recorded(admin, browser, world):
    admin.post(f"/admin/people/{world.id('carla')}/disable")
    shown = created(admin, f"/admin/people/{world.id('carla')}/enable", {}, "Carla may sign in again.")
    assert "Active" in shown.html and "Disable Carla" in [label for label, _ in shown.links]
    event = last_event("person_enabled")
    assert (event.subject_id, event.actor_person_id) == (world.id("carla"), world.id("admin"))
    assert browser.sign_in("carla").status_code == 302
    refused(admin, f"/admin/people/{world.id('carla')}/enable", {}, status=409)


# --- a person's roles ------------------------------------------------------------------------


def test_a_persons_page_shows_their_details_and_their_roles_checked(admin, world):
    shown = page(admin, f"/admin/people/{world.id('alice')}")
    assert "<h1>Alice</h1>" in shown.html
    assert shown.checked["roles"] == ["account_manager", "point_person"]
    assert "Save roles" in shown.buttons and "Disable Alice" in [label for label, _ in shown.links]


def test_changing_roles_is_recorded_from_and_to(admin, world):
    path = f"/admin/people/{world.id('sam')}"
    shown = created(admin, path, {"roles": ["point_person", "account_manager"]},
                    "Sam now holds: Account manager, Point person.")
    assert sorted(shown.checked["roles"]) == ["account_manager", "point_person"]
    event = last_event("person_roles_changed")
    assert (event.subject_id, event.actor_person_id) == (world.id("sam"), world.id("admin"))
    assert event.data == {"email": "sam@northwind.example", "from": [], "to": ["account_manager", "point_person"]}
    assert "Account manager, Point person" in [row[3] for row in page(admin, "/admin/people").rows
                                               if row[0] == "Sam"]


def test_auditor_is_not_held_with_a_role_that_writes(admin, world):
    shown = rejected(admin, f"/admin/people/{world.id('sam')}", {"roles": ["point_person", "auditor"]})
    assert "auditor cannot be held with point person" in shown.errors["roles"]
    assert Person.get_by_id(world.id("sam")).roles == frozenset()


def test_unticking_every_box_takes_every_role_away(admin, world):
    created(admin, f"/admin/people/{world.id('alice')}", {}, "Alice now holds: no role.")
    assert Person.get_by_id(world.id("alice")).roles == frozenset()


def test_a_role_the_organization_cannot_hold_is_shown_next_to_the_roles(admin, world):
    shown = rejected(admin, f"/admin/people/{world.id('carla')}", {"roles": ["account_manager", "auditor"]})
    assert shown.errors == {"roles": "account managers belong to a supplier"}
    assert shown.checked["roles"] == ["account_manager", "auditor"], "what was ticked is kept"
    shown = rejected(admin, f"/admin/people/{world.id('carla')}", {"roles": ["owner"]})
    assert "roles" in shown.errors


def test_nobody_changes_their_own_roles(admin, world):
    shown = page(admin, f"/admin/people/{world.id('admin')}")
    assert "Save roles" not in shown.buttons
    assert "This is you" in shown.html
    refused(admin, f"/admin/people/{world.id('admin')}", {"roles": []})


def test_a_customer_administrator_changes_the_roles_of_their_own_people_only(contoso_admin, world):
    created(contoso_admin, f"/admin/people/{world.id('dev')}", {"roles": ["point_person"]},
            "Dev now holds: Point person.")
    supplier_person = page(contoso_admin, f"/admin/people/{world.id('alice')}")
    assert "Save roles" not in supplier_person.buttons
    refused(contoso_admin, f"/admin/people/{world.id('alice')}", {"roles": []})
    assert contoso_admin.get(f"/admin/people/{world.id('frank')}").status_code == 404
    refused(contoso_admin, f"/admin/people/{world.id('frank')}", {"roles": []}, status=404)


# --- accounts --------------------------------------------------------------------------------


def test_accounts_are_listed_with_both_companies_managers_and_projects(admin):
    shown = page(admin, "/admin/accounts")
    assert shown.rows == [
        ["Contoso account", "Northwind Systems", "Contoso Retail", "Alice", "1 projects on Contoso account"],
        ["Fabrikam account", "Northwind Systems", "Fabrikam Logistics", "Bob", "1 projects on Fabrikam account"],
    ]


def test_a_customer_administrator_sees_their_own_account_and_no_form(contoso_admin, world):
    shown = page(contoso_admin, "/admin/accounts")
    assert shown.column() == ["Contoso account"]
    assert "Open account" not in shown.buttons
    refused(contoso_admin, "/admin/accounts", {"name": "More", "supplier_id": str(world.orgs["northwind"].id),
                                               "customer_id": str(world.orgs["contoso"].id)})


def test_the_account_form_offers_the_suppliers_account_managers(admin, world):
    shown = page(admin, "/admin/accounts")
    assert shown.selected["supplier_id"] == str(world.orgs["northwind"].id)
    assert [text for _, text in _options(shown, "customer_id")] == ["Contoso Retail", "Fabrikam Logistics"]
    assert shown.checked["manager_ids"] == []
    offered = re.findall(r'name="manager_ids" value="(\d+)"> ([^<]+)</label>', shown.html)
    assert offered == [(str(world.id("alice")), "Alice"), (str(world.id("bob")), "Bob")]


def test_a_new_account_appears_with_its_managers_and_in_the_ledger(admin, world):
    data = {"name": "Contoso EU", "supplier_id": str(world.orgs["northwind"].id),
            "customer_id": str(world.orgs["contoso"].id), "manager_ids": [str(world.id("bob")), str(world.id("alice"))]}
    shown = created(admin, "/admin/accounts", data, "Account “Contoso EU” opened.")
    assert ["Contoso EU", "Northwind Systems", "Contoso Retail", "Alice, Bob", "0 projects on Contoso EU"] in shown.rows
    event = last_event("account_created")
    assert event.actor_person_id == world.id("admin")
    assert event.data["manager_ids"] == sorted([world.id("alice"), world.id("bob")])


def test_an_account_form_with_errors_keeps_the_choices(admin, world):
    data = {"name": "", "supplier_id": str(world.orgs["northwind"].id), "customer_id": "",
            "manager_ids": [str(world.id("bob"))]}
    shown = rejected(admin, "/admin/accounts", data)
    assert set(shown.errors) == {"name", "customer_id"}
    assert shown.checked["manager_ids"] == [str(world.id("bob"))]
    assert shown.selected["supplier_id"] == str(world.orgs["northwind"].id)


def test_the_directory_refuses_a_duplicate_account_and_a_manager_who_is_not_one(admin, world):
    data = {"name": "Contoso account", "supplier_id": str(world.orgs["northwind"].id),
            "customer_id": str(world.orgs["contoso"].id)}
    shown = rejected(admin, "/admin/accounts", data)
    assert "already have an account named" in shown.errors["name"]
    assert shown.values["name"] == "Contoso account"
    shown = rejected(admin, "/admin/accounts", {**data, "name": "Contoso EU", "manager_ids": [str(world.id("sam"))]})
    assert "not account managers" in shown.errors["manager_ids"]
    assert shown.selected["customer_id"] == str(world.orgs["contoso"].id)


# --- projects --------------------------------------------------------------------------------


def test_projects_are_listed_with_their_account_and_filtered_by_account(admin, world):
    assert page(admin, "/admin/projects").rows == [
        ["POS migration", "Contoso account", "Active"], ["WMS rollout", "Fabrikam account", "Active"]]
    shown = page(admin, f"/admin/projects?account_id={world.accounts['fabrikam'].id}")
    assert shown.rows == [["WMS rollout", "Fabrikam account", "Active"]]
    assert shown.selected["account_id"] == str(world.accounts["fabrikam"].id), "the new-project form starts there"


def test_an_account_without_projects_says_how_to_add_one(admin, world):
    account = directory.create_account(None, world.clock, name="Contoso EU", supplier_id=world.orgs["northwind"].id,
                                       customer_id=world.orgs["contoso"].id)
    shown = page(admin, f"/admin/projects?account_id={account.id}")
    assert shown.rows == []
    assert "No projects on Contoso EU yet. Add one with the form “New project”." in shown.html


def test_account_choices_name_the_customer_when_account_names_repeat(admin, world):
    directory.create_account(None, world.clock, name="Contoso account", supplier_id=world.orgs["northwind"].id,
                             customer_id=world.orgs["fabrikam"].id)
    texts = [text for _, text in _options(page(admin, "/admin/projects"), "account_id")]
    assert texts == ["Contoso account (Contoso Retail)", "Contoso account (Fabrikam Logistics)",
                     "Fabrikam account (Fabrikam Logistics)"]


def test_a_customer_administrator_sees_their_own_projects_and_adds_none(contoso_admin, world):
    shown = page(contoso_admin, "/admin/projects")
    assert shown.column() == ["POS migration"]
    assert "Add project" not in shown.buttons
    refused(contoso_admin, "/admin/projects", {"name": "Loyalty", "account_id": str(world.accounts["contoso"].id)})
    assert contoso_admin.get(f"/admin/projects?account_id={world.accounts['fabrikam'].id}").status_code == 404


def test_a_new_project_appears_in_the_list_and_the_ledger(admin, world):
    data = {"name": "Loyalty app", "account_id": str(world.accounts["contoso"].id)}
    shown = created(admin, "/admin/projects", data, "Project “Loyalty app” added.")
    assert ["Loyalty app", "Contoso account", "Active"] in shown.rows
    project = Project.get(Project.name == "Loyalty app")
    [event] = history("project", project.id)
    assert (event.kind, event.actor_person_id, event.actor_role) == ("project_created", world.id("admin"), "admin")


def test_a_project_form_with_errors_names_each_field_and_keeps_the_values(admin, world):
    shown = rejected(admin, "/admin/projects", {"name": "Loyalty app", "account_id": ""})
    assert set(shown.errors) == {"account_id"}
    assert shown.values["name"] == "Loyalty app"
    shown = rejected(admin, "/admin/projects", {"name": "POS migration",
                                                "account_id": str(world.accounts["contoso"].id)})
    assert "already has a project named" in shown.errors["name"]
    assert shown.selected["account_id"] == str(world.accounts["contoso"].id)
    shown = rejected(admin, "/admin/projects", {"name": "Loyalty app", "account_id": "999999"})
    assert "does not exist" in shown.errors["account_id"]


def test_projects_are_paginated_with_the_account_filter_kept(admin, world):
    for i in range(26):
        directory.create_project(None, world.clock, name=f"Phase {i}", account_id=world.accounts["contoso"].id)
    first = page(admin, f"/admin/projects?account_id={world.accounts['contoso'].id}")
    assert len(first.rows) == 25
    second = page(admin, first.link("Next page"))
    assert [row[1] for row in second.rows] == ["Contoso account", "Contoso account"]
