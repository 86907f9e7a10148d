"""A realistic demo: one supplier, two customers, projects, and disputes in every state."""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from mediation import account_team
from mediation import checkpoints
from mediation import directory
from mediation import dispute_queries
from mediation import services
from mediation.access import Actor
from mediation.clock import ManualClock
from mediation.credentials import issue_token
from mediation.db import database
from mediation.db import is_postgres
from mediation.db import open_database
from mediation.db import write_transaction
from mediation.schema import migrate
from outreach import delivery
from outreach import install as install_outreach
from outreach import settings
from outreach.config import MailConfig
from protocols import services as protocol_services
from protocols.queries import versions_of
from outreach.schema import ALL_PLANS

DEMO_PASSWORD = "accord-demo-password"


@dataclass
class DemoPerson:
    email: str
    name: str
    organization: str
    roles: tuple[str, ...]
    token: str = ""


@dataclass
class DemoPeople:
    password: str
    entries: list[DemoPerson] = field(default_factory=list)

    def token_of(self, email: str) -> str:
        return next(e.token for e in self.entries if e.email == email)


PEOPLE = [
    ("admin@northwind.example", "Nadia Admin", "Northwind Systems", ("admin",)),
    ("alice@northwind.example", "Alice Moreau", "Northwind Systems", ("account_manager", "point_person")),
    ("bob@northwind.example", "Bob Okafor", "Northwind Systems", ("account_manager",)),
    ("erin@northwind.example", "Erin Yamada", "Northwind Systems", ("point_person",)),
    ("sam@northwind.example", "Sam Lindqvist", "Northwind Systems", ()),
    ("audrey@northwind.example", "Audrey Keller", "Northwind Systems", ("auditor",)),
    ("carla@contoso.example", "Carla Jimenez", "Contoso Retail", ("point_person",)),
    ("dev@contoso.example", "Dev Patel", "Contoso Retail", ()),
    ("frank@fabrikam.example", "Frank Osei", "Fabrikam Logistics", ("point_person",)),
    ("gina@fabrikam.example", "Gina Rossi", "Fabrikam Logistics", ()),
    ("olivia@contoso.example", "Olivia Brandt", "Contoso Retail", ("admin",)),
]


def reset_database(url: str) -> None:
    """Wipe the demo database: delete the SQLite file, or drop Accord's tables."""
    if url.startswith("sqlite:///"):
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        open_database(url)
        return
    open_database(url)
    if is_postgres():
        for table in database.get_tables():
            database.execute_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')


