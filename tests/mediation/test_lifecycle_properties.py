"""The dispute lifecycle under random use, on a real database.

A hypothesis state machine works a few disputes through `mediation.services` as random
people of all three companies (an auditor and people without any role among them). It
fires every trigger of DESIGN.md, valid or not, with random reasons, summaries, option ids
and override reasons and sometimes a stale `expected_version`; and it records stories
(told, declined, internal), options scored -5..5, acceptances, notes, parties, mediators
and commitments.

Beside the database it keeps a model of each dispute, written from DESIGN.md (and the
decisions taken since: people without a role act in their own disputes as parties, only
auditors are read-only, auditors and administrators without another role are never named
as parties or mediators, revisit and reopen clear the acceptances), not from the code. It
says whether each call must succeed and, if not, which refusals are acceptable (any of
them: the design does not order them). A worker rule pushes disputes along their life,
sometimes before they are ready, so that every guard is met and missed. After every step:

- every dispute is in a designed state, the one the model expects, at the version the
  model expects (one more per successful change, none for a refusal, a note or an
  internal story: what the customer may not read, or what no condition reads, must not
  move what the customer reads);
- every dispute's history (`ledger.history`) replays to its current state: `opened`
  starts at intake, each event starts where the one before ended, only `transition`
  events move the state, along a designed transition, and there is one event per version
  besides the notes and internal stories;
- the whole ledger verifies;
- a refused call wrote nothing (same rows in every table, no new event); a successful
  one wrote exactly its own rows and exactly one event.

Each example gets a database of its own, prepared in the machine's __init__ (see
FreshDatabase): a new SQLite file, or on PostgreSQL a migrated schema emptied of every
row with its id sequences restarted.

Run time: max_examples=40, stateful_step_count=50 (at most 2,000 rule steps plus the
warm-up of the first dispute, each followed by the invariants): about 12 s on SQLite and
20 s on PostgreSQL on a quiet 2-core machine, up to three times that while other suites
share it.
"""

import atexit
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import pytest
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule
from peewee import AutoField
from peewee import sort_models

from mediation import directory
from mediation import ledger
from mediation import lifecycle
from mediation import services
from mediation.clock import ManualClock
from mediation.db import BaseModel
from mediation.db import database
from mediation.db import open_database
from mediation.disputes import Dispute
from mediation.errors import Conflict
from mediation.errors import DomainError
from mediation.errors import Forbidden
from mediation.errors import GuardsUnmet
from mediation.errors import Invalid
from mediation.errors import InvalidTrigger
from mediation.errors import NotFound
from mediation.errors import StaleVersion
from mediation.ledger import AuditEvent
from mediation.schema import SchemaVersion
from mediation.schema import migrate
from outreach.schema import ALL_PLANS
from tests.conftest import PEOPLE
from tests.conftest import START
from tests.conftest import TEST_POSTGRES_URL
from tests.conftest import World
from tests.conftest import schema_url
from tests.conftest import table_counts

# --- the lifecycle as DESIGN.md states it ------------------------------------------------

OPEN_STATES = ("intake", "story_gathering", "option_generation", "resolution")
DESIGNED_STATES = OPEN_STATES + ("resolved", "withdrawn")
DESIGNED_TRIGGERS = {
    # trigger: (from states, to state, condition names)
    "gather_stories": (("intake",), "story_gathering", ("parties_from_both_companies", "mediator_assigned")),
    "generate_options": (
        ("story_gathering",), "option_generation", ("story_from_each_company", "every_party_heard")
    ),
    "start_resolution": (
        ("option_generation",), "resolution", ("at_least_two_options", "mutual_value_option_or_override")
    ),
    "resolve": (("resolution",), "resolved", ("option_accepted_by_both_companies", "resolution_summary")),
    "revisit": (("resolution",), "option_generation", ("reason_given",)),
    "reopen": (("resolved",), "story_gathering", ("reason_given",)),
    "withdraw": (OPEN_STATES, "withdrawn", ("reason_given",)),
}
UNKNOWN_TRIGGER = "escalate"
MANAGER_OF = {"contoso": "alice", "fabrikam": "bob"}
CUSTOMERS = ("contoso", "fabrikam")
MAX_DISPUTES = 3
NO_SUCH_ID = 987_654

# Which error a refusal is, by the most specific class.
REFUSALS = (
    (StaleVersion, "stale"),
    (InvalidTrigger, "invalid_trigger"),
    (GuardsUnmet, "guards"),
    (Conflict, "conflict"),
    (NotFound, "not_found"),
    (Forbidden, "forbidden"),
    (Invalid, "invalid"),
)


def refusal_of(error: DomainError) -> str:
    for cls, label in REFUSALS:
        if isinstance(error, cls):
            return label
    return type(error).__name__


def has_text(value) -> bool:
    return bool(value and value.strip())


def company_of(org: str) -> str:
    return "supplier" if org == "northwind" else "customer"


# --- a fresh database and world, per example ---------------------------------------------


def _models(cls=BaseModel):
    for model in cls.__subclasses__():
        yield model
        yield from _models(model)


