"""What the page of one protocol shows, assembled from the use cases: its versions side
by side with what changed, who acknowledged each, what the viewer may do, compliance over
the range asked for with its chart, and the latest touchpoints."""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo

from flask import url_for
from werkzeug.datastructures import MultiDict

from mediation.access import Actor
from mediation.errors import Invalid
from protocols import agreement
from protocols import compliance as rules
from protocols import compliance_reading
from protocols import permissions
from protocols import queries
from protocols.models import Protocol
from protocols.models import ProtocolVersion
from web import protocol_schemas as schemas
from web.ui import charts
from web.ui import forms
from web.ui import protocol_forms
from web.ui import protocol_terms

DEFAULT_RANGE = timedelta(days=90)
TOUCHPOINTS_PAGE = 20


@dataclass(frozen=True)
class Versions:
    """A protocol's versions as the page sets them out: the one in force (or, not yet in
    force, the agreed one) as the base, then the others still worth comparing with it."""

    protocol: Protocol
    all: list[ProtocolVersion]
    current: ProtocolVersion | None
    agreed_at: dict = field(default_factory=dict)  # version id -> when both companies had acknowledged it

    @property
    def agreed(self) -> ProtocolVersion | None:
        return next((v for v in self.all if v.status == "agreed"), None)

    @property
    def base(self) -> ProtocolVersion | None:
        return self.current or self.agreed

    @property
    def others(self) -> list[ProtocolVersion]:
        agreed = [self.agreed] if self.agreed is not None and self.agreed is not self.base else []
        return agreed + [v for v in self.all if v.status in agreement.PENDING]

    @property
    def columns(self) -> list[ProtocolVersion]:
        return ([self.base] if self.base is not None else []) + self.others

    @property
    def latest(self) -> ProtocolVersion:
        return self.all[-1]

    @property
    def zone_name(self) -> str:
        """The protocol's time zone: that of the version in force, else of the latest."""
        return (self.current or self.latest).timezone

    @property
    def zone(self) -> tzinfo:
        return protocol_forms.zone_named(self.zone_name)

    def since(self, version: ProtocolVersion) -> str:
        """From when an agreed version is in force, and when it was agreed if that differs."""
        return protocol_terms.agreement_text(self.agreed_at.get(version.id), version.in_force_from, self.zone)

    def apart(self, version: ProtocolVersion) -> bool:
        """Whether `version` was agreed at another time than it came into force."""
        return protocol_terms.agreed_apart(self.agreed_at.get(version.id), version.in_force_from, self.zone)

    def note(self, version: ProtocolVersion) -> str:
        """Whether a column's version is in force, and if not when it will be."""
        if version is self.current:
            return f"in force now: {self.since(version)}" if self.apart(version) else "in force now"
        if version.status == "agreed" and self.protocol.scenario == rules.ESCALATION:
            return "in force while a dispute on the project is open"
        if version.status == "agreed":
            return self.since(version)
        return "pending: not in force"


def versions_at(protocol: Protocol, now: datetime) -> Versions:
    versions = queries.versions_of([protocol.id])[protocol.id]
    activations = []
    if protocol.scenario == rules.ESCALATION:
        activations = queries.activations_of([protocol.id])[protocol.id]
    return Versions(protocol, versions, rules.in_force(protocol, versions, activations, now))


def with_agreements(view: Versions, acknowledgements: dict) -> Versions:
    """`view` knowing when each of its versions was agreed, from their acknowledgements."""
    agreed = {v.id: queries.agreed_at(acknowledgements[v.id]) for v in view.all}
    return Versions(view.protocol, view.all, view.current, agreed)


def compliance_range(args, zone: tzinfo, now: datetime):
    """(start, end, form values, errors): the days asked for in `zone`, `to` included, else
    the last 90 days up to now; a range the schema or `compliance_reading.check_range` refuses falls
    back to the default."""
    given = {key: args.get(key, "").strip() for key in ("from", "to")}
    values = MultiDict({
        "from": given["from"] or (now - DEFAULT_RANGE).astimezone(zone).date().isoformat(),
        "to": given["to"] or now.astimezone(zone).date().isoformat(),
    })
    extra = {}
    if given["from"]:
        extra["from"] = protocol_forms.day_start(given["from"], zone)
    if given["to"]:
        extra["to"] = protocol_forms.day_start(given["to"], zone, later=1)
    if not extra:
        return now - DEFAULT_RANGE, now, values, {}
    data, errors = forms.load(schemas.ComplianceQuery(), MultiDict(), **extra)
    if data is None:
        return now - DEFAULT_RANGE, now, values, errors
    end = data["end"] or now
    start = data["start"] or end - DEFAULT_RANGE
    try:
        compliance_reading.check_range(start, end, now)
    except Invalid as error:
        return now - DEFAULT_RANGE, now, values, error.errors
    return start, end, values, {}