def build_demo(url: str, progress=print, now: datetime | None = None) -> DemoPeople:
    """Build the demo into `url` (wiped first); the story ends shortly before `now`."""
    now = now or datetime.now(timezone.utc)
    clock = ManualClock(now - timedelta(days=40))
    reset_database(url)
    install_outreach()
    migrate(clock, progress, plans=ALL_PLANS)

    progress("adding organizations, people and accounts")
    northwind = directory.create_organization(None, clock, name="Northwind Systems", kind="supplier")
    contoso = directory.create_organization(None, clock, name="Contoso Retail", kind="customer")
    fabrikam = directory.create_organization(None, clock, name="Fabrikam Logistics", kind="customer")
    orgs = {o.name: o for o in (northwind, contoso, fabrikam)}
    demo = DemoPeople(password=DEMO_PASSWORD)
    people = {}
    for email, name, org_name, roles in PEOPLE:
        person = directory.create_person(
            None, clock, email=email, name=name, organization_id=orgs[org_name].id,
            roles=roles, password=DEMO_PASSWORD,
        )
        with write_transaction():
            _, token = issue_token(person, clock.now(), "demo")
        people[email.split("@")[0]] = person
        demo.entries.append(DemoPerson(email, name, org_name, roles, token))
    p = {key: person.id for key, person in people.items()}
    actors = {key: Actor.of(person) for key, person in people.items()}

    contoso_account = directory.create_account(
        None, clock, name="Contoso strategic account", supplier_id=northwind.id,
        customer_id=contoso.id, manager_ids=[p["alice"]],
    )
    fabrikam_account = directory.create_account(
        None, clock, name="Fabrikam strategic account", supplier_id=northwind.id,
        customer_id=fabrikam.id, manager_ids=[p["bob"]],
    )
    projects = {
        name: directory.create_project(None, clock, name=name, account_id=account.id)
        for name, account in [
            ("Point-of-sale migration", contoso_account),
            ("Loyalty platform", contoso_account),
            ("Warehouse system rollout", fabrikam_account),
            ("EDI integration", fabrikam_account),
        ]
    }

    progress("naming the account teams")
    _teams(clock, actors, p, contoso_account, fabrikam_account)

    progress("agreeing communication protocols")
    agreed_protocols = _agree_protocols(clock, actors, p, projects)

    progress("opening disputes and working them through the process")
    alice, bob = actors["alice"], actors["bob"]

    def step(**delta):
        clock.advance(**delta)

    def open_case(actor, account, project, title, summary, severity, parties, **extra):
        step(hours=3)
        return services.open_dispute(
            actor, clock, title=title, summary=summary, account_id=account.id,
            project_id=projects[project].id, severity=severity,
            party_ids=[p[name] for name in parties], **extra,
        )

    def fire(actor, dispute, trigger, **data):
        step(hours=5)
        return services.transition(actor, clock, dispute.id, trigger=trigger,
                                   expected_version=dispute.version, **data)

    def stories(actor, dispute, told):
        for party, text, visibility in told:
            step(hours=2)
            services.record_story(actor, clock, dispute.id, party_id=p[party], text=text, visibility=visibility)

    def options(actor, dispute, proposed):
        made = []
        for summary, to_supplier, to_customer in proposed:
            step(hours=2)
            made.append(services.propose_option(actor, clock, dispute.id, summary=summary,
                                                value_to_supplier=to_supplier, value_to_customer=to_customer))
        return made

    def reread(dispute):
        return dispute_queries.get_dispute(alice if dispute.account_id == contoso_account.id else bob, dispute.id)

    # Resolved, with commitments (one kept).
    invoices = open_case(
        alice, contoso_account, "Point-of-sale migration", "Disputed invoices for the March cut-over",
        "Contoso disputes 112 hours billed for the weekend cut-over; the statement of work capped it at 80.",
        "high", ["alice", "sam", "carla", "dev"], co_mediator_id=p["carla"],
    )
    invoices = fire(alice, invoices, "gather_stories")
    stories(alice, invoices, [
        ("sam", "The cut-over ran long because the store data had 40k duplicate SKUs nobody had flagged.", "shared"),
        ("carla", "We were told the weekend was fixed-price. The overrun was never raised with us.", "shared"),
        ("dev", "Our store managers did flag the SKU issue in the kickoff, on slide 12.", "shared"),
        ("alice", "Our change-request process was skipped; we owe Contoso the benefit of the doubt here.", "internal"),
    ])
    services.record_story(actors["carla"], clock, invoices.id, party_id=p["carla"],
                          text="Follow-up: finance needs the corrected invoice before quarter close.",
                          visibility="shared")
    invoices = fire(alice, reread(invoices), "generate_options")
    made = options(alice, invoices, [
        ("Bill 80 hours now; the 32 extra hours become credit toward the loyalty project.", 3, 4),
        ("Write off the 32 hours entirely.", -2, 5),
        ("Bill all 112 hours as invoiced.", 5, -4),
    ])
    invoices = fire(alice, reread(invoices), "start_resolution")
    step(hours=6)
    services.accept_option(alice, clock, invoices.id, option_id=made[0].id)
    step(hours=6)
    services.accept_option(actors["carla"], clock, invoices.id, option_id=made[0].id)
    invoices = fire(alice, reread(invoices), "resolve", option_id=made[0].id,
                    summary="80 hours billed now, 32 hours credited to the loyalty platform project.")
    step(hours=1)
    kept = services.record_commitment(alice, clock, invoices.id, person_id=p["alice"],
                                      description="Send the corrected invoice for 80 hours.",
                                      due_at=clock.now() + timedelta(days=3))
    step(hours=1)
    services.record_commitment(alice, clock, invoices.id, person_id=p["carla"],
                               description="Approve the corrected invoice within five working days.",
                               due_at=clock.now() + timedelta(days=10))
    step(days=2)
    services.settle_commitment(alice, clock, invoices.id, kept.id, status="kept")

    # Reopened: resolved, then a broken commitment took it back to story gathering.
    edi = open_case(
        bob, fabrikam_account, "EDI integration", "Rejected shipping notices",
        "Fabrikam's EDI gateway rejects a third of our advance shipping notices since the mapping change.",
        "critical", ["bob", "erin", "frank"],
    )
    edi = fire(bob, edi, "gather_stories")
    stories(bob, edi, [
        ("erin", "The mapping follows the spec Fabrikam sent in May; their gateway runs an older version.", "shared"),
        ("frank", "Nobody told us the mapping would change; our warehouse is receiving blind.", "shared"),
    ])
    step(hours=1)
    services.record_story(bob, clock, edi.id, party_id=p["bob"], text=None, declined=True, visibility="shared")
    edi = fire(bob, reread(edi), "generate_options")
    made = options(bob, edi, [
        ("Northwind runs both mappings in parallel for 30 days while Fabrikam upgrades.", 2, 4),
        ("Fabrikam upgrades its gateway this week.", 4, -1),
    ])
    edi = fire(bob, reread(edi), "start_resolution")
    step(hours=3)
    services.accept_option(bob, clock, edi.id, option_id=made[0].id)
    step(hours=3)
    services.accept_option(actors["frank"], clock, edi.id, option_id=made[0].id)
    edi = fire(bob, reread(edi), "resolve", option_id=made[0].id,
               summary="Parallel mappings for 30 days; Fabrikam upgrades its gateway meanwhile.")
    step(hours=1)
    broken = services.record_commitment(bob, clock, edi.id, person_id=p["erin"],
                                        description="Deploy the parallel mapping to production.",
                                        due_at=clock.now() + timedelta(days=2))
    step(days=4)
    services.settle_commitment(bob, clock, edi.id, broken.id, status="broken")
    edi = fire(bob, reread(edi), "reopen", reason="The parallel mapping was not deployed on time.")
    step(hours=2)
    services.add_note(bob, clock, edi.id, text="Escalated internally: release train slipped.", visibility="internal")

    # Withdrawn.
    badge = open_case(
        alice, contoso_account, "Loyalty platform", "Badge printer rental charges",
        "Contoso questioned the rental line for badge printers.", "low", ["alice", "dev"],
    )
    step(days=1)
    fire(alice, badge, "withdraw", reason="Contoso found the signed rental order; nothing to dispute.")

    # One in each open state.
    latency = open_case(
        bob, fabrikam_account, "Warehouse system rollout", "Scanner latency penalties",
        "Fabrikam applied SLA penalties for scanner latency during the pilot.", "medium",
        ["bob", "erin", "frank", "gina"], co_mediator_id=p["frank"],
    )
    latency = fire(bob, latency, "gather_stories")
    stories(bob, latency, [
        ("erin", "Latency came from the warehouse Wi-Fi, which is Fabrikam's responsibility.", "shared"),
        ("gina", "Pickers waited up to 9 seconds per scan at peak; we lost two shifts of throughput.", "shared"),
        ("bob", "Our pilot build also logged every scan synchronously; part of this is ours.", "internal"),
    ])

    training = open_case(
        alice, contoso_account, "Point-of-sale migration", "Store staff training hours",
        "Disagreement over how many training hours the contract includes per store.", "medium",
        ["sam", "carla"],
    )
    training = fire(alice, training, "gather_stories")
    stories(alice, training, [
        ("sam", "The contract says 4 hours per store, delivered remotely.", "shared"),
        ("carla", "We understood 4 hours on site; remote training does not work for store staff.", "shared"),
    ])
    training = fire(alice, reread(training), "generate_options")
    options(alice, training, [
        ("Four remote hours plus one on-site visit per region.", 2, 3),
    ])

    licences = open_case(
        bob, fabrikam_account, "EDI integration", "Licence count true-up",
        "Fabrikam disputes the licence true-up after the EDI rollout.", "high", ["bob", "frank"],
    )
    licences = fire(bob, licences, "gather_stories")
    stories(bob, licences, [
        ("bob", "The true-up counts every EDI partner endpoint as a seat, as the order form says.", "shared"),
        ("frank", "Partner endpoints are not users; we never read it that way.", "shared"),
    ])
    licences = fire(bob, reread(licences), "generate_options")
    options(bob, licences, [
        ("Count endpoints at a tenth of a seat from next year.", 2, 3),
        ("Waive this year's true-up entirely.", -3, 4),
    ])
    fire(bob, reread(licences), "start_resolution")

    # Settled one after another, each more in Fabrikam's favour than Northwind's: Bob leans
    # to the customer, and so does the Fabrikam account. The first went ahead without an
    # option of value to both companies, for a reason.
    for title, option, to_supplier, to_customer, override in (
            ("Pallet label reprints", "Northwind reprints the labels at its own cost.", 0, 3,
             "Fabrikam's peak season starts Monday; goodwill now saves the renewal."),
            ("Missed pick-wave cut-off", "Northwind credits one day of service fees.", 1, 4, None),
            ("Dock door sensor faults", "Northwind replaces the sensors and waives the call-out fees.", 1, 4, None),
            ("Returns module training", "Two extra remote sessions, free of charge.", 1, 3, None),
            ("Slotting report delays", "Northwind builds the report Fabrikam asked for, unbilled.", 1, 5, None)):
        case = open_case(bob, fabrikam_account, "Warehouse system rollout", title,
                         f"Fabrikam raised: {title.lower()}.", "low", ["erin", "frank"])
        case = fire(bob, case, "gather_stories")
        stories(bob, case, [("erin", "We delivered what the statement of work describes.", "shared"),
                            ("frank", "It cost our warehouse a shift; we expect it made good.", "shared")])
        case = fire(bob, reread(case), "generate_options")
        settled, _ = options(bob, case, [(option, to_supplier, to_customer),
                                         ("Fabrikam bears the cost itself.", 3, -2) if override
                                         else ("Both companies split the cost.", 2, 1)])
        case = fire(bob, reread(case), "start_resolution", **({"override_reason": override} if override else {}))
        services.accept_option(bob, clock, case.id, option_id=settled.id)
        services.accept_option(actors["frank"], clock, case.id, option_id=settled.id)
        fire(bob, reread(case), "resolve", option_id=settled.id, summary=option)

    clock.set(now - timedelta(days=3))
    open_case(
        alice, contoso_account, "Loyalty platform", "Points not credited after outage",
        "Customers lost loyalty points during last week's outage; Contoso wants goodwill credits.", "high",
        ["alice", "carla"],
    )
    progress("logging touchpoints and incidents")
    clock.set(now - timedelta(minutes=30))
    stand_ups = _log_contact(clock, actors, p, agreed_protocols, now)
    _collide(clock, actors, p, agreed_protocols, stand_ups, now)
    progress("notifying people of what waits on them")
    _notify(actors, now)
    _sign_ledger(now, progress)
    progress("demo ready")
    return demo


