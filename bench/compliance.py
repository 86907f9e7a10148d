"""Benchmark: the protocol board over 10,000 protocols and 1,000,000 touchpoints.

A SQLite file in a temporary directory gets one supplier (Northwind) and its customers,
their people and accounts (made with `mediation.directory`, a few hundred calls), then
projects, protocols, versions, acknowledgements, disputes with escalation activations,
incidents and touchpoints in bulk (chunked inserts inside transactions; no audit events,
which the board never reads). Every protocol is agreed (its current version `agreed`,
`in_force_from` set; about a fifth were re-agreed, so a `superseded` version precedes it,
and a few have a draft or proposal pending), with a mix of cadences:

- routine: daily, weekly on workdays (Monday to Friday), weekly on Monday and Thursday,
  weekly, every two weeks;
- onboarding: a taper (daily, then three days a week, then weekly or fortnightly);
- incident: a response time of 2 to 24 hours, with incidents over the year (some in the
  last hours, some unanswered);
- escalation: daily or every two days, in force only while a dispute on its project is
  open (activations in the past, and about a quarter with one open now);
- executive review: monthly or every two weeks;

in three time zones, some with a ceiling on contacts per window. Touchpoints are spread
over the times each protocol was in force during the last year, spaced out at a density
that follows its cadence (regular, lax, chatty, or gone quiet lately), then scaled so that
the total is exactly `--touchpoints`; a few use another channel or other people.

The first `--small` protocols (100) are generated with their share of the touchpoints and
measured, then the rest are added and measured again. At each size,
`protocols.board.board(actor, clock)` runs `--repeat` times as the supplier's
administrator (who sees every protocol) and as one customer's point person (who sees that
customer's projects only). Printed figures: the wall time of `board` (first run, and
median) and the process's CPU time during it (which other work on the machine inflates
less), the SQL statements it executes (every call to the database's `execute_sql`), the
rows and their statuses. Targets: the administrator's board at full size under 2 seconds,
and the same number of queries at both sizes for each caller. PASS or FAIL next to each;
the exit status is 0 even when a target fails.

    cd /work/main && .venv/bin/python bench/compliance.py            # 10,000 / 1,000,000
    cd /work/main && .venv/bin/python bench/compliance.py --quick    # 1,000 / 100,000
    cd /work/main && .venv/bin/python bench/compliance.py --profile  # and where the time goes
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediation import directory  # noqa: E402
from mediation.access import Actor  # noqa: E402
from mediation.clock import ManualClock  # noqa: E402
from mediation.db import database  # noqa: E402
from mediation.db import open_database  # noqa: E402
from mediation.disputes import Dispute  # noqa: E402
from mediation.schema import migrate  # noqa: E402
from mediation.parties import Project  # noqa: E402
from outreach import install as install_outreach  # noqa: E402
from protocols import board  # noqa: E402
from outreach.schema import ALL_PLANS  # noqa: E402
from protocols.models import Acknowledgement  # noqa: E402
from protocols.models import EscalationActivation  # noqa: E402
from protocols.models import Incident  # noqa: E402
from protocols.models import Protocol  # noqa: E402
from protocols.models import ProtocolVersion  # noqa: E402
from protocols.models import Touchpoint  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NOW_TS = int(NOW.timestamp())
HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY
YEAR = 365 * DAY
UNIT_SECONDS = {"hours": HOUR, "days": DAY, "weeks": WEEK, "months": 30 * DAY}

TARGET_BOARD_SECONDS = 2.0

CUSTOMERS = ("Contoso Retail", "Fabrikam Logistics", "Tailspin Toys", "Wingtip Travel", "Litware Labs",
             "Adventure Works", "Woodgrove Bank", "Proseware Health", "Lucerne Publishing", "Alpine Ski House",
             "Coho Winery", "Relecloud Media", "Trey Research", "Humongous Insurance", "Margie's Travel",
             "Northwind Traders", "Southridge Video", "Graphic Design Institute", "Fourth Coffee", "Blue Yonder Air")
SUPPLIER_ENGINEERS = 40
ACCOUNT_MANAGERS = 10
PEOPLE_PER_CUSTOMER = 5
ZONES = ("Europe/Berlin", "UTC", "America/New_York")
CHANNELS = ("email", "phone", "video", "in_person", "chat", "ticket")

# scenario -> (probability a project has it, default channel); a project always has `routine`
SCENARIO_ODDS = {"routine": (1.0, "video"), "onboarding": (0.5, "video"), "incident": (0.4, "phone"),
                 "escalation": (0.3, "video"), "executive_review": (0.5, "in_person")}
# label -> cadence (API form), per scenario with weights
DAILY = {"every": 1, "unit": "days"}
EVERY_2_DAYS = {"every": 2, "unit": "days"}
WEEKLY = {"every": 1, "unit": "weeks"}
MON_THU = {"every": 1, "unit": "weeks", "weekdays": ["mon", "thu"]}
WORKDAYS = {"every": 1, "unit": "weeks", "weekdays": ["mon", "tue", "wed", "thu", "fri"]}
MON_WED_FRI = {"every": 1, "unit": "weeks", "weekdays": ["mon", "wed", "fri"]}
FORTNIGHTLY = {"every": 2, "unit": "weeks"}
MONTHLY = {"every": 1, "unit": "months"}
CADENCES = {
    "routine": (("daily", DAILY, 20), ("weekly mon-fri", WORKDAYS, 20), ("weekly mon+thu", MON_THU, 20),
                ("weekly", WEEKLY, 25), ("every 2 weeks", FORTNIGHTLY, 15)),
    "executive_review": (("monthly", MONTHLY, 70), ("every 2 weeks", FORTNIGHTLY, 30)),
    "escalation": (("daily", DAILY, 50), ("every 2 days", EVERY_2_DAYS, 50)),
}
TAPERS = (
    ("taper daily 14d, mon/wed/fri 28d, weekly",
     [{"cadence": DAILY, "days": 14}, {"cadence": MON_WED_FRI, "days": 28}], WEEKLY, 60),
    ("taper daily 7d, mon/thu 21d, every 2 weeks",
     [{"cadence": DAILY, "days": 7}, {"cadence": MON_THU, "days": 21}], FORTNIGHTLY, 40),
)
RESPONSE_HOURS = (2, 4, 8, 24)
# behaviour -> (weight, touchpoint density relative to the cadence)
# (a regular pair talks once or twice per window: a meeting, sometimes a follow-up)
BEHAVIOURS = {"regular": (60, 1.5), "lax": (20, 0.8), "chatty": (12, 3.0), "quiet lately": (8, 1.5)}
SUMMARIES = ("Weekly status.", "Open defects reviewed.", "Rollout checkpoint.", "Follow-up on actions.",
             "Quick sync by phone.", "Escalation update.", "Incident call.", "Review of the plan.")


# --- the plan: everything decided up front, from one seed --------------------------------


@dataclass
class VersionPlan:
    number: int
    status: str
    cadence: dict | None
    phases: list
    channel: str
    supplier_person: int
    customer_person: int
    backups: list
    escalation: list
    ceiling: int | None
    zone: str
    in_force_from: int | None  # epoch seconds
    in_force_until: int | None
    created_at: int


@dataclass
class ProtocolPlan:
    id: int
    project: int  # index into World.projects
    account: int  # index into World.accounts
    scenario: str
    label: str  # the cadence, for the mix
    behaviour: str
    versions: list = field(default_factory=list)
    activations: list = field(default_factory=list)  # (start, end or None)
    incidents: list = field(default_factory=list)  # start times
    # (start, end, natural count) of touchpoints; replaced by integer counts once scaled
    segments: list = field(default_factory=list)
    # (incident start, response hours, natural count)
    responses: list = field(default_factory=list)

    @property
    def current(self) -> VersionPlan:
        return next(v for v in reversed(self.versions) if v.status == "agreed")

    def in_force_now(self) -> bool:
        current = self.current
        if current.in_force_from is None or current.in_force_from > NOW_TS:
            return False
        if self.scenario == "escalation":
            return any(end is None and start <= NOW_TS for start, end in self.activations)
        return True


def weighted(rng, choices):
    return rng.choices(choices, weights=[c[-1] for c in choices])[0]


def rate_period(cadence: dict) -> float:
    """Seconds between expected contacts under a periodic cadence."""
    length = cadence["every"] * UNIT_SECONDS[cadence["unit"]]
    return length / max(1, len(cadence.get("weekdays") or ()))


def segments_of(version: VersionPlan, start: int, end: int, density: float):
    """(start, end, natural count) per phase of `version` over [start, end)."""
    phases = [(p["cadence"], p["days"]) for p in version.phases]
    if version.cadence is not None:
        phases.append((version.cadence, None))
    cursor = start
    for cadence, days in phases:
        if cursor >= end:
            return
        phase_end = end if days is None else min(end, cursor + days * DAY)
        if "respond_within_hours" not in cadence:
            yield (cursor, phase_end, (phase_end - cursor) / rate_period(cadence) * density)
        cursor = phase_end


class World:
    """The directory, made through mediation.directory: a few hundred calls."""

    def __init__(self, clock, customers: int):
        c = clock
        supplier = directory.create_organization(None, c, name="Northwind Systems", kind="supplier")
        self.supplier_id = supplier.id
        self.admin = directory.create_person(None, c, email="ada@northwind.example", name="Ada Admin",
                                             organization_id=supplier.id, roles=("admin",))
        self.managers = [
            directory.create_person(None, c, email=f"manager{i}@northwind.example", name=f"Manager {i}",
                                    organization_id=supplier.id, roles=("account_manager", "point_person"))
            for i in range(ACCOUNT_MANAGERS)
        ]
        engineers = [
            directory.create_person(None, c, email=f"engineer{i}@northwind.example", name=f"Engineer {i}",
                                    organization_id=supplier.id, roles=("point_person",))
            for i in range(SUPPLIER_ENGINEERS)
        ]
        self.supplier_people = [p.id for p in self.managers + engineers]
        self.accounts = []  # (account id, customer org id, manager id, customer people ids)
        self.customer_people = []
        for n in range(customers):
            name = CUSTOMERS[n] if n < len(CUSTOMERS) else f"Customer {n}"
            org = directory.create_organization(None, c, name=name, kind="customer")
            slug = name.split()[0].lower().replace("'", "")
            people = [
                directory.create_person(None, c, email=f"contact{i}@{slug}{n}.example", name=f"{name} contact {i}",
                                        organization_id=org.id, roles=("point_person",))
                for i in range(PEOPLE_PER_CUSTOMER)
            ]
            manager = self.managers[n % len(self.managers)]
            account = directory.create_account(None, c, name=f"{name} account", supplier_id=supplier.id,
                                               customer_id=org.id, manager_ids=[manager.id])
            self.accounts.append((account.id, org.id, manager.id, [p.id for p in people]))
            self.customer_people.append(people)
        self.projects = []  # (account index) per project; ids are assigned in bulk
        self.first_project_id = None


def plan_protocols(world: World, count: int, rng: random.Random) -> list[ProtocolPlan]:
    plans: list[ProtocolPlan] = []
    behaviours = [(name, weight) for name, (weight, _) in BEHAVIOURS.items()]
    while len(plans) < count:
        project = len(world.projects)
        account = rng.randrange(len(world.accounts))
        world.projects.append(account)
        scenarios = [s for s, (odds, _) in SCENARIO_ODDS.items() if rng.random() < odds]
        for scenario in scenarios:
            if len(plans) == count:
                break
            behaviour = weighted(rng, behaviours)[0]
            plan = ProtocolPlan(id=len(plans) + 1, project=project, account=account, scenario=scenario,
                                label="", behaviour=behaviour)
            _plan_versions(plan, world, rng)
            _plan_contact(plan, rng)
            plans.append(plan)
    return plans


def _terms(plan: ProtocolPlan, rng: random.Random, recent: bool):
    """(label, cadence, phases) for a new version of `plan`."""
    if plan.scenario == "onboarding" and not recent:
        label, phases, cadence, _ = weighted(rng, TAPERS)
        return label, cadence, phases
    if plan.scenario == "onboarding":
        return "weekly (after a taper)", WEEKLY, []
    if plan.scenario == "incident":
        hours = rng.choice(RESPONSE_HOURS)
        return f"respond within {hours} h", {"respond_within_hours": hours}, []
    label, cadence, _ = weighted(rng, CADENCES[plan.scenario])
    return label, cadence, []


def _plan_versions(plan: ProtocolPlan, world: World, rng: random.Random) -> None:
    account_id, _, manager, customer_people = world.accounts[plan.account]
    onboarding = plan.scenario == "onboarding"
    # onboarding protocols are younger, so some are still in their taper
    age = rng.uniform(3, 150) if onboarding else rng.triangular(20, 365, 365)
    start = NOW_TS - int(age * DAY)
    switches = [start]
    if age > 40 and rng.random() < 0.2:  # re-agreed once
        switches.append(start + int(rng.uniform(10 * DAY, (age - 5) * DAY)))
    zone = rng.choice(ZONES)
    channel = SCENARIO_ODDS[plan.scenario][1]
    for number, since in enumerate(switches, 1):
        label, cadence, phases = _terms(plan, rng, recent=number > 1)
        until = switches[number] if number < len(switches) else None
        backups = (rng.sample(world.supplier_people, rng.choice((0, 0, 1)))
                   + rng.sample(customer_people, rng.choice((0, 1))))
        plan.versions.append(VersionPlan(
            number=number, status="superseded" if until else "agreed", cadence=cadence, phases=phases,
            channel=channel if rng.random() < 0.9 else rng.choice(CHANNELS),
            supplier_person=rng.choice(world.supplier_people), customer_person=rng.choice(customer_people),
            backups=sorted(backups),
            escalation=[{"person_id": manager, "respond_within_hours": 8},
                        {"person_id": world.admin.id, "respond_within_hours": 24}] if plan.scenario in (
                            "incident", "escalation") else [],
            ceiling=3 if rng.random() < 0.1 else None, zone=zone, in_force_from=since, in_force_until=until,
            created_at=since - 2 * DAY,
        ))
        plan.label = label
    if rng.random() < 0.05:  # a change under discussion
        current = plan.versions[-1]
        plan.versions.append(VersionPlan(
            number=len(plan.versions) + 1, status=rng.choice(("draft", "proposed")), cadence=current.cadence,
            phases=current.phases, channel=current.channel, supplier_person=current.supplier_person,
            customer_person=current.customer_person, backups=current.backups, escalation=current.escalation,
            ceiling=current.ceiling, zone=current.zone, in_force_from=None, in_force_until=None,
            created_at=NOW_TS - int(rng.uniform(1, 10) * DAY),
        ))


def _plan_contact(plan: ProtocolPlan, rng: random.Random) -> None:
    """Activations, incidents and the natural touchpoint counts of `plan`."""
    first = plan.versions[0].in_force_from
    density = BEHAVIOURS[plan.behaviour][1]
    stop = NOW_TS
    if plan.behaviour == "quiet lately":
        stop = NOW_TS - int(rng.uniform(10, 45) * DAY)
    if plan.scenario == "escalation":
        cursor = first + int(rng.uniform(0, 60) * DAY)
        while cursor < NOW_TS - 40 * DAY and rng.random() < 0.7:
            length = int(rng.uniform(3, 30) * DAY)
            plan.activations.append((cursor, cursor + length))
            cursor += length + int(rng.uniform(20, 120) * DAY)
        if rng.random() < 0.25:
            opened = NOW_TS - int(rng.uniform(1, 20) * DAY) - HOUR
            plan.activations.append((max(opened, first + HOUR), None))
    for version in plan.versions:
        if version.in_force_from is None:
            continue
        v_start, v_end = version.in_force_from, min(version.in_force_until or stop, stop)
        if plan.scenario == "incident":
            hours = version.cadence["respond_within_hours"]
            moment = v_start + int(rng.expovariate(1 / (14 * DAY)))
            while moment < min(version.in_force_until or NOW_TS, NOW_TS) - 12 * HOUR:
                plan.incidents.append(moment)
                plan.responses.append((moment, hours, rng.choice((1, 2, 3, 4)) * (0 if moment > stop else 1)))
                moment += int(rng.expovariate(1 / (14 * DAY)))
            continue
        spans = [(v_start, v_end)]
        if plan.scenario == "escalation":
            spans = [(max(v_start, a), min(v_end, b or stop)) for a, b in plan.activations]
        for lo, hi in spans:
            if lo < hi:
                # phases count from the start of the span: the version's, or the activation's
                plan.segments.extend(segments_of(version, lo, hi, density))
    if plan.scenario == "incident" and rng.random() < 0.3:  # one in the last hours
        hours = plan.current.cadence["respond_within_hours"]
        moment = NOW_TS - int(rng.uniform(0.2, 1.5) * hours * HOUR)
        plan.incidents.append(moment)
        plan.responses.append((moment, hours, rng.choice((0, 0, 1, 2))))


def scale_touchpoints(plans: list[ProtocolPlan], total: int) -> float:
    """Turn natural counts into integers summing to exactly `total`; return the factor."""
    natural = sum(n for p in plans for *_, n in p.segments) + sum(n for p in plans for *_, n in p.responses)
    factor = total / natural if natural else 0.0
    accumulated, emitted = 0.0, 0
    for plan in plans:
        scaled_segments = []
        for start, end, n in plan.segments:
            accumulated += n * factor
            count = round(accumulated) - emitted
            emitted += count
            scaled_segments.append((start, end, count))
        plan.segments = scaled_segments
        scaled_responses = []
        for start, hours, n in plan.responses:
            accumulated += n * factor
            count = round(accumulated) - emitted
            emitted += count
            scaled_responses.append((start, hours, count))
        plan.responses = scaled_responses
    if emitted != total:  # float rounding at the very end
        for plan in reversed(plans):
            if plan.segments:
                start, end, count = plan.segments[-1]
                plan.segments[-1] = (start, end, max(0, count + total - emitted))
                break
    return factor


# --- writing it ---------------------------------------------------------------------------


def aware(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)


EPOCH_NAIVE = datetime(1970, 1, 1)


def naive_text(ts: int) -> str:
    """A UTC moment as UTCDateTimeField stores it on SQLite."""
    return str(EPOCH_NAIVE + timedelta(seconds=ts))


def insert_chunks(model, fields, rows, chunk=500) -> None:
    with database.atomic():
        for i in range(0, len(rows), chunk):
            model.insert_many(rows[i:i + chunk], fields=fields).execute()


class Writer:
    """Materializes plans [lo, hi) with their projects, disputes and touchpoints."""

    def __init__(self, world: World, rng: random.Random, peewee_touchpoints: bool, progress_every: int):
        self.world = world
        self.rng = rng
        self.peewee_touchpoints = peewee_touchpoints
        self.progress_every = progress_every
        self.projects_written = 0
        self.next_version_id = 1
        self.next_dispute_id = 1
        self.touchpoints_written = 0
        touchpoint_columns = [Touchpoint.protocol, Touchpoint.occurred_at, Touchpoint.channel,
                              Touchpoint.supplier_person, Touchpoint.customer_person, Touchpoint.summary,
                              Touchpoint.logged_by, Touchpoint.created_at]
        self.touchpoint_fields = touchpoint_columns
        names = ", ".join(f'"{f.column_name}"' for f in touchpoint_columns)
        marks = ", ".join("?" for _ in touchpoint_columns)
        self.touchpoint_sql = f'INSERT INTO "{Touchpoint._meta.table_name}" ({names}) VALUES ({marks})'

    def project_id(self, index: int) -> int:
        return self.world.first_project_id + index

    def write(self, plans: list[ProtocolPlan], target_touchpoints: int, started: float) -> None:
        world = self.world
        needed = max(p.project for p in plans) + 1
        if needed > self.projects_written:
            rows = [(f"Project {i + 1}", world.accounts[world.projects[i]][0], True, aware(NOW_TS - 400 * DAY))
                    for i in range(self.projects_written, needed)]
            insert_chunks(Project, [Project.name, Project.account, Project.active, Project.created_at], rows)
            if world.first_project_id is None:
                world.first_project_id = Project.select(Project.id).order_by(Project.id).first().id
            self.projects_written = needed

        protocol_rows, version_rows, ack_rows, dispute_rows, activation_rows, incident_rows = [], [], [], [], [], []
        for plan in plans:
            account_id, customer_org, manager, _ = world.accounts[plan.account]
            project_id = self.project_id(plan.project)
            protocol_rows.append((plan.id, project_id, plan.scenario, 1 + 3 * len(plan.versions), manager,
                                  aware(plan.versions[0].created_at)))
            for v in plan.versions:
                version_id = self.next_version_id
                self.next_version_id += 1
                version_rows.append((
                    version_id, plan.id, v.number, v.status, v.cadence, v.phases, v.channel, v.supplier_person,
                    v.customer_person, v.backups, "Status, open issues, next steps.", v.escalation, v.ceiling,
                    v.zone, aware(v.in_force_from) if v.number > 1 else None, aware(v.in_force_from),
                    aware(v.in_force_until), manager, aware(v.created_at),
                ))
                if v.in_force_from is not None:
                    ack_rows.append((version_id, v.supplier_person, world.supplier_id, aware(v.in_force_from - HOUR)))
                    ack_rows.append((version_id, v.customer_person, customer_org, aware(v.in_force_from)))
            for start, end in plan.activations:
                dispute_id = self.next_dispute_id
                self.next_dispute_id += 1
                state = "story_gathering" if end is None else "resolved"
                dispute_rows.append((dispute_id, f"Dispute {dispute_id}", "Invoice disagreement.", account_id,
                                     project_id, "high", state, 3, manager, aware(start),
                                     aware(end or start), aware(end or start)))
                activation_rows.append((plan.id, dispute_id, aware(start), aware(end)))
            for moment in plan.incidents:
                incident_rows.append((plan.id, aware(moment), "Service degraded.", plan.current.customer_person,
                                      aware(moment + 600)))
        insert_chunks(Protocol, [Protocol.id, Protocol.project, Protocol.scenario, Protocol.version,
                                 Protocol.created_by, Protocol.created_at], protocol_rows)
        V = ProtocolVersion
        insert_chunks(V, [V.id, V.protocol, V.number, V.status, V.cadence, V.phases, V.channel,
                          V.supplier_point_person, V.customer_point_person, V.backup_ids, V.agenda, V.escalation,
                          V.max_contacts_per_window, V.timezone, V.effective_from, V.in_force_from,
                          V.in_force_until, V.created_by, V.created_at], version_rows)
        insert_chunks(Acknowledgement, [Acknowledgement.version, Acknowledgement.person,
                                        Acknowledgement.organization, Acknowledgement.created_at], ack_rows)
        D = Dispute
        insert_chunks(D, [D.id, D.title, D.summary, D.account, D.project, D.severity, D.state, D.version,
                          D.opened_by, D.created_at, D.updated_at, D.state_changed_at], dispute_rows)
        insert_chunks(EscalationActivation, [EscalationActivation.protocol, EscalationActivation.dispute,
                                             EscalationActivation.started_at, EscalationActivation.ended_at],
                      activation_rows)
        insert_chunks(Incident, [Incident.protocol, Incident.started_at, Incident.summary, Incident.reported_by,
                                 Incident.created_at], incident_rows)
        progress(f"  {len(plans):,} protocols, {len(version_rows):,} versions, {len(ack_rows):,} acknowledgements, "
                 f"{len(activation_rows):,} escalation activations, {len(incident_rows):,} incidents "
                 f"({time.perf_counter() - started:.1f} s)")
        self.write_touchpoints(plans, target_touchpoints, started)

    def write_touchpoints(self, plans, target: int, started: float) -> None:
        rng = self.rng
        world = self.world
        batch: list[tuple] = []
        flush_at = 50_000
        next_report = self.touchpoints_written + self.progress_every
        for plan in plans:
            current = plan.current
            supplier_people = world.supplier_people
            customer_people = world.accounts[plan.account][3]
            times = []
            for start, end, count in plan.segments:
                step = (end - start) / count if count else 0
                for j in range(count):
                    times.append(int(start + (j + rng.uniform(0.15, 0.85)) * step))
            for start, hours, count in plan.responses:
                for j in range(count):
                    # the first within 20%..130% of the response time; the rest within three times it
                    delay = rng.uniform(0.2, 1.3) if j == 0 else rng.uniform(0.5, 3.0)
                    times.append(min(NOW_TS - 60, start + int(delay * hours * HOUR)))
            times.sort()
            for moment in times:
                channel = current.channel if rng.random() < 0.92 else rng.choice(CHANNELS)
                supplier = current.supplier_person if rng.random() < 0.9 else rng.choice(supplier_people)
                customer = current.customer_person if rng.random() < 0.9 else rng.choice(customer_people)
                created = min(NOW_TS, moment + 900)
                batch.append((plan.id, moment, channel, supplier, customer, rng.choice(SUMMARIES), supplier,
                              created))
            if len(batch) >= flush_at:
                self.flush(batch)
                batch = []
                if self.touchpoints_written >= next_report:
                    progress(f"  touchpoints {self.touchpoints_written:>11,} / {target:,}  "
                             f"({time.perf_counter() - started:.1f} s)")
                    next_report = self.touchpoints_written + self.progress_every
        self.flush(batch)

    def flush(self, batch) -> None:
        if not batch:
            return
        if self.peewee_touchpoints:
            rows = [(p, aware(t), ch, s, c, summary, by, aware(cr)) for p, t, ch, s, c, summary, by, cr in batch]
            insert_chunks(Touchpoint, self.touchpoint_fields, rows, chunk=2_000)
        else:
            # peewee's connection, the model's table and columns, the field's storage format;
            # without building a peewee query per chunk (six times faster for a million rows)
            rows = [(p, naive_text(t), ch, s, c, summary, by, naive_text(cr))
                    for p, t, ch, s, c, summary, by, cr in batch]
            with database.atomic():
                database.connection().executemany(self.touchpoint_sql, rows)
        self.touchpoints_written += len(batch)


# --- measuring ----------------------------------------------------------------------------


class CountingQueries:
    """Counts the SQL statements run through the database's execute_sql while active."""

    def __init__(self, db):
        self.db = db
        self.count = 0
        self.statements: list[str] = []

    def __enter__(self):
        original = type(self.db).execute_sql.__get__(self.db)

        def counting(sql, params=None, *args, **kwargs):
            self.count += 1
            self.statements.append(sql)
            return original(sql, params, *args, **kwargs)

        self.db.execute_sql = counting
        return self

    def __exit__(self, *exc):
        del self.db.execute_sql
        return False


