"""The supplier's pages of balanced advocacy: one account manager's, and every manager's
side by side for its administrators and auditors."""

from flask import render_template
from flask import request

from mediation import advocacy
from web import relationship_schemas as schemas
from web.ui import relationship_words as words
from web.ui.periods import over_period
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("advocacy_ui", __name__)


@blueprint.get("/people/<int:person_id>/advocacy")
def show_advocacy(person_id):
    """The manager's advocacy over the days asked for, by default the last 12 months."""
    found, period, zone_label = over_period(
        lambda **period: advocacy.advocacy(viewer(), clock(), person_id, **period), request.args,
        schemas.AdvocacyQuery())
    return render_template("relationship/advocacy.html", found=found, words=words, period=period,
                           zone_label=zone_label), 422 if period[1] else 200


@blueprint.get("/advocacy")
def side_by_side():
    (start, end, found), period, zone_label = over_period(
        lambda **period: advocacy.advocates(viewer(), clock(), **period), request.args, schemas.AdvocacyQuery(),
        end_of=lambda read: read[1])
    return render_template("relationship/advocates.html", start=start, end=end, advocates=found, words=words,
                           period=period, zone_label=zone_label), 422 if period[1] else 200
