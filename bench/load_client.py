"""The load's clients: many at once on loopback, each running dispute journeys through the
JSON API as the people of one customer account would, with deliberate conflicts.

Every write carries a marker of its own ("[m0000042]") in a title, a text or a summary
where it has one, and is remembered with the answer it got: the checks afterwards look
for each in the database.
"""

import asyncio
import itertools
import json
import random
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import aiohttp

from load_world import Caller
from load_world import Lane
from load_world import World

API = "/api/v1"
PROBLEM_PREFIX = "urn:accord:problem:"
SEVERITIES = ("low", "medium", "high", "critical")
STORY_ATTEMPTS = 20
MAX_BROKEN = 50  # journeys that went wrong before the clients give up


@dataclass(frozen=True)
class Sample:
    """One request: its kind, its status (with the problem type of an error) and latency."""

    kind: str
    status: str
    seconds: float


@dataclass
class Write:
    """One write a client sent, and what it was told."""

    kind: str
    subject_id: int | None  # the dispute (the protocol for a touchpoint)
    status: str
    version: int | None = None  # the dispute's version the answer reported
    marker: str | None = None
    trigger: str | None = None
    parties: int = 0  # people named as parties when opening

    @property
    def ok(self) -> bool:
        return self.status.startswith("2")


@dataclass
class Race:
    """Writes sent at the same moment against the same dispute version: one wins."""

    kind: str
    writes: list[Write]


@dataclass
class Recorded:
    samples: list[Sample] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    races: list[Race] = field(default_factory=list)
    completed: int = 0
    broken: list[str] = field(default_factory=list)
    started_at: float = 0.0
    ended_at: float = 0.0
    cpu_seconds: float = 0.0  # this process's, to show how much the clients took from the server

    @property
    def seconds(self) -> float:
        return self.ended_at - self.started_at


class Broken(Exception):
    """An answer a journey cannot go on from; the checks report it."""


