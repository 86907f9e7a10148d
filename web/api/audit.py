"""The ledger for auditors: verify the whole chain, take a digest to check later."""

from flask import Blueprint

from mediation import ledger
from mediation.errors import Forbidden
from web import schemas
from web.api import load_query
from web.api.answers import DigestOut
from web.api.answers import VerificationOut
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
    if head is None:
        return {"sequence": 0, "hash": ledger.GENESIS_HASH, "digest": f"0:{ledger.GENESIS_HASH}"}
    return {"sequence": head.sequence, "hash": head.hash, "digest": str(head)}
