"""The dispute pages: the list with its filters, the "open dispute" form, and the dispute
page with its actions and record forms.

Every change goes through mediation.services exactly as the JSON API does, with the API's
schemas. A refused form comes back on the dispute page next to its fields, with what was
typed, over the dispute as it is now.
"""

import re

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from marshmallow import ValidationError

from mediation import directory_lists
from mediation import dispute_permissions
from mediation import dispute_queries
from mediation import dispute_reading
from mediation import rosters
from mediation import services
from mediation.disputes import SEVERITIES
from mediation.errors import Conflict
from mediation.errors import Forbidden
from mediation.errors import GuardsUnmet
from mediation.errors import Invalid
from mediation.errors import InvalidTrigger
from mediation.errors import StaleVersion
from mediation.lifecycle import CONDITIONS
from mediation.lifecycle import STATES
from mediation.paging import page_of
from web import schemas
from web.ui import dispute_words
from web.ui import forms
from web.ui.dispute_page import Failure
from web.ui.dispute_page import build
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("disputes_ui", __name__)

PAGE_SIZE = 25
FILTERS = ("state", "account_id", "project_id", "severity", "stale", "customer_id", "mine")
# The list's columns, each with what it sorts by.
COLUMNS = (("Title", "title"), ("Account", "account"), ("Project", "project"), ("Severity", "severity"),
           ("State", "state"), ("Stale", "stale"), ("Last change", "updated_at"))
STALE = ("Someone else changed this dispute while you were looking at it; here is its current state; "
         "check and try again.")
NOT_SAVED = "Nothing was saved: correct the fields marked below."
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@blueprint.context_processor
def _words():
    return {"words": dispute_words}


# --- the list ------------------------------------------------------------------------------


def _filter_choices(actor) -> dict:
    accounts = directory_lists.accounts_by_name(actor)
    names = {account.id: account.name for account in accounts}
    projects = directory_lists.projects_by_name(actor)
    return {
        "accounts": {account.id: account for account in accounts},
        "projects": {project.id: project for project in projects},
        "state_choices": [(s, dispute_words.state(s)) for s in STATES],
        "account_choices": [(a.id, a.name) for a in accounts],
        "project_choices": [(p.id, f"{p.name} ({names[p.account_id]})") for p in projects],
        "severity_choices": [(s, dispute_words.SEVERITIES[s]) for s in SEVERITIES],
        "stale_choices": [("true", "Stale only"), ("false", "Not stale")],
        "customer_choices": [(c.id, c.name) for c in directory_lists.customers_by_name(actor)],
    }


@blueprint.get("/disputes")
def list_disputes():
    """One page of the disputes the viewer may see, filtered and sorted; `after` is the cursor."""
    actor = viewer()
    now = clock().now()
    chosen = {name: request.args[name] for name in (*FILTERS, "after") if request.args.get(name)}
    filters = {name: value for name, value in chosen.items() if name != "after"}
    sorting = forms.sorting(request.args, dispute_queries.SORTS)
    context = dict(_filter_choices(actor), filters=filters, sorting=sorting, columns=COLUMNS,
                   sorted_by=dict((key, label) for label, key in COLUMNS).get(sorting.get("sort")),
                   list_url=lambda **changes: url_for(".list_disputes", **{**filters, **sorting, **changes}),
                   after=chosen.get("after"), rows=[], next_url=None, errors={},
                   can_open=bool(dispute_permissions.openable_accounts(actor)))
    try:
        params = schemas.DisputeQuery().load({**chosen, **sorting})
    except ValidationError as error:
        context["errors"] = error.messages
        return render_template("disputes/list.html", **context), 422
    params.pop("limit")
    found = page_of(dispute_queries.list_disputes(actor, now, limit=PAGE_SIZE + 1, **params), PAGE_SIZE)
    if found.more:
        context["next_url"] = context["list_url"](after=found.last.id)
    context["rows"] = [(dispute, dispute_queries.is_stale(dispute, now)) for dispute in found.items]
    return render_template("disputes/list.html", **context)


# --- opening a dispute -----------------------------------------------------------------------