def _notify(actors, now: datetime) -> None:
    """A few people's own notification settings, then a round of delivery at `now`: what
    waits is told, and the mail due waits in the outbox (the demo's worker sends it when
    ACCORD_SMTP_URL is set)."""
    settings.change_settings(actors["carla"], now, timezone="Europe/Berlin",
                             quiet_hours={"from": "20:00", "to": "07:00"})
    settings.change_settings(actors["frank"], now, timezone="America/Chicago", digest_hour=7,
                             kinds={"dispute_update": "weekly", "protocol_update": "weekly"})
    settings.change_settings(actors["alice"], now, kinds={"touchpoint_due": "immediate"})
    delivery.deliver_due(ManualClock(now), MailConfig(base_url=MailConfig.from_environment().base_url))


def _sign_ledger(now: datetime, progress) -> None:
    """The installation's key (made once and kept, as `accord init` does) signs a first
    checkpoint of the whole demo history, so proofs can be asked for at once."""
    path = checkpoints.signing_key_path()
    if checkpoints.create_signing_key(path):
        progress(f"created the checkpoint signing key {path}")
    integration = checkpoints.integrate(now, checkpoints.signing_key())
    progress(f"signed a checkpoint of the ledger's {integration.size} events")


def _teams(clock, actors, p, contoso, fabrikam) -> None:
    """Each company's administrator names their own people on the accounts' teams; Fabrikam
    has not named its side yet."""
    for admin, account, person, function in (
            ("admin", contoso, "alice", "executive sponsor"), ("admin", contoso, "erin", "engineering"),
            ("admin", contoso, "sam", "support"), ("admin", fabrikam, "bob", "executive sponsor"),
            ("admin", fabrikam, "erin", "engineering"), ("olivia", contoso, "carla", "operations"),
            ("olivia", contoso, "dev", "engineering")):
        account_team.add_member(actors[admin], clock, account_id=account.id, person_id=p[person], function=function)


