"""Marshmallow schemas of the witness API: registering a company's witness key, sending a
cosignature of a checkpoint, and who cosigned last."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from web.relationship_schemas import RefOut
from web.schemas import Text
from web.schemas import Whole

# A verifier key is a name, 8 hex digits and 44 base64 characters; names stay short.
MAX_VERIFIER_KEY = 400
# An em dash, a name, and the base64 of a key hash, a time and a signature (76 bytes).
MAX_COSIGNATURE_LINE = 400


class WitnessKeyIn(Schema):
    verifier_key = Text(required=True, validate=validate.Length(min=1, max=MAX_VERIFIER_KEY), metadata={
        "description": "the witness's Ed25519 public key as a C2SP verifier key, name+keyhash+base64, "
                       "as `accord audit witness-key` prints it"})


class WitnessKeyOut(Schema):
    organization_id = fields.Integer()
    name = fields.String(metadata={"description": "the key's name, which its cosignature lines carry"})
    verifier_key = fields.String()
    registered_at = fields.DateTime()


class CosignatureIn(Schema):
    size = Whole(required=True, validate=validate.Range(min=0, max=2**31 - 1), metadata={
        "description": "the tree size of the checkpoint cosigned"})
    cosignature = Text(required=True, validate=validate.Length(min=1, max=MAX_COSIGNATURE_LINE), metadata={
        "description": "one signature line of c2sp.org/tlog-cosignature, as the witness adds it to the note: "
                       "an em dash, a space, the key's name, a space, base64 of key hash, time and signature"})


class CosignatureOut(Schema):
    size = fields.Integer()
    organization = fields.Nested(RefOut)
    cosigned_at = fields.DateTime(metadata={"description": "the time the cosignature vouches for"})


class CosignerOut(Schema):
    organization = fields.Nested(RefOut)
    key_name = fields.String()
    size = fields.Integer(allow_none=True, metadata={
        "description": "the largest tree size the company cosigned; null before its first cosignature"})
    cosigned_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)


class CosignersOut(Schema):
    items = fields.List(fields.Nested(CosignerOut), metadata={"description": "by company name"})