def _open_form(actor, accounts, values, errors, status=200):
    people = rosters.candidates(accounts)
    account_ids = [account.id for account in accounts]
    names = {account.id: account.name for account in accounts}
    projects = directory_lists.active_projects_by_name(actor, account_ids)
    suppliers = [p for p in people if p.organization.kind == "supplier"]
    customers = [p for p in people if p.organization.kind == "customer"]
    context = {
        "values": values,
        "errors": errors,
        "chosen_parties": values.getlist("party_ids") if hasattr(values, "getlist") else [],
        "account_choices": [(a.id, a.name) for a in accounts],
        "project_choices": [(p.id, f"{p.name} ({names[p.account_id]})") for p in projects],
        "severity_choices": [(s, dispute_words.SEVERITIES[s]) for s in SEVERITIES],
        "party_choices": [(p.id, f"{p.name} ({p.organization.name})") for p in people],
        "mediator_choices": [(p.id, p.name) for p in suppliers],
        "co_mediator_choices": [(p.id, f"{p.name} ({p.organization.name})") for p in customers],
    }
    return render_template("disputes/new.html", **context), status


@blueprint.route("/disputes/new", methods=["GET", "POST"])
def new_dispute():
    """Only the account's managers and the supplier's administrators open disputes (403)."""
    actor = viewer()
    accounts = dispute_permissions.openable_accounts(actor)
    if not accounts:
        raise Forbidden("disputes are opened by the account's managers or an administrator")
    if request.method == "GET":
        defaults = {"severity": "medium"}
        if len(accounts) == 1:
            defaults["account_id"] = accounts[0].id
        if actor.has("account_manager"):
            defaults["mediator_id"] = actor.person_id
        return _open_form(actor, accounts, defaults, {})
    data, errors = forms.load(schemas.DisputeIn(), request.form)
    if not errors:
        try:
            dispute = services.open_dispute(actor, clock(), **data)
        except Invalid as error:
            errors = error.errors
        else:
            flash(f"Dispute “{dispute.title}” opened.", "success")
            return redirect(url_for(".show_dispute", dispute_id=dispute.id))
    return _open_form(actor, accounts, request.form, errors, 422)


# --- the dispute page --------------------------------------------------------------------------


def _page(actor, dispute_id: int, failure: Failure | None = None):
    dispute = dispute_queries.get_dispute(actor, dispute_id)
    context = build(actor, dispute, clock().now(), failure,
                    history_before=forms.cursor(request.args, "history_before"),
                    notes_before=forms.cursor(request.args, "notes_before"))
    return render_template("disputes/show.html", **context), failure.status if failure else 200


@blueprint.get("/disputes/<int:dispute_id>")
def show_dispute(dispute_id):
    return _page(viewer(), dispute_id)


def _guard_failure(form: str, error: GuardsUnmet) -> Failure:
    label = dispute_words.trigger_label(error.trigger)
    errors = {CONDITIONS[name].input: [CONDITIONS[name].needs] for name in error.unmet
              if name in CONDITIONS and CONDITIONS[name].input}
    return Failure(form, f"“{label}” is not possible yet; nothing was changed. What is missing is listed below.",
                   errors=errors, unmet=error.unmet, values=request.form, status=409)


def _submit(dispute_id: int, form: str, schema, change, done, anchor: str | None = None, **extra):
    """Load the form through `schema`, make the change, and redirect to the dispute page
    with `done(result)` as the message; or show the page again with what went wrong."""
    actor = viewer()
    data, errors = forms.load(schema, request.form, **extra)
    failure = None
    if errors:
        failure = Failure(form, NOT_SAVED, errors=errors, values=request.form, status=422)
    else:
        try:
            result = change(actor, data)
        except Invalid as error:
            failure = Failure(form, NOT_SAVED, errors=error.errors, values=request.form, status=422)
        except StaleVersion:
            failure = Failure(form, STALE, values=request.form, status=409)
        except InvalidTrigger as error:
            failure = Failure(form, f"That is not possible while the dispute is in "
                                    f"{dispute_words.state(error.state)}; nothing was changed. "
                                    "Here is the dispute as it is now.", status=409)
        except GuardsUnmet as error:
            failure = _guard_failure(form, error)
        except Conflict as error:
            failure = Failure(form, f"Not saved: {error.detail}.", values=request.form, status=409)
    if failure is not None:
        return _page(actor, dispute_id, failure)
    flash(done(result), "success")
    return redirect(url_for(".show_dispute", dispute_id=dispute_id, _anchor=anchor))


