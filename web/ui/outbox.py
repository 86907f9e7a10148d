"""The outbox for the supplier's administrators: every mail, sent or waiting, and each one
as it is sent."""

from flask import render_template
from flask import request

from outreach import outbox as mail
from outreach.config import MailConfig
from web.ui.forms import cursor
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("outbox_ui", __name__)


@blueprint.get("/admin/outbox")
def outbox():
    return render_template("admin/outbox.html", page=mail.outbox(viewer(), before=cursor(request.args, "before")),
                           smtp=bool(MailConfig.from_environment().smtp_url))


@blueprint.get("/admin/outbox/<int:mail_id>")
def show_mail(mail_id):
    return render_template("admin/mail.html", mail=mail.mail_of(viewer(), mail_id))
