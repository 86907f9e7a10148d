"""The client side of the crash test: a few people writing through the JSON API at once,
and a journal of every write and of what the server answered.

Each write carries a unique marker (`[write N]`) in its text, so that afterwards the
database can be searched for it. A write is sent once and never retried blindly: after a
crash, a journey reads back what landed and sends again only what did not, as a new write
with a marker of its own. So a duplicate in the database is the server's doing.
"""

import http.client
import itertools
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone

MARKER = re.compile(r"\[write (\d+)\]")
SOCKET_TIMEOUT = 30


def marker(number: int) -> str:
    return f"[write {number}]"


@dataclass
class Write:
    """One POST, from the moment it was decided until its answer (if one came)."""

    number: int
    kind: str  # opened, note, story, option, withdraw, touchpoint; transition has no marker
    round: int
    client: str
    dispute_id: int | None = None
    trigger: str | None = None
    sent: bool = False
    status: int | None = None
    body: object = None

    @property
    def marker(self) -> str:
        return marker(self.number)

    @property
    def acknowledged(self) -> bool:
        """A 2xx status line arrived: the server answers only after its commit."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def unanswered(self) -> bool:
        return self.sent and self.status is None


class Journal:
    """Every write of every client and round, numbered in one sequence."""

    def __init__(self):
        self.writes: list[Write] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, kind: str, round: int, client: str, **details) -> Write:
        with self._lock:
            write = Write(next(self._numbers), kind, round, client, **details)
            self.writes.append(write)
        return write


class ServerGone(Exception):
    """No answer: the server was killed. The client stops until the next round."""


class Refused(Exception):
    """A status other than 2xx: the journeys are valid, so this is a finding."""


class Speaker:
    """One person's keep-alive connection to the server."""

    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SOCKET_TIMEOUT)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, write: Write, path: str, body: dict) -> dict:
        """Send `write` once; its answer's body, ServerGone without one, Refused if not 2xx."""
        self._connect()
        write.sent = True
        write.status, write.body = self._exchange("POST", path, json.dumps(body))
        if not write.acknowledged:
            raise Refused(f"{write.kind} {path}: {write.status} {write.body}")
        if write.body is None:
            raise ServerGone("the answer was cut short after its status line")
        return write.body

    def get(self, path: str) -> dict:
        self._connect()
        status, body = self._exchange("GET", path, None)
        if status != 200:
            raise Refused(f"GET {path}: {status} {body}")
        return body

    def _connect(self) -> None:
        try:
            if self.connection.sock is None:
                self.connection.connect()
        except OSError as error:
            raise ServerGone(str(error)) from None

    def _exchange(self, method: str, path: str, body: str | None) -> tuple[int, object]:
        status = None
        try:
            self.connection.request(method, "/api/v1" + path, body, self.headers)
            response = self.connection.getresponse()
            status = response.status
            return status, json.loads(response.read())
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            if status is not None and method == "POST":
                return status, None  # the status line came, the body was cut short
            raise ServerGone(str(error)) from None

    def close(self) -> None:
        self.connection.close()


@dataclass
class Client:
    """A person writing for one round: one journey, one write at a time."""

    name: str
    journal: Journal
    round: int
    speaker: Speaker
    stop: threading.Event
    refusals: list

    def write(self, kind: str, path: str, body: dict, **details) -> dict:
        write = self.journal.new(kind, self.round, self.name, **details)
        return self.speaker.post(write, path, _with_marker(body, write.marker))

    def run(self, journey) -> None:
        """Resume `journey` where the last crash left it, and go on until the server is gone."""
        try:
            journey.resume(self)
            while not self.stop.is_set():
                journey.step(self)
        except ServerGone:
            pass
        except Refused as refusal:
            self.refusals.append(f"{self.name}: {refusal}")
        except Exception as error:  # a thread's exception would otherwise only be printed
            self.refusals.append(f"{self.name}: {error!r}")
        finally:
            self.speaker.close()


MARKED = object()  # stands for the write's marker in a body


def _with_marker(body: dict, text: str) -> dict:
    return {key: text if value is MARKED else value for key, value in body.items()}


class DisputeJourney:
    """A dispute from opening to withdrawal: a note, the story of each party, two options.

    Kept across rounds: after a crash it reads the dispute back and goes on from what the
    server has, so an unanswered write that did land is not sent again (and every step of
    the journey is reached even though each round is short).
    """

    def __init__(self, account_id: int, party_ids: list[int], project_id: int | None):
        self.account_id, self.party_ids, self.project_id = account_id, party_ids, project_id
        self.dispute = None  # what the journey knows of its dispute: id, state, version, counts

    def resume(self, client: Client) -> None:
        if self.dispute is not None:
            self._know(client.speaker.get(f"/disputes/{self.dispute['id']}"))

    def step(self, client: Client) -> None:
        known = self.dispute
        if known is None or known["state"] == "withdrawn":
            self.dispute = None  # an opening without an answer leaves its dispute behind
            self._know(client.write("opened", "/disputes", {
                "title": MARKED, "summary": "Opened by the crash test.", "account_id": self.account_id,
                "project_id": self.project_id, "severity": "medium", "party_ids": self.party_ids,
            }))
        elif known["state"] == "intake" and not known["notes"]:
            self._record(client, "note", "/notes", {"text": MARKED, "visibility": "shared"})
            known["notes"] += 1
        elif known["state"] == "intake":
            self._fire(client, "gather_stories")
        elif known["state"] == "story_gathering" and (untold := sorted(set(self.party_ids) - known["told"])):
            self._record(client, "story", "/stories", {"party_id": untold[0], "text": MARKED})
            known["told"].add(untold[0])
        elif known["state"] == "story_gathering":
            self._fire(client, "generate_options")
        elif known["state"] == "option_generation" and known["options"] < 2:
            self._record(client, "option", "/options", {
                "summary": MARKED, "value_to_supplier": 2, "value_to_customer": 2 - 3 * known["options"],
            })
            known["options"] += 1
        else:
            self._fire(client, "withdraw", reason=MARKED)

    def _know(self, dispute: dict) -> None:
        self.dispute = {
            "id": dispute["id"], "state": dispute["state"], "version": dispute["version"],
            "notes": len(dispute["notes"]), "told": {story["party_id"] for story in dispute["stories"]},
            "options": len(dispute["options"]),
        }

    def _record(self, client: Client, kind: str, path: str, body: dict) -> None:
        dispute_id = self.dispute["id"]
        answer = client.write(kind, f"/disputes/{dispute_id}{path}", body, dispute_id=dispute_id)
        self.dispute["version"] = answer["dispute_version"]

    def _fire(self, client: Client, trigger: str, **extra) -> None:
        kind = "withdraw" if "reason" in extra else "transition"
        body = {"trigger": trigger, "expected_version": self.dispute["version"], **extra}
        path = f"/disputes/{self.dispute['id']}/transitions"
        self._know(client.write(kind, path, body, dispute_id=self.dispute["id"], trigger=trigger))


class TouchpointJourney:
    """Touchpoints logged one after another, each a minute in the past."""

    def __init__(self, protocol_id: int, supplier_id: int, customer_id: int):
        self.protocol_id, self.supplier_id, self.customer_id = protocol_id, supplier_id, customer_id

    def resume(self, client: Client) -> None:
        pass

    def step(self, client: Client) -> None:
        occurred_at = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
        client.write("touchpoint", f"/protocols/{self.protocol_id}/touchpoints", {
            "occurred_at": occurred_at, "channel": "email", "supplier_person_id": self.supplier_id,
            "customer_person_id": self.customer_id, "summary": MARKED,
        })
