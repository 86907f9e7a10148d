"""The relationship pages: every account the reader may see with its balance, and one
account's relationship with its figures drawn, for both companies."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.datastructures import MultiDict

from mediation import advocacy
from mediation import directory
from mediation.errors import Invalid
from protocols import air_traffic
from protocols import relationship as relationships
from web import relationship_schemas as schemas
from web.schemas import AccountChange
from web.ui import dispute_words
from web.ui import forms
from web.ui import relationship_words as words
from web.ui.periods import over_period
from web.ui.relationship_charts import KEPT_MISSED
from web.ui.relationship_charts import SIDES
from web.ui.relationship_charts import bar_chart
from web.ui.relationship_charts import heat_map
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("relationship_ui", __name__)


@blueprint.get("/relationships")
def list_relationships():
    actor = viewer()
    return render_template("relationship/list.html", accounts=relationships.relationships(actor, clock()),
                           words=words, advocacy=advocacy.readable(actor))


@blueprint.get("/accounts/<int:account_id>/relationship")
def show_relationship(account_id):
    """The relationship over the days asked for, by default the last 12 months; a range that
    is not one is shown next to its field over the default one (422)."""
    before = forms.cursor(request.args, "before")
    (found, timeline, team), period, zone_label = over_period(
        lambda **period: relationships.relationship_page(viewer(), clock(), account_id, before=before, **period),
        request.args, schemas.RelationshipQuery(), end_of=lambda page: page[0].end)
    return render_template("relationship/relationship.html", found=found, timeline=timeline, team=team,
                           charts=_charts(found), words=words, period=period, zone_label=zone_label,
                           open_states=[(s, dispute_words.state(s)) for s in found.disputes.open]
                           ), 422 if period[1] else 200


def _charts(found) -> dict:
    account = found.account
    sides = (account.supplier.name, account.customer.name)
    trend = [(q.quarter, [q.to_supplier, q.to_customer]) for q in found.trend]
    commitments = [(name, [found.commitments[company].kept, found.commitments[company].missed])
                   for company, name in zip(("supplier", "customer"), sides)]
    contact = [(p.name, [p.touchpoints, p.missed_windows]) for p in found.communication.protocols]
    return {
        "value": bar_chart("value-chart", "Value to each company per quarter",
                           f"For each quarter, the value of its resolutions to {sides[0]} and to {sides[1]}.",
                           trend, SIDES, sides),
        "commitments": bar_chart("commitments-chart", "Commitments kept and missed per company",
                                 "For each company, the commitments its people kept and missed.",
                                 commitments, KEPT_MISSED, ("kept", "missed")),
        "communication": bar_chart("communication-chart", "Communication per protocol",
                                   "For each protocol, the touchpoints logged and the windows missed.",
                                   contact, (SIDES[0], KEPT_MISSED[1]), ("touchpoints", "missed windows")),
    }


@blueprint.get("/accounts/<int:account_id>/contacts")
def show_contacts(account_id):
    """Who is in contact with whom over the days asked for, by default the last 12 months,
    collisions first; a range that is not one is shown next to its field over the default."""
    return _contacts_page(account_id, request.args)


def _contacts_page(account_id, args, ceiling=None):
    found, period, zone_label = over_period(
        lambda **period: air_traffic.contacts_page(viewer(), clock(), account_id, **period), args,
        schemas.ContactsQuery(), end_of=lambda page: page.traffic.end)
    traffic = found.traffic
    chart = heat_map("heat-map", "Contacts per person and week",
                     f"Each row a person, each column an ISO week; weeks with more than {traffic.ceiling_per_week} "
                     "contacts are hatched red.",
                     [(load.person.name, load.weeks) for load in traffic.people], traffic.ceiling_per_week)
    ceiling = ceiling or ({"contact_ceiling_per_week": str(traffic.ceiling_per_week)}, {})
    return render_template("relationship/contacts.html", found=found, traffic=traffic, chart=chart,
                           period=period, ceiling=ceiling, zone_label=zone_label
                           ), 422 if period[1] or ceiling[1] else 200


@blueprint.post("/accounts/<int:account_id>/contacts/ceiling")
def change_ceiling(account_id):
    """The weekly contact ceiling, from its form; a value out of range is shown next to it."""
    data, errors = forms.load(AccountChange(), request.form)
    if not errors:
        try:
            directory.set_contact_ceiling(viewer(), clock(), account_id=account_id, **data)
        except Invalid as refused:
            errors = refused.errors
    if errors:
        return _contacts_page(account_id, MultiDict(), (request.form, errors))
    flash(f"The ceiling is now {data['contact_ceiling_per_week']} contacts a week with one person.", "success")
    return redirect(url_for("relationship_ui.show_contacts", account_id=account_id))