class FreshDatabase:
    """A database with the schema and no rows, for one example.

    SQLite: a new file in a temporary directory, migrated. PostgreSQL: creating and
    migrating a schema costs the better part of a second (TRUNCATE as much), so the run
    migrates one schema on first use and each example empties it: every row deleted (in
    foreign-key order) and every id sequence restarted, in one round trip. `drop()` ends
    the example; `drop_template()` removes the schema at the end of the module.
    """

    template: tuple[str, str, str] | None = None  # PostgreSQL: (schema, url, emptying SQL)

    def __init__(self, clock):
        self.directory = None
        if TEST_POSTGRES_URL:
            _, self.url, emptying = self.postgres_template(clock)
            open_database(self.url)
            database.execute_sql(emptying)
        else:
            self.directory = tempfile.mkdtemp(prefix="accord-properties-")
            self.url = f"sqlite:///{self.directory}/accord.sqlite3"
            open_database(self.url)
            migrate(clock, plans=ALL_PLANS)

    @classmethod
    def postgres_template(cls, clock):
        if cls.template is None:
            import psycopg

            schema = f"prop_{uuid.uuid4().hex[:16]}"
            with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'CREATE SCHEMA "{schema}"')
            url = schema_url(TEST_POSTGRES_URL, schema)
            open_database(url)
            migrate(clock, plans=ALL_PLANS)
            # The search index is kept by triggers from the rows it is made of: emptied with them.
            tables = set(database.get_tables()) - {SchemaVersion._meta.table_name, "search_entry"}
            models = [m for m in sort_models(list(_models())) if m._meta.table_name in tables]
            assert {m._meta.table_name for m in models} == tables, "a table without a model"
            statements = [f'DELETE FROM "{m._meta.table_name}"' for m in reversed(models)]
            statements += [
                f"SELECT setval(pg_get_serial_sequence('\"{m._meta.table_name}\"', 'id'), 1, false)"
                for m in models
                if isinstance(m._meta.primary_key, AutoField)
            ]
            statements.append("SELECT setval('\"audit_event_positions\"', 1, false)")
            database.close()
            cls.template = (schema, url, "; ".join(statements))
            atexit.register(cls.drop_template)  # when run outside pytest (the fixture below)
        return cls.template

    @classmethod
    def drop_template(cls) -> None:
        if cls.template is None:
            return
        import psycopg

        schema = cls.template[0]
        cls.template = None
        with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')

    def drop(self) -> None:
        if database.obj is not None and not database.is_closed():
            database.close()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def _drop_the_postgres_template():
    yield
    if database.obj is not None and not database.is_closed():
        database.close()
    FreshDatabase.drop_template()


def build_world(clock) -> World:
    """The conftest world (Northwind; Contoso managed by alice, Fabrikam by bob; no
    projects, which these disputes do not need), on the database the proxy points at."""
    w = World(clock=clock)
    w.orgs["northwind"] = directory.create_organization(None, clock, name="Northwind Systems", kind="supplier")
    w.orgs["contoso"] = directory.create_organization(None, clock, name="Contoso Retail", kind="customer")
    w.orgs["fabrikam"] = directory.create_organization(None, clock, name="Fabrikam Logistics", kind="customer")
    for key, (org, roles) in PEOPLE.items():
        w.people[key] = directory.create_person(
            None, clock, email=f"{key}@{org}.example", name=key.replace("_", " ").title(),
            organization_id=w.orgs[org].id, roles=roles,
        )
    for account, manager in MANAGER_OF.items():
        w.accounts[account] = directory.create_account(
            None, clock, name=f"{account.title()} account", supplier_id=w.orgs["northwind"].id,
            customer_id=w.orgs[account].id, manager_ids=[w.id(manager)],
        )
    return w


# --- the model of one dispute ------------------------------------------------------------


@dataclass
class Case:
    id: int
    account: str
    mediator: int | None
    co_mediator: int | None
    parties: set = field(default_factory=set)  # person ids
    state: str = "intake"
    version: int = 1
    stories: list = field(default_factory=list)  # (party id, declined)
    options: dict = field(default_factory=dict)  # option id -> (value to supplier, value to customer)
    acceptances: set = field(default_factory=set)  # (option id, organization key)
    commitments: dict = field(default_factory=dict)  # commitment id -> status


# --- strategies ----------------------------------------------------------------------------

