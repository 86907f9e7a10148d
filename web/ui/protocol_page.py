"""What the page of one protocol shows, assembled from its read model (protocols.protocol_reading)
and the reads beside it: its versions side by side with what changed, who acknowledged
each, what the viewer may do, compliance over the range asked for with its chart, and the
latest touchpoints."""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo

from flask import url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from mediation.access import Actor
from mediation.errors import Invalid
from protocols import agreement
from protocols import compliance_reading
from protocols import next_step as protocol_steps
from protocols import permissions
from protocols import protocol_reading
from protocols import queries
from protocols.models import ESCALATION
from protocols.models import Protocol
from protocols.protocol_reading import ProtocolRead
from protocols.protocol_reading import VersionRead
from web import protocol_schemas as schemas
from web.ui import charts
from web.ui import forms
from web.ui import protocol_forms
from web.ui import protocol_terms
from web.ui.periods import period_asked
from web.links import absolute_url

DEFAULT_RANGE = timedelta(days=90)
TOUCHPOINTS_PAGE = 20
RECENT_TOUCHPOINTS = 5


@dataclass(frozen=True)
class Versions:
    """A protocol's versions as the page sets them out: the one in force (or, not yet in
    force, the agreed one) as the base, then the others still worth comparing with it;
    the moments they name read in `reader`, the reader's time zone."""

    read: ProtocolRead
    reader: tzinfo

    @property
    def base(self) -> VersionRead | None:
        return self.read.current or self.read.agreed

    @property
    def others(self) -> list[VersionRead]:
        agreed = self.read.agreed
        earlier = [agreed] if agreed is not None and agreed is not self.base else []
        return earlier + [v for v in self.read.versions if v.status in agreement.PENDING]

    @property
    def columns(self) -> list[VersionRead]:
        return ([self.base] if self.base is not None else []) + self.others

    @property
    def zone(self) -> tzinfo:
        return protocol_forms.zone_named(self.read.zone_name)

    def since(self, version: VersionRead) -> Markup:
        """From when an agreed version is in force, and when it was agreed if that differs."""
        return protocol_terms.agreement_text(version.agreed_at, version.in_force_from, self.reader)

    def apart(self, version: VersionRead) -> bool:
        """Whether `version` was agreed at another time than it came into force."""
        return protocol_terms.agreed_apart(version.agreed_at, version.in_force_from)

    def note(self, version: VersionRead) -> Markup | str:
        """Whether a column's version is in force, and if not when it will be."""
        if version is self.read.current:
            return Markup("in force now: {}").format(self.since(version)) if self.apart(version) else "in force now"
        if version.status == "agreed" and self.read.protocol.scenario == ESCALATION:
            return "in force while a dispute on the project is open"
        if version.status == "agreed":
            return self.since(version)
        return "pending: not in force"


def compliance_range(args, zone: tzinfo, now: datetime):
    """(start, end, form values, errors): the days asked for in `zone`, `to` included, else
    the last 90 days up to now; a range the schema or `compliance_reading.check_range`
    refuses falls back to the default."""
    period, given, errors = period_asked(args, zone, schemas.ComplianceQuery())
    values = MultiDict({
        "from": given["from"] or (now - DEFAULT_RANGE).astimezone(zone).date().isoformat(),
        "to": given["to"] or now.astimezone(zone).date().isoformat(),
    })
    if errors or not period:
        return now - DEFAULT_RANGE, now, values, errors
    end = period["end"] or now
    start = period["start"] or end - DEFAULT_RANGE
    try:
        compliance_reading.check_range(start, end, now)
    except Invalid as error:
        return now - DEFAULT_RANGE, now, values, error.errors
    return start, end, values, {}


def _compliance(actor: Actor, clock, layout: Versions, args, now: datetime) -> dict:
    protocol_id = layout.read.protocol.id
    measured = any(v.in_force_from is not None for v in layout.read.versions)
    start, end, values, errors = compliance_range(args, layout.zone, now)
    result = chart = None
    if measured:
        result = compliance_reading.compliance(actor, clock, protocol_id, start=start, end=end)
        times = queries.touchpoint_times(protocol_id, start, end)
        chart = charts.compliance_chart(result, times, start=start, end=end, now=now, zone=layout.zone,
                                        ident=f"compliance-{protocol_id}")
    return {"measured": measured, "compliance": result, "chart": chart, "range_start": start, "range_end": end,
            "range_form": (values, errors if measured else {})}