@dataclass
class Measure:
    caller: str
    protocols: int
    rows: int
    expected_rows: int
    seconds: list
    cpu: list
    queries: list
    statuses: Counter
    statements: list

    @property
    def first(self) -> float:
        return self.seconds[0]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def query_count(self) -> int:
        return max(self.queries)


def measure(caller: str, actor: Actor, clock, repeat: int, protocols: int, expected_rows: int) -> Measure:
    db = database.obj
    seconds, cpu, queries = [], [], []
    rows, statements = [], []
    for _ in range(repeat):
        rows = None
        with CountingQueries(db) as counter:
            started, started_cpu = time.perf_counter(), time.process_time()
            rows = board.board(actor, clock)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        queries.append(counter.count)
        statements = counter.statements
    return Measure(caller, protocols, len(rows), expected_rows, seconds, cpu, queries,
                   Counter(entry.compliance.status for entry in rows), statements)


def report_measure(m: Measure) -> None:
    statuses = ", ".join(f"{m.statuses.get(s, 0):,} {s}" for s in ("overdue", "over_communicating",
                                                                   "due_soon", "on_track"))
    check = "ok" if m.rows == m.expected_rows else f"MISMATCH, {m.expected_rows:,} in force"
    runs = " ".join(f"{s:.3f}" for s in m.seconds)
    progress(f"  {m.caller:<28} {m.protocols:>7,} protocols: board {m.median:7.3f} s median "
             f"(runs {runs}; CPU {m.cpu_median:.3f} s), {m.query_count} queries, "
             f"{m.rows:,} rows ({check}): {statuses}")