EVERYONE = sorted(PEOPLE)
# Anyone at all, with the people who can move a dispute along a little more often.
people = st.sampled_from(["alice", "alice", "alice", "bob", "admin", "admin", "carla", "frank", *EVERYONE])
dispute_index = st.integers(min_value=0, max_value=MAX_DISPUTES - 1)
triggers = st.sampled_from(
    [t for t in DESIGNED_TRIGGERS for _ in range(2 if t != "withdraw" else 1)] + [UNKNOWN_TRIGGER]
)
words = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), st.sampled_from(" \t\n")),
    min_size=1,
    max_size=24,
)
texts = st.one_of(
    st.none(), st.sampled_from(["", " ", "\t\n "]), words, st.sampled_from(["Agreed.", "Broken promise"])
)
reasons = st.one_of(texts, st.just("A reason worth recording"))
scores = st.integers(min_value=-5, max_value=5)
# Offsets from the version the model expects; 0 is the current one, the rest are stale.
version_offsets = st.sampled_from([0, 0, 0, 0, 0, 0, -1, -3, 1])
record_version_offsets = st.sampled_from([None, None, 0, 0, 0, 0, 0, -1, 1])
visibilities = st.sampled_from(["shared", "shared", "internal"])


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.clock = ManualClock(START)
        self.store = FreshDatabase(self.clock)
        try:
            self.world = build_world(self.clock)
            self.org = {key: org for key, (org, _) in PEOPLE.items()}
            self.roles = {key: set(roles) for key, (_, roles) in PEOPLE.items()}
            self.key_of = {self.world.id(key): key for key in PEOPLE}
            self.cases: list[Case] = []
            self.data = None  # the draws of the rule being run, for the worker's choices
        except BaseException:
            self.store.drop()
            raise

    def row_counts(self) -> dict[str, int]:
        """`table_counts()` of conftest in one round trip (the tables are listed once per
        example): this runs twice per step, and PostgreSQL pays per query."""
        if not hasattr(self, "tables"):
            self.tables = sorted(table_counts())
        selects = ", ".join(f'(SELECT COUNT(*) FROM "{table}")' for table in self.tables)
        return dict(zip(self.tables, database.execute_sql(f"SELECT {selects}").fetchone()))

    def teardown(self):
        self.store.drop()

    # --- who may do what, per DESIGN.md ----------------------------------------------------

    def read_only(self, key) -> bool:
        """An auditor and nothing else: reads everything, changes nothing. (People without
        any role still act in their own disputes, as parties.)"""
        return self.roles[key] == {"auditor"}

    def manages(self, key, account) -> bool:
        return "account_manager" in self.roles[key] and MANAGER_OF[account] == key

    def takes_part(self, key) -> bool:
        return "auditor" not in self.roles[key] and self.roles[key] != {"admin"}

    def supplier_admin(self, key) -> bool:
        return self.org[key] == "northwind" and "admin" in self.roles[key]

    def sees(self, key, case) -> bool:
        return self.org[key] in ("northwind", case.account)

    def works_on(self, key, case) -> bool:
        pid = self.world.id(key)
        return (
            pid in (case.mediator, case.co_mediator)
            or self.manages(key, case.account)
            or self.supplier_admin(key)
        )

    def of_account(self, key, account) -> bool:
        return self.org[key] in ("northwind", account)

    def base_refusals(self, key, case, expected_version, *, case_worker_only=True) -> set | None:
        """Refusals every change shares. None when the dispute is invisible to `key`: then only
        NotFound may answer (or Forbidden for someone who may change nothing anywhere)."""
        if not self.sees(key, case):
            return None
        refusals = set()
        if expected_version is not None and expected_version != case.version:
            refusals.add("stale")
        if self.read_only(key) or (case_worker_only and not self.works_on(key, case)):
            refusals.add("forbidden")
        return refusals

    def invisible_refusals(self, key) -> set:
        return {"not_found"} | ({"forbidden"} if self.read_only(key) else set())

    def unmet(self, trigger, case, request) -> list[str]:
        party_kinds = {company_of(self.org[self.key_of[p]]) for p in case.parties}
        told = {company_of(self.org[self.key_of[p]]) for p, declined in case.stories if not declined}
        heard = {p for p, _ in case.stories}
        option_id = request["option_id"]
        accepted_by = {company_of(org) for o, org in case.acceptances if o == option_id}
        met = {
            "parties_from_both_companies": {"supplier", "customer"} <= party_kinds,
            "mediator_assigned": case.mediator is not None,
            "story_from_each_company": {"supplier", "customer"} <= told,
            "every_party_heard": case.parties <= heard,
            "at_least_two_options": len(case.options) >= 2,
            "mutual_value_option_or_override": any(s > 0 and c > 0 for s, c in case.options.values())
            or has_text(request["override_reason"]),
            "option_accepted_by_both_companies": option_id is not None and {"supplier", "customer"} <= accepted_by,
            "resolution_summary": has_text(request["summary"]),
            "reason_given": has_text(request["reason"]),
        }
        return [name for name in DESIGNED_TRIGGERS[trigger][2] if not met[name]]

    # --- one call, checked ------------------------------------------------------------------

    def attempt(self, what, call, refusals, *, case=None, grows=None, kind=None, to_state=None, unmet=None,
                moves=True):
        """Make the call. When `refusals` is empty it must succeed, writing exactly the rows in
        `grows` plus one event of `kind` and, if it `moves` the version, one more version (and
        the last change); otherwise it must be refused with
        one of `refusals` and write nothing at all. (The version of a refused call is checked by
        the invariants, which compare every dispute with the model after each step.)"""
        counts = self.row_counts()
        head = ledger.last_sequence()
        last_change = case and Dispute.get_by_id(case.id).updated_at
        try:
            result = call()
        except DomainError as error:
            label = refusal_of(error)
            event(f"{what}: refused ({label})")
            assert refusals, f"{what} must succeed, but was refused ({label}): {error.detail}"
            assert label in refusals, (
                f"{what} was refused ({label}: {error.detail}); acceptable: {sorted(refusals)}"
            )
            if label == "guards":
                assert sorted(error.unmet) == sorted(unmet), (
                    f"{what} reported unmet {error.unmet}; unmet are {unmet}"
                )
            assert self.row_counts() == counts, f"{what} was refused ({label}) but changed rows"
            assert ledger.last_sequence() == head, f"{what} was refused ({label}) but appended an event"
            return None
        event(f"{what}: done")
        assert not refusals, f"{what} succeeded, but must be refused with one of {sorted(refusals)}"
        expected = dict(counts)
        expected["audit_event"] += 1
        for table, more in (grows or {}).items():
            expected[table] += more
        written = self.row_counts()
        # whom the event tells, and so how many notifications it writes, is outreach's (tests/outreach)
        expected["notification"] = max(written["notification"], counts["notification"])
        # what the change gives search to find is the index's (tests/mediation/test_search.py)
        expected.update({table: rows for table, rows in written.items() if table.startswith("search_")})
        assert written == expected, f"{what} did not write exactly its rows and one event"
        newest = AuditEvent.select().order_by(AuditEvent.sequence.desc()).first()
        assert newest.sequence == head + 1
        if case:
            assert (newest.subject_type, newest.subject_id, newest.kind) == ("dispute", case.id, kind)
            assert (newest.from_state, newest.to_state) == (case.state, to_state or case.state)
            stored = Dispute.get_by_id(case.id)
            assert stored.version == case.version + moves, (
                f"{what} moved the version from {case.version} to {stored.version}"
            )
            assert stored.updated_at == (self.clock.now() if moves else last_change), (
                f"{what} {'did not move' if moves else 'moved'} the last change"
            )
        return result

    def maybe_a_party(self, case, by, data) -> str:
        """`by`, or half the time one of the dispute's parties, speaking for themselves."""
        parties = sorted(self.key_of[p] for p in case.parties)
        if parties and data.draw(st.booleans(), label="a party speaks?"):
            return data.draw(st.sampled_from(parties), label="party")
        return by

    def case(self, index) -> Case:
        return self.cases[index % len(self.cases)]

    def expected(self, case, offset):
        return None if offset is None else case.version + offset

    # --- rules --------------------------------------------------------------------------------

    @precondition(lambda self: len(self.cases) < MAX_DISPUTES)
    @rule(
        by=people,
        account=st.sampled_from(CUSTOMERS),
        parties=st.lists(st.sampled_from(EVERYONE), max_size=4, unique=True),
        mediator=st.sampled_from([None, None, "alice", "bob", "sam", "auditor", "carla"]),
        co_mediator=st.sampled_from([None, None, "carla", "frank", "dev", "contoso_auditor"]),
    )
    def open_dispute(self, by, account, parties, mediator, co_mediator):
        refusals = set()
        if self.read_only(by):
            refusals.add("forbidden")
        if self.org[by] not in ("northwind", account):
            refusals.add("invalid")  # the account is another customer's: as if it did not exist
        elif not (self.manages(by, account) or self.supplier_admin(by)):
            refusals.add("forbidden")
        if not all(self.of_account(p, account) and self.takes_part(p) for p in parties):
            refusals.add("invalid")
        if mediator and (self.org[mediator] != "northwind" or not self.takes_part(mediator)):
            refusals.add("invalid")
        if co_mediator and (self.org[co_mediator] != account or not self.takes_part(co_mediator)):
            refusals.add("invalid")
        ids = [self.world.id(p) for p in parties]
        mediator_id = self.world.id(mediator) if mediator else None
        co_mediator_id = self.world.id(co_mediator) if co_mediator else None
        head = ledger.last_sequence()
        dispute = self.attempt(
            "open_dispute",
            lambda: services.open_dispute(
                self.world.actor(by), self.clock, title="Disputed delivery", summary="Late and short.",
                account_id=self.world.accounts[account].id, severity="medium", party_ids=ids,
                mediator_id=mediator_id, co_mediator_id=co_mediator_id,
            ),
            refusals,
            grows={"dispute": 1, "party": len(ids)},
        )
        if dispute is None:
            return
        if mediator_id is None and self.manages(by, account):
            mediator_id = self.world.id(by)
        (opened,) = ledger.history("dispute", dispute.id)
        assert (opened.kind, opened.from_state, opened.to_state) == ("opened", None, "intake")
        assert opened.sequence == head + 1
        assert (dispute.mediator_id, dispute.co_mediator_id) == (mediator_id, co_mediator_id)
        self.cases.append(Case(dispute.id, account, mediator_id, co_mediator_id, set(ids)))

    @rule(
        index=dispute_index,
        by=people,
        offset=version_offsets,
        reason=reasons,
        override_reason=st.one_of(st.none(), texts),
        summary=reasons,
        data=st.data(),
    )
    def fire(self, index, by, offset, reason, override_reason, summary, data):
        case = self.case(index)
        # Half the time a trigger the state has (its guards are then what is tested).
        possible = [t for t, (sources, _, _) in DESIGNED_TRIGGERS.items() if case.state in sources]
        trigger = data.draw((st.sampled_from(possible) if possible else triggers) | triggers, label="trigger")
        own_options = sorted(case.options)
        any_options = sorted(o for c in self.cases for o in c.options)
        option_id = data.draw(
            st.one_of(
                st.none(),
                st.sampled_from(own_options) if own_options else st.none(),
                st.sampled_from(own_options) if own_options else st.none(),
                st.sampled_from(any_options) if any_options else st.just(NO_SUCH_ID),
                st.just(NO_SUCH_ID),
            ),
            label="option_id",
        )
        request = {"reason": reason, "override_reason": override_reason, "option_id": option_id, "summary": summary}
        self.do_fire(case, by, trigger, case.version + offset, request)

    def do_fire(self, case, by, trigger, expected_version, request):
        refusals = self.base_refusals(by, case, expected_version)
        unmet = None
        to_state = None
        grows = {}
        if refusals is None:
            refusals = self.invisible_refusals(by)
        elif trigger not in DESIGNED_TRIGGERS:
            refusals.add("invalid_trigger")
            refusals.add("invalid")
        elif case.state not in DESIGNED_TRIGGERS[trigger][0]:
            refusals.add("invalid_trigger")
        else:
            to_state = DESIGNED_TRIGGERS[trigger][1]
            unmet = self.unmet(trigger, case, request)
            if unmet:
                refusals.add("guards")
            if trigger in ("revisit", "reopen"):
                # a new round of options needs new acceptances from both companies
                grows = {"acceptance": -len(case.acceptances)}
        dispute = self.attempt(
            f"{trigger} from {case.state}",
            lambda: services.transition(
                self.world.actor(by), self.clock, case.id, trigger=trigger,
                expected_version=expected_version, **request,
            ),
            refusals,
            case=case,
            grows=grows,
            kind="transition",
            to_state=to_state,
            unmet=unmet,
        )
        if dispute is None:
            return
        last = ledger.history("dispute", case.id)[-1]
        assert last.data["trigger"] == trigger
        if trigger == "resolve":
            chosen = (request["option_id"], request["summary"])
            assert (last.data["option_id"], last.data["summary"]) == chosen
            assert (dispute.resolution_option_id, dispute.resolution_summary) == chosen
        if trigger in ("revisit", "reopen"):
            case.acceptances.clear()
        case.state = to_state
        case.version += 1
        assert (dispute.state, dispute.version) == (case.state, case.version)

    @rule(
        index=dispute_index,
        by=people,
        offset=record_version_offsets,
        text=texts,
        visibility=visibilities,
        declined=st.sampled_from([False, False, True]),
        data=st.data(),
    )
    def record_story(self, index, by, offset, text, visibility, declined, data):
        case = self.case(index)
        by = self.maybe_a_party(case, by, data)
        parties = sorted(case.parties)
        party_id = data.draw(
            (st.sampled_from(parties) | st.sampled_from(parties) if parties else st.nothing())
            | st.sampled_from([self.world.id(p) for p in EVERYONE]),
            label="party_id",
        )
        if declined:
            text = data.draw(st.sampled_from([None, None, "I'd rather not say"]), label="declined text")
        self.do_story(case, by, self.expected(case, offset), party_id, text, visibility, declined)

    def do_story(self, case, by, expected_version, party_id, text, visibility, declined):
        refusals = self.base_refusals(by, case, expected_version, case_worker_only=False)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        else:
            if self.read_only(by) or not (self.works_on(by, case) or party_id == self.world.id(by)):
                refusals.add("forbidden")
            if visibility == "internal" and self.org[by] != "northwind":
                refusals.add("forbidden")
            if case.state not in ("intake", "story_gathering"):
                refusals.add("conflict")
            if party_id not in case.parties:
                refusals.add("invalid")
            if declined and text:
                refusals.add("invalid")
            if not declined and not has_text(text):
                refusals.add("invalid")
        story = self.attempt(
            "record_story",
            lambda: services.record_story(
                self.world.actor(by), self.clock, case.id, party_id=party_id, text=text,
                visibility=visibility, declined=declined, expected_version=expected_version,
            ),
            refusals,
            case=case,
            grows={"story": 1},
            kind="story_declined" if declined else "story_recorded",
            moves=visibility == "shared",
        )
        if story is not None:
            case.stories.append((party_id, declined))
            case.version += visibility == "shared"

    @rule(
        index=dispute_index,
        by=people,
        offset=record_version_offsets,
        summary=st.sampled_from(["Split the difference", "Credit note", "Extra training"]),
        value_to_supplier=scores,
        value_to_customer=scores,
    )
    def propose_option(self, index, by, offset, summary, value_to_supplier, value_to_customer):
        case = self.case(index)
        self.do_option(case, by, self.expected(case, offset), summary, value_to_supplier, value_to_customer)

    def do_option(self, case, by, expected_version, summary, value_to_supplier, value_to_customer):
        refusals = self.base_refusals(by, case, expected_version)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        elif case.state != "option_generation":
            refusals.add("conflict")
        option = self.attempt(
            "propose_option",
            lambda: services.propose_option(
                self.world.actor(by), self.clock, case.id, summary=summary,
                value_to_supplier=value_to_supplier, value_to_customer=value_to_customer,
                expected_version=expected_version,
            ),
            refusals,
            case=case,
            grows={"option": 1},
            kind="option_proposed",
        )
        if option is not None:
            case.options[option.id] = (value_to_supplier, value_to_customer)
            case.version += 1

    @rule(index=dispute_index, by=people, offset=record_version_offsets, data=st.data())
    def accept_option(self, index, by, offset, data):
        case = self.case(index)
        by = self.maybe_a_party(case, by, data)
        own = sorted(case.options)
        others = sorted(o for c in self.cases for o in c.options if c is not case)
        option_id = data.draw(
            (st.sampled_from(own) if own else st.nothing())
            | (st.sampled_from(own) if own else st.nothing())
            | (st.sampled_from(others) if others else st.nothing())
            | st.just(NO_SUCH_ID),
            label="option_id",
        )
        self.do_accept(case, by, self.expected(case, offset), option_id)

    def do_accept(self, case, by, expected_version, option_id):
        refusals = self.base_refusals(by, case, expected_version, case_worker_only=False)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        else:
            may_accept = (
                self.works_on(by, case)
                or self.world.id(by) in case.parties
                or "point_person" in self.roles[by]
            )
            if self.read_only(by) or not may_accept:
                refusals.add("forbidden")
            if case.state != "resolution":
                refusals.add("conflict")
            if option_id not in case.options:
                refusals.add("invalid")
            elif (option_id, self.org[by]) in case.acceptances:
                refusals.add("conflict")
        acceptance = self.attempt(
            "accept_option",
            lambda: services.accept_option(
                self.world.actor(by), self.clock, case.id, option_id=option_id, expected_version=expected_version
            ),
            refusals,
            case=case,
            grows={"acceptance": 1},
            kind="option_accepted",
        )
        if acceptance is not None:
            assert acceptance.organization_id == self.world.orgs[self.org[by]].id, "accepted for another company"
            case.acceptances.add((option_id, self.org[by]))
            case.version += 1

    @rule(
        index=dispute_index,
        by=people,
        offset=record_version_offsets,
        text=words,
        visibility=visibilities,
        data=st.data(),
    )
    def add_note(self, index, by, offset, text, visibility, data):
        case = self.case(index)
        by = self.maybe_a_party(case, by, data)
        self.do_note(case, by, self.expected(case, offset), text, visibility)

    def do_note(self, case, by, expected_version, text, visibility):
        refusals = self.base_refusals(by, case, expected_version, case_worker_only=False)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        else:
            if self.read_only(by) or not (self.works_on(by, case) or self.world.id(by) in case.parties):
                refusals.add("forbidden")
            if visibility == "internal" and self.org[by] != "northwind":
                refusals.add("forbidden")
        self.attempt(
            "add_note",
            lambda: services.add_note(
                self.world.actor(by), self.clock, case.id, text=text, visibility=visibility,
                expected_version=expected_version,
            ),
            refusals,
            case=case,
            grows={"note": 1},
            kind="note_added",
            moves=False,
        )

    @rule(index=dispute_index, by=people, offset=record_version_offsets, person=st.sampled_from(EVERYONE))
    def add_party(self, index, by, offset, person):
        case = self.case(index)
        self.do_party(case, by, self.expected(case, offset), person)

    def do_party(self, case, by, expected_version, person):
        person_id = self.world.id(person)
        refusals = self.base_refusals(by, case, expected_version)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        else:
            if case.state not in ("intake", "story_gathering"):
                refusals.add("conflict")
            if not self.of_account(person, case.account) or not self.takes_part(person):
                refusals.add("invalid")
            elif person_id in case.parties:
                refusals.add("conflict")
        dispute = self.attempt(
            "add_party",
            lambda: services.add_party(
                self.world.actor(by), self.clock, case.id, person_id=person_id, expected_version=expected_version
            ),
            refusals,
            case=case,
            grows={"party": 1},
            kind="party_added",
        )
        if dispute is not None:
            case.parties.add(person_id)
            case.version += 1

    @rule(
        index=dispute_index,
        by=people,
        offset=record_version_offsets,
        mediator=st.sampled_from([None, "alice", "bob", "sam", "auditor", "carla"]),
        co_mediator=st.sampled_from([None, None, "carla", "dev", "frank", "gina", "contoso_auditor"]),
    )
    def assign_mediators(self, index, by, offset, mediator, co_mediator):
        case = self.case(index)
        self.do_mediators(case, by, self.expected(case, offset), mediator, co_mediator)

    def do_mediators(self, case, by, expected_version, mediator, co_mediator):
        refusals = self.base_refusals(by, case, expected_version)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        else:
            if case.state not in OPEN_STATES:
                refusals.add("conflict")
            if mediator is None and co_mediator is None:
                refusals.add("invalid")
            if mediator and (self.org[mediator] != "northwind" or not self.takes_part(mediator)):
                refusals.add("invalid")
            if co_mediator and (self.org[co_mediator] != case.account or not self.takes_part(co_mediator)):
                refusals.add("invalid")
        mediator_id = self.world.id(mediator) if mediator else None
        co_mediator_id = self.world.id(co_mediator) if co_mediator else None
        dispute = self.attempt(
            "assign_mediators",
            lambda: services.assign_mediators(
                self.world.actor(by), self.clock, case.id, mediator_id=mediator_id,
                co_mediator_id=co_mediator_id, expected_version=expected_version,
            ),
            refusals,
            case=case,
            kind="mediators_assigned",
        )
        if dispute is not None:
            if mediator_id is not None:
                case.mediator = mediator_id
            if co_mediator_id is not None:
                case.co_mediator = co_mediator_id
            assert (dispute.mediator_id, dispute.co_mediator_id) == (case.mediator, case.co_mediator)
            case.version += 1

    @rule(
        index=dispute_index,
        by=people,
        offset=record_version_offsets,
        person=st.sampled_from(EVERYONE),
        due_in_days=st.integers(min_value=-3, max_value=30),
    )
    def record_commitment(self, index, by, offset, person, due_in_days):
        case = self.case(index)
        self.do_commitment(case, by, self.expected(case, offset), person, due_in_days)

    def do_commitment(self, case, by, expected_version, person, due_in_days):
        refusals = self.base_refusals(by, case, expected_version)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        else:
            if case.state not in ("resolution", "resolved"):
                refusals.add("conflict")
            if not self.of_account(person, case.account):
                refusals.add("invalid")
        commitment = self.attempt(
            "record_commitment",
            lambda: services.record_commitment(
                self.world.actor(by), self.clock, case.id, person_id=self.world.id(person),
                description="Credit the overbilled hours", due_at=self.clock.now() + timedelta(days=due_in_days),
                expected_version=expected_version,
            ),
            refusals,
            case=case,
            grows={"commitment": 1},
            kind="commitment_recorded",
        )
        if commitment is not None:
            case.commitments[commitment.id] = "open"
            case.version += 1

    @precondition(lambda self: any(c.commitments for c in self.cases))
    @rule(
        index=dispute_index,
        by=people,
        offset=record_version_offsets,
        status=st.sampled_from(["kept", "broken"]),
        data=st.data(),
    )
    def settle_commitment(self, index, by, offset, status, data):
        case = self.case(index)
        everyone = sorted(i for c in self.cases for i in c.commitments)
        commitment_id = data.draw(st.sampled_from(everyone), label="commitment_id")
        self.do_settle(case, by, self.expected(case, offset), commitment_id, status)

    def do_settle(self, case, by, expected_version, commitment_id, status):
        refusals = self.base_refusals(by, case, expected_version)
        if refusals is None:
            refusals = self.invisible_refusals(by)
        elif commitment_id not in case.commitments:
            refusals.add("not_found")
        elif case.commitments[commitment_id] != "open":
            refusals.add("conflict")
        settled = self.attempt(
            f"settle_commitment ({status})",
            lambda: services.settle_commitment(
                self.world.actor(by), self.clock, case.id, commitment_id, status=status,
                expected_version=expected_version,
            ),
            refusals,
            case=case,
            kind=f"commitment_{status}",
        )
        if settled is not None:
            case.commitments[commitment_id] = status
            case.version += 1

    @initialize(steps=st.integers(min_value=0, max_value=40), data=st.data())
    def the_first_dispute_has_come_some_way(self, steps, data):
        """Every example starts with a first dispute (opened by its account manager, who
        mediates, or by an administrator, without a mediator), somewhere along its life from
        intake to resolved (and reopened), so that the random rules meet every state."""
        opener = data.draw(st.sampled_from(["alice", "admin"]), label="opener")
        parties = data.draw(
            st.lists(st.sampled_from(["sam", "carla", "dev"]), max_size=3, unique=True),
            label="parties",
        )
        self.open_dispute(opener, "contoso", parties, None, None)
        assert len(self.cases) == 1, "the first dispute could not be opened"
        self.mediator_works_the_dispute(0, steps, data)

    @rule(index=dispute_index, steps=st.integers(min_value=1, max_value=12), data=st.data())
    def mediator_works_the_dispute(self, index, steps, data):
        """A capable person does what the dispute needs next, a few times over: the random
        rules alone rarely get past the first states. Every call is checked like any other."""
        case = self.case(index)
        self.data = data
        for _ in range(steps):
            if case.state in OPEN_STATES and data.draw(st.integers(0, 59), label="give up?") == 0:
                by = MANAGER_OF[case.account]
                self.do_fire(case, by, "withdraw", case.version, self.request(reason="Settled elsewhere"))
            else:
                self.work_once(case, data)

    def work_once(self, case, data):
        """One step of what `case` needs next. While something is still missing, the worker
        sometimes pushes on anyway (a probe): the refusal must name every unmet condition."""
        customer = {"contoso": "carla", "fabrikam": "frank"}[case.account]
        mediator = self.key_of.get(case.mediator)
        workers = [MANAGER_OF[case.account], "admin"]
        if mediator and not self.read_only(mediator):
            workers.append(mediator)
        by = data.draw(st.sampled_from(workers), label="worker")
        version = case.version

        def probe() -> bool:
            return data.draw(st.integers(0, 2), label="push on anyway?") == 0

        if case.state == "intake":
            kinds = {company_of(self.org[self.key_of[p]]) for p in case.parties}
            if "supplier" in kinds and "customer" in kinds and case.mediator is not None or probe():
                self.do_fire(case, by, "gather_stories", version, self.request())
            elif "supplier" not in kinds:
                self.do_party(case, by, version, "sam")
            elif "customer" not in kinds:
                self.do_party(case, by, version, customer)
            else:
                self.do_mediators(case, by, version, MANAGER_OF[case.account], None)
        elif case.state == "story_gathering":
            heard = {p for p, _ in case.stories}
            told = {company_of(self.org[self.key_of[p]]) for p, declined in case.stories if not declined}
            unheard = sorted(case.parties - heard)
            untold = [p for p in sorted(case.parties) if company_of(self.org[self.key_of[p]]) not in told]
            if not (unheard or untold) or probe():
                self.do_fire(case, by, "generate_options", version, self.request())
            else:
                party_id = (unheard or untold)[0]
                declined = bool(unheard) and data.draw(st.booleans(), label="declines")
                visibility = data.draw(visibilities, label="visibility")
                text = None if declined else "What happened to me"
                self.do_story(case, by, version, party_id, text, visibility, declined)
        elif case.state == "option_generation":
            mutual = any(s > 0 and c > 0 for s, c in case.options.values())
            if len(case.options) >= 2 and (mutual or data.draw(st.booleans(), label="override?")) or probe():
                override = data.draw(st.sampled_from([None, "Only way forward", " "]), label="override_reason")
                self.do_fire(case, by, "start_resolution", version, self.request(override_reason=override))
            else:
                self.do_option(case, by, version, "Meet halfway", data.draw(scores), data.draw(scores))
        elif case.state == "resolution":
            option_id = data.draw(st.sampled_from(sorted(case.options)), label="option")
            accepted_by_both = {(option_id, "northwind"), (option_id, case.account)} <= case.acceptances
            if data.draw(st.integers(0, 9), label="revisit?") == 0:
                self.do_fire(case, by, "revisit", version, self.request(reason="None of these will do"))
            elif accepted_by_both or probe():
                request = self.request(option_id=option_id, summary="We meet halfway")
                self.do_fire(case, by, "resolve", version, request)
            elif (option_id, "northwind") not in case.acceptances:
                self.do_accept(case, by, version, option_id)
            else:
                self.do_accept(case, customer, version, option_id)
        elif case.state == "resolved":
            open_commitments = sorted(i for i, status in case.commitments.items() if status == "open")
            choice = data.draw(st.sampled_from(["reopen", "commit", "settle"]), label="after resolution")
            if choice == "settle" and open_commitments:
                status = data.draw(st.sampled_from(["kept", "broken"]), label="status")
                self.do_settle(case, by, version, open_commitments[0], status)
            elif choice == "commit":
                self.do_commitment(case, by, version, customer, 7)
            else:
                self.do_fire(case, by, "reopen", version, self.request(reason="A commitment was broken"))
        else:
            self.do_note(case, by, version, "Closed, for the record", "internal")

    def request(self, **given):
        """What a worker sends with a trigger: usually what it needs, sometimes a blank."""
        request = {"reason": "Moving on", "override_reason": None, "option_id": None, "summary": None}
        request.update(given)
        if self.data is not None and self.data.draw(st.integers(0, 4), label="sloppy?") == 0:
            request["reason"] = self.data.draw(texts, label="reason")
            request["summary"] = self.data.draw(texts, label="summary")
        return request

    @rule(minutes=st.integers(min_value=1, max_value=3 * 24 * 60))
    def time_passes(self, minutes):
        self.clock.advance(minutes=minutes)

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def every_dispute_is_where_the_model_says_and_its_history_replays_to_it(self):
        ids = [case.id for case in self.cases]
        stored = {d.id: d for d in Dispute.select().where(Dispute.id.in_(ids))}
        for case in self.cases:
            dispute = stored[case.id]
            assert dispute.state in lifecycle.STATES
            assert dispute.state in DESIGNED_STATES
            assert (dispute.state, dispute.version) == (case.state, case.version)
            event(f"reached {dispute.state}")
            events = ledger.history("dispute", case.id)
            opened, *changes = events
            assert (opened.kind, opened.from_state, opened.to_state) == ("opened", None, "intake")
            state = opened.to_state
            for change in changes:
                assert change.from_state == state, (
                    f"event {change.sequence} starts from {change.from_state}, not {state}"
                )
                if change.kind == "transition":
                    sources, destination, _ = DESIGNED_TRIGGERS[change.data["trigger"]]
                    assert change.from_state in sources and change.to_state == destination
                else:
                    assert change.to_state == change.from_state, f"{change.kind} moved the state"
                state = change.to_state
            assert state == dispute.state, "the history does not replay to the dispute's state"
            versioned = [e for e in events if e.kind != "note_added" and e.data.get("visibility") != "internal"]
            assert len(versioned) == dispute.version, "one event per version (notes and internal stories aside)"

    @invariant()
    def the_ledger_verifies(self):
        verification = ledger.verify()
        assert verification.ok, verification.as_dict()


LifecycleMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
TestDisputeLifecycleUnderRandomUse = LifecycleMachine.TestCase


def test_the_lifecycle_is_the_designed_one():
    """The model above is DESIGN.md's table; the product must define the same machine."""
    assert set(lifecycle.STATES) == set(DESIGNED_STATES)
    assert lifecycle.INITIAL_STATE == "intake"
    assert set(lifecycle.TRIGGERS) == set(DESIGNED_TRIGGERS)
    for trigger, (sources, destination, conditions) in DESIGNED_TRIGGERS.items():
        for source in sources:
            assert lifecycle.conditions_of(trigger, source) == list(conditions)
