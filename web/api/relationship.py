"""The relationship with one customer, as both companies may see it: its figures, its air
traffic and its team; and, for the supplier, how balanced its account managers are."""

from flask import Blueprint

from mediation import account_team
from mediation import advocacy as advocates
from protocols import air_traffic
from protocols import relationship as relationships
from web import relationship_schemas as schemas
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api.documented import documented
from web.auth import current_actor

blueprint = Blueprint("relationship_api", __name__)

_relationship = schemas.RelationshipOut()
_contacts = schemas.ContactsOut()
_team = schemas.TeamOut()
_member = schemas.TeamMemberOut()
_advocacy = schemas.AdvocacyOut()
_advocates = schemas.AdvocatesOut()


@blueprint.get("/accounts/<int:account_id>/relationship")
@documented("Read the relationship with a customer over a period (default: the last 12 months): its disputes, "
            "the value of their resolutions to each company and its balance, commitments, communication and "
            "a quarterly trend", query=schemas.RelationshipQuery, answers={200: schemas.RelationshipOut})
def relationship(account_id):
    params = load_query()
    return _relationship.dump(relationships.relationship(current_actor(), clock(), account_id, **params))


@blueprint.get("/accounts/<int:account_id>/contacts")
@documented("Read the air traffic of an account over a period (default: the last 12 months): each person's "
            "contacts across projects, per week against the account's ceiling, and collisions",
            query=schemas.ContactsQuery, answers={200: schemas.ContactsOut})
def contacts(account_id):
    params = load_query()
    return _contacts.dump(air_traffic.contacts(current_actor(), clock(), account_id, **params))


@blueprint.get("/accounts/<int:account_id>/team")
@documented("List the account's team on both sides: the people of each company who work on it, with their "
            "functions", answers={200: schemas.TeamOut})
def team(account_id):
    return _team.dump({"items": account_team.team_of(current_actor(), account_id)})


@blueprint.post("/accounts/<int:account_id>/team")
@documented("Put a person of the caller's company on the account's team (administrators, each of their own "
            "company's side)", body=schemas.TeamMemberIn, answers={201: schemas.TeamMemberOut},
            refuses=(403, 409))
def add_team_member(account_id):
    data = load_body()
    return _member.dump(account_team.add_member(current_actor(), clock(), account_id=account_id, **data)), 201


@blueprint.patch("/accounts/<int:account_id>/team/<int:person_id>")
@documented("Change the function a member of the caller's company serves in on the account's team",
            body=schemas.TeamFunctionIn, answers={200: schemas.TeamMemberOut}, refuses=(403,))
def change_team_function(account_id, person_id):
    data = load_body()
    return _member.dump(account_team.change_function(current_actor(), clock(), account_id=account_id,
                                                     person_id=person_id, **data))


@blueprint.delete("/accounts/<int:account_id>/team/<int:person_id>")
@documented("Take a member of the caller's company off the account's team", answers={204: None}, refuses=(403,))
def remove_team_member(account_id, person_id):
    account_team.remove_member(current_actor(), clock(), account_id=account_id, person_id=person_id)
    return "", 204


@blueprint.get("/people/<int:person_id>/advocacy")
@documented("Read an account manager's advocacy over a period (default: the last 12 months): the value of the "
            "resolutions of the disputes they mediated to each company, the overrides with their reasons, and "
            "a flag when they lean one way (the supplier only)", query=schemas.AdvocacyQuery,
            answers={200: schemas.AdvocacyOut}, refuses=(403,))
def advocacy(person_id):
    params = load_query()
    return _advocacy.dump(advocates.advocacy(current_actor(), clock(), person_id, **params))


@blueprint.get("/advocacy")
@documented("List every account manager side by side with their advocacy over a period (the supplier's "
            "administrators and auditors; a customer's people find no such list)", query=schemas.AdvocacyQuery,
            answers={200: schemas.AdvocatesOut}, refuses=(403, 404))
def advocacy_side_by_side():
    params = load_query()
    start, end, found = advocates.advocates(current_actor(), clock(), **params)
    return _advocates.dump({"start": start, "end": end, "items": found})
