"""The relationship with one customer, as both companies may see it."""

from flask import Blueprint

from protocols import air_traffic
from protocols import relationship as relationships
from web import relationship_schemas as schemas
from web.api import clock
from web.api import load_query
from web.api.documented import documented
from web.auth import current_actor

blueprint = Blueprint("relationship_api", __name__)

_relationship = schemas.RelationshipOut()
_contacts = schemas.ContactsOut()


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
