"""The ledger for auditors: verify the whole chain, take a digest to check later, read
the signed checkpoints of the ledger's tree and the proofs against them."""

from flask import Blueprint
from flask import Response

from mediation import checkpoints
from mediation import ledger
from mediation import ledger_proofs
from mediation import witnesses
from mediation.errors import Forbidden
from web import schemas
from web.api import load_query
from web.api.answers import ConsistencyProofOut
from web.api.answers import DigestOut
from web.api.answers import InclusionProofOut
from web.api.answers import VerificationOut
from web.api.documented import PLAIN_TEXT
from web.api.documented import documented
from web.api.documented import link
from web.auth import current_actor
from web.limits import expensive

blueprint = Blueprint("audit_api", __name__)


def _require_auditor():
    """The whole chain spans every customer, so even its length is the supplier's to see."""
    actor = current_actor()
    if not actor.is_supplier or not (actor.has("auditor") or actor.has("admin")):
        raise Forbidden("the whole ledger is read by the supplier's auditors and administrators")


@blueprint.get("/audit/verify")
@documented("Verify the whole chain, or the history up to a digest", query=schemas.VerifyQuery,
            answers={200: VerificationOut}, refuses=(403, 429, 503))
@expensive(current_actor)
def verify():
    """200 with `ok` true or false; a false names the first bad event."""
    _require_auditor()
    params = load_query()
    digest = ledger.Digest.parse(params["digest"]) if params["digest"] else None
    return ledger.verify(digest).as_dict()


@blueprint.get("/audit/digest")
@documented("Take a digest of the chain's head, to verify the history against later", answers={200: DigestOut},
            refuses=(403,), links=(link("audit_api.verify", digest="$response.body#/digest"),))
def digest():
    _require_auditor()
    head = ledger.head()
    return {"sequence": head.sequence, "hash": head.hash, "digest": str(head)}


@blueprint.get("/audit/checkpoint")
@documented("The latest checkpoint of the ledger's tree: a C2SP signed note with its cosignatures",
            answers={200: PLAIN_TEXT}, refuses=(404,))
def checkpoint():
    """404 until the integrator (accord worker, accord audit integrate) signed a first one."""
    return _text(witnesses.latest_cosigned_note())


@blueprint.get("/audit/verifier-key")
@documented("The key that checks the checkpoints' signatures (a C2SP verifier key)", answers={200: PLAIN_TEXT},
            refuses=(503,))
def verifier_key():
    return _text(checkpoints.verifier_key() + "\n")


@blueprint.get("/audit/proofs/inclusion")
@documented("The proof that an event is in the tree of a checkpoint", query=schemas.InclusionQuery,
            answers={200: InclusionProofOut}, refuses=(404, 409))
def inclusion_proof():
    params = load_query()
    return InclusionProofOut().dump(ledger_proofs.inclusion(current_actor(), params["event"], params["size"]))


@blueprint.get("/audit/proofs/consistency")
@documented("The proof that an older tree is the start of a newer one", query=schemas.ConsistencyQuery,
            answers={200: ConsistencyProofOut}, refuses=(404,))
def consistency_proof():
    params = load_query()
    return ConsistencyProofOut().dump(ledger_proofs.consistency(params["old_size"], params["new_size"]))


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain", headers={"Cache-Control": "no-store"})