async def together(*awaitables):
    """Run all at once and wait for every one, then raise the first failure if any."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


class Clients:
    """The clients of one phase, sharing one connection pool and one record."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, world: World):
        self.session = session
        self.base = base_url + API
        self.world = world
        self.record = Recorded()
        self._markers = itertools.count(1)
        self._journeys = itertools.count()

    def marker(self) -> str:
        return f"[m{next(self._markers):07d}]"

    async def call(self, kind: str, method: str, path: str, caller: Caller, body=None) -> tuple[str, dict]:
        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base + path, json=body, headers={"Authorization": f"Bearer {caller.token}"}
            ) as response:
                raw = await response.read()
                code = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            self.record.samples.append(Sample(kind, f"error {type(error).__name__}", time.perf_counter() - started))
            raise Broken(f"{method} {path}: {type(error).__name__}: {error}") from None
        seconds = time.perf_counter() - started
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError:
            data = {"type": "not-json"}
        status = str(code)
        if code >= 400:
            status += " " + str(data.get("type", "")).removeprefix(PROBLEM_PREFIX)
        self.record.samples.append(Sample(kind, status, seconds))
        return status, data

    async def read(self, kind: str, path: str, caller: Caller) -> dict:
        status, data = await self.call(kind, "GET", path, caller)
        if status != "200":
            raise Broken(f"GET {path}: {status}")
        return data

    async def write(self, kind: str, request_kind: str, path: str, caller: Caller, body: dict, *,
                    subject_id: int | None, marker: str | None = None) -> tuple[Write, dict]:
        status, data = await self.call(request_kind, "POST", path, caller, body)
        version = data.get("dispute_version", data.get("version")) if status.startswith("2") else None
        record = Write(kind, subject_id, status, version, marker, body.get("trigger"))
        self.record.writes.append(record)
        return record, data

    async def contest(self, kind: str, path: str, dispute_id: int, entries) -> dict:
        """Send every (caller, body, marker) at once, in a random order so that nobody is
        always first; exactly one must win. The winner's answer."""
        entries = random.sample(entries, len(entries))
        answers = await together(*(
            self.write(kind, f"POST .../{path.rsplit('/', 1)[1]}", path, caller, body,
                       subject_id=dispute_id, marker=marker)
            for caller, body, marker in entries
        ))
        self.record.races.append(Race(kind, [write for write, _ in answers]))
        winners = [data for write, data in answers if write.ok]
        if len(winners) != 1:
            raise Broken(f"{kind} race on dispute {dispute_id}: {len(winners)} winners, "
                         f"statuses {[write.status for write, _ in answers]}")
        return winners[0]

    async def tell(self, dispute_id: int, caller: Caller, party_id: int, version: int | None) -> None:
        """A story. One sent against a version that someone changed meanwhile is refused
        (409): read the dispute again and tell it again, with a new marker."""
        path = f"/disputes/{dispute_id}"
        for _ in range(STORY_ATTEMPTS):
            marker = self.marker()
            body = {"party_id": party_id, "text": f"How it looked from here {marker}"}
            if version is not None:
                body["expected_version"] = version
            story, _ = await self.write("story", "POST .../stories", path + "/stories", caller, body,
                                        subject_id=dispute_id, marker=marker)
            if story.ok:
                return
            if story.status != "409 stale-version":
                raise Broken(f"story on dispute {dispute_id}: {story.status}")
            version = (await self.read("GET /disputes/{id}", path, caller))["version"]
        raise Broken(f"story on dispute {dispute_id} refused {STORY_ATTEMPTS} times")

    async def journey(self, lane: Lane, n: int) -> None:
        """One dispute from intake to resolved (or withdrawn), then contact on the account."""
        manager, lead, colleague, admin = lane.manager, lane.lead, lane.colleague, self.world.admin
        marker = self.marker()
        opened, data = await self.write("open", "POST /disputes", "/disputes", manager, {
            "title": f"Hours above the cap {marker}",
            "summary": "The invoice bills more hours than the statement of work allows.",
            "account_id": lane.account_id, "project_id": lane.project_ids[n % 2],
            "severity": SEVERITIES[n % 4], "party_ids": [lane.engineer.id, lead.id], "co_mediator_id": lead.id,
        }, subject_id=None, marker=marker)
        if opened.status != "201":
            raise Broken(f"open: {opened.status}")
        dispute_id = opened.subject_id = data["id"]
        opened.parties = 2
        path = f"/disputes/{dispute_id}"
        added, data = await self.write("party", "POST .../parties", path + "/parties", manager,
                                       {"person_id": colleague.id, "expected_version": data["version"]},
                                       subject_id=dispute_id)
        if added.status != "201":
            raise Broken(f"party on dispute {dispute_id}: {added.status}")

        # Three people move it on at once from the same version; now and then the
        # administrator withdraws it instead.
        version = data["version"]
        transitions = path + "/transitions"
        third = {"trigger": "gather_stories", "expected_version": version}
        withdrawal = None
        if n % 8 == 3:
            withdrawal = self.marker()
            third = {"trigger": "withdraw", "expected_version": version, "reason": f"Settled by phone {withdrawal}"}
        data = await self.contest("transition", transitions, dispute_id, [
            (manager, {"trigger": "gather_stories", "expected_version": version}, None),
            (lead, {"trigger": "gather_stories", "expected_version": version}, None),
            (admin, third, withdrawal),
        ])
        if data["state"] == "withdrawn":
            return
        await self.read("GET .../history", path + "/history", lead)

        # The lead and the manager (for the engineer) tell stories against the version they
        # saw, while the colleague tells his without one: a refused story is told again.
        await together(
            self.tell(dispute_id, lead, lead.id, data["version"]),
            self.tell(dispute_id, manager, lane.engineer.id, data["version"]),
            self.tell(dispute_id, colleague, colleague.id, None),
        )
        version = (await self.read("GET /disputes/{id}", path, manager))["version"]
        data = await self.contest("transition", transitions, dispute_id, [
            (caller, {"trigger": "generate_options", "expected_version": version}, None)
            for caller in (manager, lead)
        ])
        version = data["version"]
        option_ids = []
        for summary, to_supplier, to_customer in (("Bill the cap now, credit the rest", 2, 3),
                                                   ("Waive the extra hours", -2, 4)):
            marker = self.marker()
            option, data = await self.write("option", "POST .../options", path + "/options", manager, {
                "summary": f"{summary} {marker}", "value_to_supplier": to_supplier,
                "value_to_customer": to_customer, "expected_version": version,
            }, subject_id=dispute_id, marker=marker)
            if option.status != "201":
                raise Broken(f"option on dispute {dispute_id}: {option.status}")
            option_ids.append(data["id"])
            version = data["dispute_version"]
        await self.contest("transition", transitions, dispute_id, [
            (caller, {"trigger": "start_resolution", "expected_version": version}, None)
            for caller in (manager, admin)
        ])

        # The manager accepts for Northwind while the lead and the colleague both accept
        # for the customer: one of the two is told the customer already has.
        accept = {"option_id": option_ids[0]}
        (supplier, _), _ = await together(
            self.write("acceptance", "POST .../acceptances", path + "/acceptances", manager, accept,
                       subject_id=dispute_id),
            self.contest("acceptance", path + "/acceptances", dispute_id,
                         [(lead, accept, None), (colleague, accept, None)]),
        )
        if supplier.status != "201":
            raise Broken(f"acceptance on dispute {dispute_id}: {supplier.status}")
        version = (await self.read("GET /disputes/{id}", path, lead))["version"]
        entries = []
        for caller in (manager, admin, lead):
            marker = self.marker()
            entries.append((caller, {"trigger": "resolve", "expected_version": version, "option_id": option_ids[0],
                                     "summary": f"Cap billed, the rest credited {marker}"}, marker))
        await self.contest("transition", transitions, dispute_id, entries)
        await self.read("GET .../history", path + "/history", self.world.auditor)
        await self.contact(lane)

    async def contact(self, lane: Lane) -> None:
        """Each company logs a touchpoint on one of the account's protocols; both read the board."""
        occurred_at = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()
        for contact, caller in zip(lane.contacts, (lane.lead, lane.manager)):
            marker = self.marker()
            touchpoint, _ = await self.write(
                "touchpoint", "POST .../touchpoints", f"/protocols/{contact.protocol_id}/touchpoints", caller, {
                    "occurred_at": occurred_at, "channel": contact.channel,
                    "supplier_person_id": contact.supplier_person_id,
                    "customer_person_id": contact.customer_person_id, "summary": f"Status call {marker}",
                }, subject_id=contact.protocol_id, marker=marker)
            if touchpoint.status != "201":
                raise Broken(f"touchpoint on protocol {contact.protocol_id}: {touchpoint.status}")
        await together(*(self.read("GET /protocols/board", "/protocols/board", caller)
                         for caller in (lane.lead, lane.manager)))

    async def client(self, index: int, deadline: float, journeys: int | None) -> None:
        lane = self.world.lanes[index % len(self.world.lanes)]
        while time.perf_counter() < deadline and len(self.record.broken) < MAX_BROKEN:
            n = next(self._journeys)
            if journeys is not None and n >= journeys:
                return
            try:
                await self.journey(lane, n)
                self.record.completed += 1
            except Broken as error:
                self.record.broken.append(str(error))

    async def run_journeys(self, clients: int, seconds: float, journeys: int | None) -> Recorded:
        """`clients` at once until `seconds` have passed (or `journeys` were started)."""
        self.record.started_at, cpu = time.perf_counter(), time.process_time()
        deadline = self.record.started_at + (seconds if journeys is None else float("inf"))
        await asyncio.gather(*(self.client(i, deadline, journeys) for i in range(clients)))
        self.record.ended_at, self.record.cpu_seconds = time.perf_counter(), time.process_time() - cpu
        return self.record

    async def run_trivial(self, clients: int, seconds: float) -> Recorded:
        """`clients` at once asking GET /me for `seconds`: the reference."""
        callers = [caller for lane in self.world.lanes for caller in (lane.manager, lane.lead)]
        self.record.started_at, cpu = time.perf_counter(), time.process_time()
        deadline = self.record.started_at + seconds

        async def ask(caller):
            while time.perf_counter() < deadline:
                await self.read("GET /me", "/me", caller)

        try:
            await together(*(ask(callers[i % len(callers)]) for i in range(clients)))
        except Broken as error:
            self.record.broken.append(str(error))
        self.record.ended_at, self.record.cpu_seconds = time.perf_counter(), time.process_time() - cpu
        return self.record