def _terms(supplier, customer, channel, agenda, **extra):
    return dict(channel=channel, supplier_point_person_id=supplier, customer_point_person_id=customer,
                agenda=agenda, backup_ids=extra.pop("backup_ids", []), escalation=extra.pop("escalation", []),
                phases=extra.pop("phases", []), cadence=extra.pop("cadence", None),
                timezone=extra.pop("timezone", "Europe/Berlin"), **extra)


def _agree_protocols(clock, actors, p, projects) -> dict:
    """Protocols for the demo projects, agreed by both companies 39 days before now."""
    clock.advance(hours=20)
    alice, bob, carla, frank = actors["alice"], actors["bob"], actors["carla"], actors["frank"]
    plans = {
        "onboarding": (alice, carla, projects["Point-of-sale migration"], _terms(
            p["alice"], p["carla"], "video", "Cut-over status, open defects, store readiness.",
            phases=[{"cadence": {"every": 1, "unit": "days"}, "days": 14},
                    {"cadence": {"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]}, "days": 28}],
            cadence={"every": 1, "unit": "weeks"}, backup_ids=[p["sam"], p["dev"]])),
        "routine": (bob, frank, projects["Warehouse system rollout"], _terms(
            p["erin"], p["frank"], "video", "Weekly rollout status: sites live, open issues, next sites.",
            cadence={"every": 1, "unit": "weeks"}, backup_ids=[p["gina"]])),
        "chatty": (alice, carla, projects["Loyalty platform"], _terms(
            p["alice"], p["carla"], "email", "Fortnightly loyalty programme review.",
            cadence={"every": 2, "unit": "weeks"})),
        "incident": (bob, frank, projects["EDI integration"], _terms(
            p["erin"], p["frank"], "phone", "Impact, workaround, next update time.",
            cadence={"respond_within_hours": 4},
            escalation=[{"person_id": p["bob"], "respond_within_hours": 8}])),
        "escalation": (bob, frank, projects["EDI integration"], _terms(
            p["bob"], p["frank"], "video", "Dispute status and commitments due.",
            cadence={"every": 2, "unit": "days"})),
    }
    scenarios = {"chatty": "routine"}
    agreed = {}
    for key, (manager, customer, project, terms) in plans.items():
        clock.advance(minutes=20)
        protocol = protocol_services.create_protocol(
            manager, clock, project_id=project.id, scenario=scenarios.get(key, key), **terms)
        protocol_services.transition_version(manager, clock, protocol.id, 1, trigger="propose")
        protocol_services.acknowledge(manager, clock, protocol.id, version=1)
        protocol_services.acknowledge(customer, clock, protocol.id, version=1)
        agreed[key] = protocol
    review = protocol_services.create_protocol(
        alice, clock, project_id=projects["Point-of-sale migration"].id, scenario="executive_review",
        **_terms(p["alice"], p["carla"], "in_person", "Quarterly review with both executive sponsors.",
                 cadence={"every": 3, "unit": "months"}))
    protocol_services.transition_version(alice, clock, review.id, 1, trigger="propose")
    protocol_services.acknowledge(alice, clock, review.id, version=1)
    return agreed


def _log_contact(clock, actors, p, agreed, now) -> list[datetime]:
    """Touchpoints and incidents that give each demo protocol its story; the times of the
    point-of-sale stand-ups."""
    def log(key, actor, when, supplier, customer, channel, summary, initiated_by):
        protocol_services.log_touchpoint(
            actors[actor], clock, agreed[key].id, occurred_at=when, channel=channel,
            supplier_person_id=p[supplier], customer_person_id=p[customer], summary=summary,
            initiated_by=initiated_by)

    versions = versions_of([protocol.id for protocol in agreed.values()])
    start = {key: versions[protocol.id][0].in_force_from for key, protocol in agreed.items()}
    # Onboarding: daily for two weeks, then on Mondays and Thursdays, on time.
    berlin = ZoneInfo("Europe/Berlin")
    window = start["onboarding"]
    stand_ups = []
    while window + timedelta(hours=2) < now:
        daily = window - start["onboarding"] < timedelta(days=14)
        if daily or window.astimezone(berlin).weekday() in (0, 3):
            log("onboarding", "alice", window + timedelta(hours=2), "alice", "carla", "video", "Cut-over stand-up.",
                "supplier")
            stand_ups.append(window + timedelta(hours=2))
        window += timedelta(days=1)
    # Routine weekly status, with the third week missed; whoever logs it called the meeting.
    for week in range(6):
        when = start["routine"] + timedelta(weeks=week, days=1)
        if week != 2 and when < now:
            log("routine", "erin" if week % 2 else "frank", when, "erin", "frank", "video", "Weekly rollout status.",
                "supplier" if week % 2 else "customer")
    # Fortnightly review, but this fortnight Contoso keeps e-mailing Northwind.
    for days_ago in (33, 19, 6, 4, 2, 1):
        log("chatty", "alice", now - timedelta(days=days_ago, hours=1), "alice", "carla",
            "email" if days_ago != 2 else "chat", "Loyalty points question.",
            "supplier" if days_ago > 14 else "customer")
    # Incidents: one answered within the hour, one waiting for a first call.
    answered = now - timedelta(days=10)
    protocol_services.report_incident(actors["frank"], clock, agreed["incident"].id, started_at=answered,
                                      summary="Advance shipping notices rejected in bulk.")
    log("incident", "erin", answered + timedelta(minutes=50), "erin", "frank", "phone", "Workaround agreed.",
        "supplier")
    protocol_services.report_incident(actors["frank"], clock, agreed["incident"].id,
                                      started_at=now - timedelta(hours=6),
                                      summary="EDI gateway returns 500 on every order.")
    return stand_ups


def _collide(clock, actors, p, agreed, stand_ups, now) -> None:
    """Sam e-mails Carla about the loyalty platform at noon (UTC) of the latest stand-up
    day before today: two of Northwind's people reach Contoso's point person about two
    projects on one day, a collision in the air traffic."""
    day = max(at for at in stand_ups if at.replace(hour=12, minute=0) < now - timedelta(hours=1))
    protocol_services.log_touchpoint(
        actors["alice"], clock, agreed["chatty"].id, occurred_at=day.replace(hour=12, minute=0, second=0,
                                                                             microsecond=0),
        channel="email", supplier_person_id=p["sam"], customer_person_id=p["carla"],
        summary="Loyalty points credit rules, asked again.", initiated_by="supplier")
