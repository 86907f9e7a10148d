"""Air traffic across an account's projects: who of each company is in contact with whom,
each person's contacts per week against the account's ceiling, and collisions.

A collision is two or more supplier people in contact with one customer person on the same
UTC day about different projects; it lists the touchpoints that take part in it, each of
which has a partner of another supplier person on another project. Weeks are ISO weeks of
UTC days, and a week is over the ceiling when it holds more contacts than the ceiling.
The ceiling counts for people of both sides: a supplier person over it is one the
customer's people reach more often than the account allows.

Touchpoints are shared by both companies and every protocol of an account is readable by
whoever sees the account, so both companies read the same figures: the database counts the
period's touchpoints, and a fixed number of queries reads the rest whatever their number.
"""

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

from mediation.access import Actor
from mediation.access import visible_account
from mediation.account_team import TeamMember
from mediation.account_team import members
from mediation.db import execute
from mediation.directory import may_set_contact_ceiling
from mediation.parties import Person
from mediation.parties import Ref
from mediation.periods import days_by_week
from mediation.periods import last_year
from protocols.models import Touchpoint
from protocols.queries import moment_from_sql
from protocols.relationship import AccountView
from protocols.relationship import account_view

# Collisions listed, the latest first; how many there were in all is said beside them.
COLLISION_LIMIT = 100


@dataclass(frozen=True)
class Contact:
    person: Ref
    contacts: int


@dataclass(frozen=True)
class Week:
    week: str
    contacts: int
    over_ceiling: bool


@dataclass(frozen=True)
class Load:
    """One person's contacts in the period, by whom of the other company, and per week."""

    person: Ref
    side: str
    contacts: int
    by: list[Contact]
    weeks: list[Week]

    @property
    def weeks_over(self) -> int:
        return sum(week.over_ceiling for week in self.weeks)


@dataclass(frozen=True)
class CollidingTouchpoint:
    id: int
    protocol_id: int
    project: Ref
    supplier_person: Ref
    occurred_at: datetime


@dataclass(frozen=True)
class Collision:
    customer_person: Ref
    day: date
    touchpoints: list[CollidingTouchpoint]


@dataclass(frozen=True)
class AirTraffic:
    account: AccountView
    start: datetime
    end: datetime
    ceiling_per_week: int
    people: list[Load]
    collisions: list[Collision]
    collisions_total: int


def contacts(actor: Actor, clock, account_id: int, *, start: datetime | None = None,
             end: datetime | None = None) -> AirTraffic:
    """The account's air traffic over [start, end), by default the last 12 months; NotFound
    when the caller may not see the account, Invalid for a range that is not one."""
    account = visible_account(actor, account_id)
    start, end = last_year(clock.now(), start, end)
    counts, projects = _counts(account.id, start, end)
    names = dict(Person.select(Person.id, Person.name).where(
        Person.id.in_({key[0] for key in counts} | {key[1] for key in counts})).tuples()) if counts else {}
    ceiling, week_of = account.contact_ceiling_per_week, days_by_week(start, end)
    labels = list(dict.fromkeys(week_of.values()))
    people = [_load(person, side, found, names, week_of, labels, ceiling) for side, person, found in _sides(counts)]
    days = defaultdict(Counter)
    for (customer, supplier, project, day), count in counts.items():
        days[customer, day][supplier, project] += count
    found = colliding(days)
    listed = found[:COLLISION_LIMIT]
    touchpoints = _taking_part(account.id, listed)
    return AirTraffic(
        account_view(account), start, end, ceiling,
        sorted(people, key=lambda load: (load.side != "customer", -load.contacts, load.person.name)),
        [Collision(Ref(customer, names[customer]), day, [
            CollidingTouchpoint(ident, protocol_id, Ref(project, projects[project]), Ref(supplier, names[supplier]), at)
            for ident, protocol_id, project, supplier, at in touchpoints[customer, day]])
         for (customer, day), _ in listed],
        len(found))