def progress(message: str) -> None:
    print(message, flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def profile_board(actor, clock, top: int) -> str:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    board.board(actor, clock)
    profiler.disable()
    wall = time.perf_counter() - started
    out = io.StringIO()
    out.write(f"cProfile of one board as the administrator ({wall:.2f} s under the profiler)\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocols", type=int, default=None,
                        help="protocols at full size (default 10000, or 1000 with --quick)")
    parser.add_argument("--touchpoints", type=int, default=None,
                        help="touchpoints at full size (default 1000000, or 100000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a short run (1,000 protocols, 100,000 touchpoints)")
    parser.add_argument("--small", type=int, default=100, help="protocols of the first measurement (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="board runs per caller and size (default 3)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the generated data")
    parser.add_argument("--peewee-inserts", action="store_true",
                        help="insert touchpoints with Model.insert_many too (about six times slower)")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of one full-size board as the administrator")
    parser.add_argument("--keep", metavar="DIR",
                        help="put the database in DIR and keep it, instead of a temporary directory")
    args = parser.parse_args(argv)
    total_protocols = args.protocols if args.protocols is not None else (1_000 if args.quick else 10_000)
    total_touchpoints = args.touchpoints if args.touchpoints is not None else (100_000 if args.quick else 1_000_000)
    small = args.small
    if small < 1 or total_protocols < small:
        parser.error("--protocols must be at least --small, and --small at least 1")
    if total_touchpoints < 0 or args.repeat < 1:
        parser.error("--touchpoints must be >= 0 and --repeat >= 1")

    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        workdir, cleanup = args.keep, None
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(os.path.join(workdir, "compliance.sqlite3" + suffix)):
                os.remove(os.path.join(workdir, "compliance.sqlite3" + suffix))
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="accord-bench-")
        workdir = cleanup.name
    path = os.path.join(workdir, "compliance.sqlite3")
    clock = ManualClock(NOW)
    rng = random.Random(args.seed)
    measures: dict[tuple[str, int], Measure] = {}
    profile_text = None

    try:
        open_database(f"sqlite:///{path}")
        install_outreach()
        migrate(clock, plans=ALL_PLANS)
        pragmas = {
            name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
        wall_start = time.perf_counter()
        load_start = os.getloadavg()
        progress(f"generating {total_protocols:,} protocols and {total_touchpoints:,} touchpoints "
                 f"on {path} (now = {NOW.isoformat()})")
        customers = min(len(CUSTOMERS), max(2, total_protocols // 50))
        world = World(clock, customers)
        admin = Actor.of(world.admin)
        contoso_person = world.customer_people[0][0]
        customer = Actor.of(contoso_person)
        progress(f"  directory: 1 supplier, {customers} customers, "
                 f"{1 + len(world.supplier_people) + customers * PEOPLE_PER_CUSTOMER} people, "
                 f"{customers} accounts ({time.perf_counter() - wall_start:.1f} s)")
        plans = plan_protocols(world, total_protocols, rng)
        factor = scale_touchpoints(plans, total_touchpoints)
        progress(f"  planned {len(plans):,} protocols on {len(world.projects):,} projects; touchpoint density "
                 f"x{factor:.2f} of what the cadences ask for ({time.perf_counter() - wall_start:.1f} s)")
        writer = Writer(world, rng, args.peewee_inserts, progress_every=100_000)

        def expected(upto, account_index=None):
            return sum(1 for p in plans[:upto] if p.in_force_now()
                       and (account_index is None or p.account == account_index))

        stages = [small] if small == total_protocols else [small, total_protocols]
        done = 0
        for size in stages:
            target = sum(c for p in plans[:size] for *_, c in p.segments + p.responses)
            progress(f"writing protocols {done + 1:,}..{size:,} with {target - writer.touchpoints_written:,} "
                     f"touchpoints")
            writer.write(plans[done:size], target, wall_start)
            done = size
            # checkpoint so the WAL does not hold the whole data set when the board reads it
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            progress(f"measuring the board at {size:,} protocols, {writer.touchpoints_written:,} touchpoints "
                     f"({time.perf_counter() - wall_start:.1f} s)")
            for caller, actor, account_index in (("supplier admin", admin, None),
                                                 (f"{CUSTOMERS[0]} point person", customer, 0)):
                m = measure(caller, actor, clock, args.repeat, size, expected(size, account_index))
                measures[(caller.split()[0], size)] = m
                report_measure(m)
        generated = {
            "projects": Project.select().count(),
            "protocols": Protocol.select().count(),
            "versions": ProtocolVersion.select().count(),
            "touchpoints": Touchpoint.select().count(),
            "incidents": Incident.select().count(),
            "activations": EscalationActivation.select().count(),
        }
        mix = Counter(f"{p.scenario}: {p.label}" for p in plans)
        behaviours = Counter(p.behaviour for p in plans)
        if args.profile:
            progress("profiling one full-size board as the administrator")
            profile_text = profile_board(admin, clock, 30)
        db_mib = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p)) / (1024 * 1024)
        wall = time.perf_counter() - wall_start
    finally:
        if not database.is_closed():
            database.close()
        if cleanup is not None:
            cleanup.cleanup()

    full = total_protocols
    print()
    print("Accord compliance board benchmark")
    load_end = os.getloadavg()
    print(f"  machine       {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"load average {load_start[0]:.2f} at start, {load_end[0]:.2f} at end (above {os.cpu_count()}: other "
          f"work competed for the CPUs, and wall times exceed CPU times)")
    print(f"  database      SQLite file, journal_mode={pragmas['journal_mode']} synchronous={pragmas['synchronous']} "
          f"foreign_keys={pragmas['foreign_keys']}; {db_mib:.1f} MiB; {wall:.1f} s to generate and measure")
    print(f"  data          {generated['protocols']:,} protocols on {generated['projects']:,} projects of "
          f"{customers} customer accounts, {generated['versions']:,} versions, {generated['touchpoints']:,} "
          f"touchpoints, {generated['incidents']:,} incidents, {generated['activations']:,} escalation activations")
    print("  cadence mix   " + "; ".join(f"{label} {n:,}" for label, n in sorted(mix.items())))
    print("  behaviour     " + ", ".join(f"{name} {n:,}" for name, n in behaviours.most_common()))
    print()
    print(f"  {'figure':<58}{'measured':>14}   {'target':<22}result")
    failed = []
    for key, caller in (("supplier", "supplier admin"), (CUSTOMERS[0].split()[0], f"{CUSTOMERS[0]} point person")):
        for size in stages:
            m = measures[(key, size)]
            name = f"{caller}, {size:,} protocols: board, median of {len(m.seconds)}"
            if key == "supplier" and size == full:
                ok = m.median < TARGET_BOARD_SECONDS
                print(f"  {name:<58}{m.median:>12.3f} s   {'< ' + str(TARGET_BOARD_SECONDS) + ' s':<22}{verdict(ok)}")
                if not ok:
                    failed.append("board time")
            else:
                print(f"  {name:<58}{m.median:>12.3f} s")
            print(f"  {'  first run':<58}{m.first:>12.3f} s")
            print(f"  {'  CPU time of the process, median':<58}{m.cpu_median:>12.3f} s")
            print(f"  {'  rows (in force now, visible to the caller)':<58}{m.rows:>14,}")
            print(f"  {'  SQL queries':<58}{m.query_count:>14}")
        if len(stages) == 2:
            small_q, full_q = measures[(key, small)].query_count, measures[(key, full)].query_count
            ok = small_q == full_q and len(set(measures[(key, small)].queries + measures[(key, full)].queries)) == 1
            name = f"{caller}: queries at {small:,} vs {full:,} protocols"
            print(f"  {name:<58}{f'{small_q} vs {full_q}':>14}   {'the same':<22}{verdict(ok)}")
            if not ok:
                failed.append(f"query count ({caller})")
    print()
    print("  queries of the full-size board (supplier admin):")
    for sql in measures[("supplier", full)].statements:
        print(f"    {sql[:150]}{' ...' if len(sql) > 150 else ''}")
    if profile_text:
        print()
        print(profile_text)
    print()
    if failed:
        print(f"  FAIL: target(s) missed: {', '.join(failed)}")
    else:
        print("  PASS: every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