def _touchpoints(protocol: Protocol, args) -> dict:
    """The latest few touchpoints on the protocol's page, keeping it short; a page of
    earlier ones after the cursor `after`."""
    after = forms.cursor(args, "after")
    rows, more = queries.recent_touchpoints(protocol.id, after, TOUCHPOINTS_PAGE if after else RECENT_TOUCHPOINTS)
    kept = {key: args[key] for key in ("from", "to") if args.get(key)}
    return {
        "touchpoints": rows,
        "next_touchpoints": url_for(".show_protocol", protocol_id=protocol.id, after=rows[-1].id, **kept)
        if more else None,
        "first_touchpoints": url_for(".show_protocol", protocol_id=protocol.id, **kept) if after else None,
    }


def _default_forms(layout: Versions, now: datetime) -> dict:
    """Each form of the page as it first appears: (values, errors)."""
    current, zone = layout.read.current, layout.zone
    return {
        "version": (protocol_forms.prefilled(layout.read.latest, now), {}),
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


def new_version(protocol: Protocol, now: datetime) -> dict:
    """What the new-version page reads: the version it starts from, its terms as the form's
    first `values`, and whether saving retires a pending version."""
    read = protocol_reading.read(protocol, now)
    return {
        "protocol": protocol,
        "project": protocol.project,
        "account": read.account,
        "starts_from": read.latest.number,
        "replaces_pending": any(v.status in agreement.PENDING for v in read.versions),
        "zone_name": read.zone_name,
        "values": protocol_forms.prefilled(read.latest, now),
    }


def context(actor: Actor, clock, protocol: Protocol, args, reader: tzinfo) -> dict:
    """Everything the protocol page's template reads, for `actor`, with the query `args`;
    moments are read in `reader`, the reader's time zone, except where they stand for the
    protocol's own days (the compliance range and chart, the forms' times)."""
    now = clock.now()
    read = protocol_reading.read(protocol, now)
    layout = Versions(read, reader)
    versions = read.versions
    names = queries.names_of(protocol_terms.people_in(versions))
    rows = protocol_terms.compare(
        protocol_terms.terms_of(layout.base, names, layout.zone) if layout.base is not None else None,
        [protocol_terms.terms_of(v, names, layout.zone) for v in layout.others],
    )
    columns = layout.columns
    drafter = permissions.may_draft(actor, protocol.project.account_id)
    contact = permissions.may_contact(actor, protocol)
    triggers = {v.id: v.available_triggers if drafter else [] for v in columns}
    compliance = _compliance(actor, clock, layout, args, now)
    touchpoints = _touchpoints(protocol, args)
    names |= queries.names_of({person for t in touchpoints["touchpoints"]
                               for person in (t.supplier_person_id, t.customer_person_id, t.logged_by_id)})
    forms_state = _default_forms(layout, now)
    forms_state["range"] = compliance.pop("range_form")
    acknowledgements = {v.id: list(v.acknowledgements) for v in versions}
    measured = compliance["compliance"]
    step = protocol_steps.next_step(read, measured.status if measured else None,
                                    measured.next_due_at if measured else None)
    yours = protocol_steps.is_theirs(step, actor, read)
    return {
        "step": step,
        "step_is_yours": yours,
        # What the reader acts on comes first: the versions while one waits to be proposed
        # or acknowledged, the touchpoints otherwise; the touchpoint form is open when
        # contact waits on the reader.
        "versions_first": step is not None and step.stage in ("acknowledge", "propose"),
        "log_open": yours and step.stage == "contact",
        "companies": {"supplier": read.account.supplier.name, "customer": read.account.customer.name},
        "protocol": protocol,
        "project": protocol.project,
        "account": read.account,
        "versions": versions,
        "current": read.current,
        "base": layout.base,
        "columns": columns,
        "notes": {v.id: layout.note(v) for v in columns},
        "since": {v.id: layout.since(v) for v in versions if v.in_force_from is not None},
        "agreed_apart": {v.id for v in versions if layout.apart(v)},
        "agreed_at": {v.id: v.agreed_at for v in versions},
        "earlier": [v for v in versions if v not in columns],
        "rows": rows,
        "acknowledgements": acknowledgements,
        "acknowledged_by_me": {v.id for v in columns
                               if any(a.organization_id == actor.organization.id for a in acknowledgements[v.id])},
        "triggers": triggers,
        "has_actions": any((contact and v.status == "proposed") or triggers[v.id] for v in columns),
        "drafter": drafter,
        "contact": contact,
        "takes_incidents": read.takes_incident_reports,
        "zone": layout.zone,
        "zone_name": read.zone_name,
        "names": names,
        "calendar_url": absolute_url("protocols_api.protocol_calendar", protocol_id=protocol.id),
        "forms": forms_state,
        **compliance,
        **touchpoints,
    }
