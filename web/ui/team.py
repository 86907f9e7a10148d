"""The account team's page: both companies' sides for everyone who sees the account, and
for each company's administrators the forms that keep their own side."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from mediation import account_team
from mediation.errors import Invalid
from web import relationship_schemas as schemas
from web.ui import forms
from web.ui.session import clock
from web.ui.session import page_blueprint
from web.ui.session import viewer

blueprint = page_blueprint("team_ui", __name__)


def _page(account_id, form=None, errors=None, status=200):
    found = account_team.team_page(viewer(), account_id)
    return render_template("relationship/team.html", found=found, functions=account_team.FUNCTIONS,
                           candidates=[(person.id, person.name) for person in found.candidates],
                           form=form or {}, errors=errors or {}), status


def _back(account_id, message: str):
    flash(message, "success")
    return redirect(url_for("team_ui.show_team", account_id=account_id))


@blueprint.get("/accounts/<int:account_id>/team")
def show_team(account_id):
    return _page(account_id)


@blueprint.post("/accounts/<int:account_id>/team")
def add_member(account_id):
    data, errors = forms.load(schemas.TeamMemberIn(), request.form)
    if not errors:
        try:
            added = account_team.add_member(viewer(), clock(), account_id=account_id, **data)
        except Invalid as refused:
            errors = refused.errors
    if errors:
        return _page(account_id, request.form, errors, 422)
    return _back(account_id, f"{added.person.name} is on the team, for {added.function}.")


@blueprint.post("/accounts/<int:account_id>/team/<int:person_id>/function")
def change_function(account_id, person_id):
    data, errors = forms.load(schemas.TeamFunctionIn(), request.form)
    if not errors:
        try:
            changed = account_team.change_function(viewer(), clock(), account_id=account_id, person_id=person_id,
                                                   **data)
        except Invalid as refused:
            errors = refused.errors
    if errors:
        return _page(account_id, {f"function-{person_id}": request.form.get("function", "")},
                     {f"function-{person_id}": errors["function"]}, 422)
    return _back(account_id, f"{changed.person.name} now serves the account for {changed.function}.")


@blueprint.post("/accounts/<int:account_id>/team/<int:person_id>/remove")
def remove_member(account_id, person_id):
    removed = account_team.remove_member(viewer(), clock(), account_id=account_id, person_id=person_id)
    return _back(account_id, f"{removed.person.name} is off the team.")