@blueprint.post("/disputes/<int:dispute_id>/transitions")
def transition(dispute_id):
    trigger = request.form.get("trigger", "")
    return _submit(
        dispute_id, f"transition-{trigger}", schemas.TransitionIn(),
        lambda actor, data: services.transition(actor, clock(), dispute_id, **data),
        lambda dispute: f"Done: the dispute moved to {dispute_words.state(dispute.state)}.",
    )


@blueprint.post("/disputes/<int:dispute_id>/parties")
def add_party(dispute_id):
    return _submit(
        dispute_id, "party", schemas.PartyIn(),
        lambda actor, data: services.add_party(actor, clock(), dispute_id, **data),
        lambda _: "Party added.", "people",
    )


@blueprint.post("/disputes/<int:dispute_id>/mediators")
def assign_mediators(dispute_id):
    return _submit(
        dispute_id, "mediators", schemas.MediatorsIn(),
        lambda actor, data: services.assign_mediators(actor, clock(), dispute_id, **data),
        lambda _: "Mediators assigned.", "people",
    )


@blueprint.post("/disputes/<int:dispute_id>/stories")
def record_story(dispute_id):
    return _submit(
        dispute_id, "story", schemas.StoryIn(),
        lambda actor, data: services.record_story(actor, clock(), dispute_id, **data),
        lambda story: "Recorded as declined to tell." if story.declined else "Story recorded.", "stories",
    )


@blueprint.post("/disputes/<int:dispute_id>/options")
def propose_option(dispute_id):
    return _submit(
        dispute_id, "option", schemas.OptionIn(),
        lambda actor, data: services.propose_option(actor, clock(), dispute_id, **data),
        lambda _: "Option proposed.", "options",
    )


@blueprint.post("/disputes/<int:dispute_id>/acceptances")
def accept_option(dispute_id):
    """Accepting an option other than the one the other company accepted is asked about
    first, on a page that names both; the second button sends `confirmed`."""
    option_id = forms.number(request.form.get("option_id", ""))
    if request.form.get("confirmed") != "yes" and isinstance(option_id, int):
        question = dispute_reading.second_thought(viewer(), dispute_id, option_id)
        if question is not None:
            return render_template("disputes/confirm_accept.html", question=question,
                                   expected_version=request.form.get("expected_version", ""))
    return _submit(
        dispute_id, "accept", schemas.AcceptanceIn(),
        lambda actor, data: services.accept_option(actor, clock(), dispute_id, **data),
        lambda _: f"Accepted for {viewer().organization.name}.", "options",
    )


@blueprint.post("/disputes/<int:dispute_id>/acceptances/<int:acceptance_id>/retract")
def retract_acceptance(dispute_id, acceptance_id):
    return _submit(
        dispute_id, "retract", schemas.Versioned(),
        lambda actor, data: services.retract_acceptance(actor, clock(), dispute_id, acceptance_id=acceptance_id,
                                                        **data),
        lambda _: f"Acceptance taken back for {viewer().organization.name}.", "options",
    )


@blueprint.post("/disputes/<int:dispute_id>/notes")
def add_note(dispute_id):
    return _submit(
        dispute_id, "note", schemas.NoteIn(),
        lambda actor, data: services.add_note(actor, clock(), dispute_id, **data),
        lambda _: "Note added.", "notes",
    )


def _end_of_day(text: str) -> dict:
    """A due date from a date field means the end of that day (UTC)."""
    text = text.strip()
    return {"due_at": f"{text}T23:59:59Z"} if DATE.fullmatch(text) else {}


@blueprint.post("/disputes/<int:dispute_id>/commitments")
def record_commitment(dispute_id):
    return _submit(
        dispute_id, "commitment", schemas.CommitmentIn(),
        lambda actor, data: services.record_commitment(actor, clock(), dispute_id, **data),
        lambda _: "Commitment recorded.", "commitments",
        **_end_of_day(request.form.get("due_at", "")),
    )


@blueprint.post("/disputes/<int:dispute_id>/commitments/<int:commitment_id>")
def settle_commitment(dispute_id, commitment_id):
    return _submit(
        dispute_id, f"settle-{commitment_id}", schemas.CommitmentSettlementIn(),
        lambda actor, data: services.settle_commitment(actor, clock(), dispute_id, commitment_id, **data),
        lambda commitment: f"Commitment marked {commitment.status}.", "commitments",
    )