def _day(value) -> date:
    """A day as the database hands back date(): text on SQLite, a date on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _counts(account_id: int, start: datetime, end: datetime):
    """The account's touchpoints in [start, end) counted by customer person, supplier person,
    project and UTC day, and the names of the projects: the database counts, so that a
    year of a hundred thousand touchpoints comes back as a few thousand rows."""
    field = Touchpoint.occurred_at
    sql = ("SELECT t.customer_person_id, t.supplier_person_id, j.id, j.name, date(t.occurred_at), COUNT(*) "
           "FROM touchpoint AS t JOIN protocol AS p ON p.id = t.protocol_id JOIN project AS j ON j.id = p.project_id "
           "WHERE j.account_id = ? AND t.occurred_at >= ? AND t.occurred_at < ? "
           "GROUP BY t.customer_person_id, t.supplier_person_id, j.id, j.name, date(t.occurred_at)")
    counts, projects, days = {}, {}, {}
    for customer, supplier, project, name, day, count in execute(sql, [account_id, field.db_value(start),
                                                                        field.db_value(end)]):
        projects[project] = name
        if day not in days:
            days[day] = _day(day)
        counts[customer, supplier, project, days[day]] = count
    return counts, projects


def _sides(counts):
    """(side, person, [(other person, day, contacts)]) for each person of each side."""
    found = {"customer": defaultdict(list), "supplier": defaultdict(list)}
    for (customer, supplier, _, day), count in counts.items():
        found["customer"][customer].append((supplier, day, count))
        found["supplier"][supplier].append((customer, day, count))
    return [(side, person, rows) for side, people in found.items() for person, rows in people.items()]


def _load(person: int, side: str, found, names, week_of: dict[date, str], labels: list[str], ceiling: int) -> Load:
    by, per_week = Counter(), Counter()
    for other, day, count in found:
        by[other] += count
        per_week[week_of[day]] += count
    return Load(Ref(person, names[person]), side, sum(by.values()),
                [Contact(Ref(other, names[other]), count)
                 for other, count in sorted(by.items(), key=lambda item: (-item[1], names[item[0]]))],
                [Week(label, per_week[label], per_week[label] > ceiling) for label in labels])


def colliding(days: dict[tuple[int, date], Counter]) -> list[tuple[tuple[int, date], frozenset]]:
    """For each (customer person, UTC day) in collision, the (supplier person, project) pairs
    whose touchpoints take part, the latest day first. `days` counts each day's touchpoints
    by pair. A touchpoint takes part when another of the day has another supplier person and
    another project: of the n that day, those are the n less the ones of its supplier
    person, less those of its project, plus those of both."""
    found = []
    for key, pairs in days.items():
        if len(pairs) < 2:
            continue
        total = sum(pairs.values())
        people, projects = Counter(), Counter()
        for (supplier, project), count in pairs.items():
            people[supplier] += count
            projects[project] += count
        taking_part = frozenset(pair for pair, count in pairs.items()
                                if total - people[pair[0]] - projects[pair[1]] + count > 0)
        if taking_part:
            found.append((key, taking_part))
    found.sort(key=lambda item: (item[0][1], -item[0][0]), reverse=True)
    return found


def _taking_part(account_id: int, listed) -> dict[tuple[int, date], list[tuple]]:
    """(id, protocol, project, supplier person, when) of the touchpoints of each listed
    collision, in the order they happened: one read of the listed customer people's
    touchpoints over the listed days."""
    found = defaultdict(list)
    if not listed:
        return found
    pairs = dict(listed)
    customers = sorted({customer for customer, _ in pairs})
    first, last = min(day for _, day in pairs), max(day for _, day in pairs)
    bounds = [Touchpoint.occurred_at.db_value(datetime.combine(day, time(), timezone.utc))
              for day in (first, last + timedelta(days=1))]
    sql = ("SELECT t.id, t.protocol_id, p.project_id, t.supplier_person_id, t.customer_person_id, t.occurred_at "
           "FROM touchpoint AS t JOIN protocol AS p ON p.id = t.protocol_id JOIN project AS j ON j.id = p.project_id "
           f"WHERE j.account_id = ? AND t.customer_person_id IN ({', '.join('?' for _ in customers)}) "
           "AND t.occurred_at >= ? AND t.occurred_at < ? ORDER BY t.occurred_at, t.id")
    for ident, protocol_id, project, supplier, customer, at in execute(sql, [account_id, *customers, *bounds]):
        moment = moment_from_sql(at)
        if (supplier, project) in pairs.get((customer, moment.date()), ()):
            found[customer, moment.date()].append((ident, protocol_id, project, supplier, moment))
    return found


@dataclass(frozen=True)
class ContactsPage:
    traffic: AirTraffic
    may_set_ceiling: bool
    team: list[TeamMember]

    @property
    def functions(self) -> dict[int, str]:
        """Each team member's function, by person."""
        return {member.person.id: member.function for member in self.team}


def contacts_page(actor: Actor, clock, account_id: int, *, start: datetime | None = None,
                  end: datetime | None = None) -> ContactsPage:
    """The air traffic, whether the reader may change the account's ceiling, and the
    account's team, as its page shows them."""
    traffic = contacts(actor, clock, account_id, start=start, end=end)
    return ContactsPage(traffic, may_set_contact_ceiling(actor, account_id), members(account_id))
