"""Webhooks for an organization's administrators: subscribe a URL (its secret shown once),
read each one's delivery log, deliver again, remove."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from mediation.errors import Invalid
from outreach import webhooks
from web.ui.forms import cursor
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("webhooks_ui", __name__)


def _render_list(form: dict, errors: dict, status: int = 200, created=None):
    return render_template("admin/webhooks.html", hooks=webhooks.webhooks_of(viewer()), kinds=webhooks.EVENT_KINDS,
                           form=form, errors=errors, created=created), status


@blueprint.get("/admin/webhooks")
def list_webhooks():
    return _render_list({"url": "", "which": "all", "events": []}, {})


@blueprint.post("/admin/webhooks")
def subscribe():
    which = request.form.get("which", "all")
    events = [webhooks.ALL] if which == "all" else request.form.getlist("events")
    form = {"url": request.form.get("url", "").strip(), "which": which, "events": events}
    try:
        created = webhooks.subscribe(viewer(), clock().now(), url=form["url"], events=events)
    except Invalid as error:
        return _render_list(form, error.errors, 422)
    return _render_list({"url": "", "which": "all", "events": []}, {}, 201, created=created)


@blueprint.get("/admin/webhooks/<int:webhook_id>")
def show_webhook(webhook_id):
    actor = viewer()
    return render_template("admin/webhook.html", hook=webhooks.webhook_of(actor, webhook_id),
                           page=webhooks.deliveries(actor, webhook_id, before=cursor(request.args, "before")))


@blueprint.post("/admin/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(webhook_id, delivery_id):
    webhooks.redeliver(viewer(), clock().now(), webhook_id, delivery_id)
    flash("It will be delivered again in the next round of delivery, under the same webhook-id.", "success")
    return redirect(url_for("webhooks_ui.show_webhook", webhook_id=webhook_id))


@blueprint.post("/admin/webhooks/<int:webhook_id>/remove")
def remove(webhook_id):
    webhooks.remove(viewer(), clock().now(), webhook_id)
    flash("The webhook and its delivery log are removed.", "success")
    return redirect(url_for("webhooks_ui.list_webhooks"))