def _compliance(actor: Actor, clock, view: Versions, args, now: datetime) -> dict:
    measured = any(v.in_force_from is not None for v in view.all)
    start, end, values, errors = compliance_range(args, view.zone, now)
    result = chart = None
    if measured:
        result = compliance_reading.compliance(actor, clock, view.protocol.id, start=start, end=end)
        times = queries.touchpoint_times(view.protocol.id, start, end)
        chart = charts.compliance_chart(result, times, start=start, end=end, now=now, zone=view.zone,
                                        ident=f"compliance-{view.protocol.id}")
    return {"measured": measured, "compliance": result, "chart": chart, "range_start": start, "range_end": end,
            "range_form": (values, errors if measured else {})}


def _touchpoints(protocol: Protocol, args) -> dict:
    after = forms.cursor(args, "after")
    rows, more = queries.recent_touchpoints(protocol.id, after, TOUCHPOINTS_PAGE)
    kept = {key: args[key] for key in ("from", "to") if args.get(key)}
    return {
        "touchpoints": rows,
        "next_touchpoints": url_for(".show_protocol", protocol_id=protocol.id, after=rows[-1].id, **kept)
        if more else None,
        "first_touchpoints": url_for(".show_protocol", protocol_id=protocol.id, **kept) if after else None,
    }


def _default_forms(view: Versions, now: datetime) -> dict:
    """Each form of the page as it first appears: (values, errors)."""
    current, zone = view.current, view.zone
    return {
        "version": (protocol_forms.prefilled(view.latest, now), {}),
        "touchpoint": (MultiDict({
            "occurred_at": protocol_forms.local_input(now, zone),
            "channel": current.channel if current else "",
            "supplier_person_id": str(current.supplier_point_person_id) if current else "",
            "customer_person_id": str(current.customer_point_person_id) if current else "",
        }), {}),
        "incident": (MultiDict({"started_at": protocol_forms.local_input(now, zone)}), {}),
        "acknowledgement": (MultiDict(), {}),
        "transition": (MultiDict(), {}),
    }


def context(actor: Actor, clock, protocol: Protocol, args) -> dict:
    """Everything the protocol page's template reads, for `actor`, with the query `args`."""
    now = clock.now()
    view = versions_at(protocol, now)
    acknowledgements = queries.acknowledgements_of([v.id for v in view.all])
    view = with_agreements(view, acknowledgements)
    names = queries.names_of(protocol_terms.people_in(view.all))
    rows = protocol_terms.compare(
        protocol_terms.terms_of(view.base, names, view.zone) if view.base is not None else None,
        [protocol_terms.terms_of(v, names, view.zone) for v in view.others],
    )
    columns = view.columns
    drafter = permissions.may_draft(actor, protocol.project.account_id)
    contact = permissions.may_contact(actor, protocol)
    triggers = {v.id: [t for t in agreement.available_triggers(v.status) if t in agreement.REQUESTABLE_TRIGGERS]
                if drafter else [] for v in columns}
    compliance = _compliance(actor, clock, view, args, now)
    touchpoints = _touchpoints(protocol, args)
    names |= queries.names_of({person for t in touchpoints["touchpoints"]
                               for person in (t.supplier_person_id, t.customer_person_id, t.logged_by_id)})
    forms_state = _default_forms(view, now)
    forms_state["range"] = compliance.pop("range_form")
    return {
        "protocol": protocol,
        "project": protocol.project,
        "account": protocol.project.account,
        "versions": view.all,
        "current": view.current,
        "base": view.base,
        "columns": columns,
        "notes": {v.id: view.note(v) for v in columns},
        "since": {v.id: view.since(v) for v in view.all if v.in_force_from is not None},
        "agreed_apart": {v.id for v in view.all if view.apart(v)},
        "agreed_at": view.agreed_at,
        "earlier": [v for v in view.all if v not in columns],
        "rows": rows,
        "acknowledgements": acknowledgements,
        "acknowledged_by_me": {v.id for v in columns
                               if any(a.organization_id == actor.organization.id for a in acknowledgements[v.id])},
        "triggers": triggers,
        "has_actions": any((contact and v.status == "proposed") or triggers[v.id] for v in columns),
        "drafter": drafter,
        "contact": contact,
        "takes_incidents": queries.takes_incident_reports(view.current),
        "zone": view.zone,
        "zone_name": view.zone_name,
        "names": names,
        "calendar_url": url_for("protocols_api.protocol_calendar", protocol_id=protocol.id, _external=True),
        "forms": forms_state,
        **compliance,
        **touchpoints,
    }
