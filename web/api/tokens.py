"""The caller's own API tokens and calendar links (`/me/tokens`): see them, make one, revoke one."""

from flask import Blueprint

from mediation import credentials
from web import schemas
from web.api import clock
from web.api import load_body
from web.api import load_query
from web.api import paged
from web.api.documented import Page
from web.api.documented import documented
from web.auth import current_actor

blueprint = Blueprint("tokens_api", __name__)

_token = schemas.TokenOut()


@blueprint.get("/me/tokens")
@documented("The caller's tokens and calendar links, newest first (never the tokens themselves)",
            query=schemas.NewestFirstQuery, answers={200: Page(schemas.TokenOut)})
def list_tokens():
    params = load_query()
    found = credentials.own_tokens(current_actor().person_id, before=params["before"], limit=params["limit"])
    return paged(found, _token.dump, "tokens_api.list_tokens", cursor_param="before")


@blueprint.post("/me/tokens")
@documented("Make an API token for the caller, shown in this answer only (not to auditors, who add nothing)",
            body=schemas.TokenIn, answers={201: schemas.NewTokenOut}, refuses=(403,))
def create_token():
    data = load_body()
    row, plain = credentials.issue_own_token(current_actor(), clock().now(), data["label"])
    return {**_token.dump(row), "token": plain}, 201


@blueprint.post("/me/tokens/<int:token_id>/revoke")
@documented("Revoke one of the caller's own tokens; it stops working at once", answers={200: schemas.TokenOut},
            refuses=(409,))
def revoke_token(token_id):
    return _token.dump(credentials.revoke_own_token(current_actor().person_id, token_id, clock().now()))
