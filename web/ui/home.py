"""The home page: what needs the signed-in person's attention, across disputes and protocols."""

from flask import render_template

from mediation.attention import disputes_waiting_on
from protocols.attention import answered_for
from protocols.attention import awaiting_acknowledgement
from web.boards import board
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("home_ui", __name__)

BOARD_ROWS = 10
NEEDS_CONTACT = ("overdue", "due_soon", "over_communicating")


@blueprint.get("/")
def home():
    actor = viewer()
    now = clock().now()
    contact = [e for e in answered_for(actor, board(actor, clock())) if e.compliance.status in NEEDS_CONTACT]
    return render_template(
        "home.html",
        waiting=disputes_waiting_on(actor, now),
        acknowledgements=[] if actor.is_read_only else awaiting_acknowledgement(actor),
        contact=contact[:BOARD_ROWS],
        more_contact=len(contact) > BOARD_ROWS,
    )
