"""The home page: what waits on the signed-in person, across disputes and protocols."""

from flask import render_template

from protocols.agenda import agenda
from web.boards import board
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("home_ui", __name__)


@blueprint.get("/")
def home():
    actor = viewer()
    return render_template("home.html", agenda=agenda(actor, clock().now(), board(actor, clock())))
