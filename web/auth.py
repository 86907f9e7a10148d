"""Bearer-token authentication for the JSON API."""

from flask import g
from flask import request

from mediation.access import Actor
from mediation.credentials import person_for_token
from web.problems import ApiProblem


def unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "unauthorized", "Authentication required", detail,
                      headers={"WWW-Authenticate": 'Bearer realm="accord"'})


def current_actor() -> Actor:
    """The caller, from `Authorization: Bearer <token>`; 401 when missing, unknown or revoked."""
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise unauthorized("send an API token as 'Authorization: Bearer <token>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("the Authorization header must be 'Bearer <token>'")
    person = person_for_token(token.strip())
    if person is None:
        raise unauthorized("the token is unknown, revoked, or its person is disabled")
    g.actor = Actor.of(person)
    return g.actor
