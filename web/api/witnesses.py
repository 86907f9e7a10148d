"""Companies as witnesses: each registers the key it cosigns checkpoints with and sends
its cosignatures, which the latest checkpoint then carries for everyone to check."""

from flask import Blueprint

from mediation import witnesses
from web import witness_schemas as schemas
from web.api import clock
from web.api import load_body
from web.api.documented import documented
from web.auth import current_actor

blueprint = Blueprint("witnesses_api", __name__)

_key = schemas.WitnessKeyOut()
_received = schemas.CosignatureOut()
_cosigners = schemas.CosignersOut()


@blueprint.get("/organizations/<int:organization_id>/witness-key")
@documented("Read the key that checks an organization's cosignatures of checkpoints",
            answers={200: schemas.WitnessKeyOut})
def witness_key(organization_id):
    """404 when the organization registered none."""
    return _key.dump(witnesses.key_of(current_actor(), organization_id))


@blueprint.put("/organizations/<int:organization_id>/witness-key")
@documented("Register or replace the organization's witness key (its own administrators)",
            body=schemas.WitnessKeyIn, answers={200: schemas.WitnessKeyOut}, refuses=(403, 409))
def register_witness_key(organization_id):
    data = load_body()
    return _key.dump(witnesses.register_key(current_actor(), clock(), organization_id, data["verifier_key"]))


@blueprint.post("/audit/checkpoint/cosignatures")
@documented("Send the caller's company's cosignature of a checkpoint (its administrators and auditors)",
            body=schemas.CosignatureIn, answers={201: schemas.CosignatureOut}, refuses=(403, 404, 409))
def cosign():
    """409 when the company registered no witness key; 422 naming `cosignature` when the line
    does not verify with it."""
    data = load_body()
    return _received.dump(witnesses.receive(current_actor(), clock(), data["size"], data["cosignature"])), 201


@blueprint.get("/audit/cosigners")
@documented("List the companies with a witness key that the caller sees, each with its latest cosignature",
            answers={200: schemas.CosignersOut})
def cosigners():
    return _cosigners.dump({"items": witnesses.cosigners(current_actor())})
