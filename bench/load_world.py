"""The world the load runs in, seeded straight through the services before the server starts.

Northwind (the supplier) with four customers. Each customer has an account managed by
its own Northwind account manager, a point person and a colleague, two projects and,
agreed by both companies a month ago, a routine protocol on each project and an
escalation protocol on the second (so disputes there switch it on and off, writing more
events in the same transactions). Everyone who calls the API gets a token.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from mediation import directory
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.credentials import issue_token
from mediation.db import write_transaction
from mediation.schema import migrate
from outreach import install as install_outreach
from protocols import services as protocols
from outreach.schema import ALL_PLANS

CUSTOMERS = (
    ("Contoso Retail", "contoso", "alice", "carla", "dev"),
    ("Fabrikam Logistics", "fabrikam", "bob", "frank", "gina"),
    ("Litware Health", "litware", "mia", "lena", "tom"),
    ("Tailspin Airlines", "tailspin", "omar", "tara", "ivan"),
)


@dataclass(frozen=True)
class Caller:
    """A person with an API token."""

    id: int
    token: str


@dataclass(frozen=True)
class Contact:
    """A protocol in force on which touchpoints are logged, with its terms."""

    protocol_id: int
    channel: str
    supplier_person_id: int
    customer_person_id: int


@dataclass
class Lane:
    """One customer's account and the people who work its disputes and protocols."""

    account_id: int
    project_ids: list[int]
    manager: Caller
    lead: Caller  # the customer's point person: co-mediator, tells the customer's story
    colleague: Caller  # another person of the customer, added as a party later
    engineer: Caller  # a Northwind engineer, a party whose story the manager records
    contacts: list[Contact] = field(default_factory=list)


@dataclass
class World:
    admin: Caller
    auditor: Caller
    lanes: list[Lane]
    escalation_project_ids: list[int]


def seed(now: datetime | None = None) -> World:
    """Migrate the open database and fill it; protocols are agreed 30 days before `now`."""
    now = now or datetime.now(timezone.utc)
    clock = ManualClock(now - timedelta(days=31))
    install_outreach()
    migrate(clock, plans=ALL_PLANS)

    def person(email, name, org, roles=()):
        clock.advance(minutes=1)
        created = directory.create_person(None, clock, email=email, name=name,
                                          organization_id=org.id, roles=roles)
        with write_transaction():
            _, token = issue_token(created, clock.now(), "load")
        return created, Caller(created.id, token)

    northwind = directory.create_organization(None, clock, name="Northwind Systems", kind="supplier")
    _, admin = person("nadia@northwind.example", "Nadia Admin", northwind, ("admin",))
    _, auditor = person("audrey@northwind.example", "Audrey Keller", northwind, ("auditor",))
    _, sam = person("sam@northwind.example", "Sam Lindqvist", northwind)
    _, erin = person("erin@northwind.example", "Erin Yamada", northwind)
    lanes, escalation_projects = [], []
    for index, (company, domain, manager_key, lead_key, colleague_key) in enumerate(CUSTOMERS):
        customer = directory.create_organization(None, clock, name=company, kind="customer")
        manager_row, manager = person(f"{manager_key}@northwind.example", manager_key.title(), northwind,
                                      ("account_manager", "point_person"))
        lead_row, lead = person(f"{lead_key}@{domain}.example", lead_key.title(), customer, ("point_person",))
        _, colleague = person(f"{colleague_key}@{domain}.example", colleague_key.title(), customer)
        account = directory.create_account(None, clock, name=f"{company} account", supplier_id=northwind.id,
                                           customer_id=customer.id, manager_ids=[manager.id])
        rollout = directory.create_project(None, clock, name=f"{company} rollout", account_id=account.id)
        integration = directory.create_project(None, clock, name=f"{company} integration", account_id=account.id)
        lane = Lane(account.id, [rollout.id, integration.id], manager, lead, colleague,
                    sam if index % 2 == 0 else erin)
        agree = _agreeing(clock, Actor.of(manager_row), Actor.of(lead_row), manager.id, lead.id)
        lane.contacts.append(agree(rollout.id, "routine", "video", {"every": 1, "unit": "weeks"}))
        lane.contacts.append(agree(integration.id, "routine", "email", {"every": 2, "unit": "days"}))
        agree(integration.id, "escalation", "phone", {"every": 1, "unit": "days"})
        escalation_projects.append(integration.id)
        lanes.append(lane)
    return World(admin, auditor, lanes, escalation_projects)


def _agreeing(clock, manager: Actor, lead: Actor, manager_id: int, lead_id: int):
    """A function that drafts, proposes and agrees a protocol between the two."""

    def agree(project_id, scenario, channel, cadence) -> Contact:
        clock.advance(minutes=5)
        protocol = protocols.create_protocol(
            manager, clock, project_id=project_id, scenario=scenario, cadence=cadence, phases=[],
            channel=channel, supplier_point_person_id=manager_id, customer_point_person_id=lead_id,
            backup_ids=[], agenda="Status, open issues, next steps.", escalation=[], timezone="UTC",
        )
        protocols.transition_version(manager, clock, protocol.id, 1, trigger="propose")
        protocols.acknowledge(manager, clock, protocol.id, version=1)
        protocols.acknowledge(lead, clock, protocol.id, version=1)
        return Contact(protocol.id, channel, manager_id, lead_id)

    return agree
