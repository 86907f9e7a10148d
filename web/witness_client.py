"""A company's witness run on its own machine (`accord audit witness`): it reads the
installation's latest checkpoint over the API, lets mediation.witness decide whether to
cosign it, sends the cosignature, and only then remembers what it cosigned.

It needs no database, only the installation's URL, a token of a person of the company
(an administrator or an auditor) and the witness's private key.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import PublicFormat

from mediation import checkpoint_notes
from mediation import witness
from mediation.checkpoint_notes import NoteError

API_PATH = "/api/v1"
TIMEOUT_SECONDS = 30


class WitnessError(Exception):
    """The run could not finish: the installation is unreachable, refused the request or
    answered something unexpected, or the key does not match the registration. `status`
    is the HTTP status of a refusal."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Api:
    """The installation's JSON API, as one person of the company."""

    url: str
    token: str

    def get_json(self, path: str, **query) -> dict:
        return _json(path, self._call("GET", path, query=query))

    def get_text(self, path: str) -> str:
        return self._call("GET", path)

    def post_json(self, path: str, body: dict) -> dict:
        return _json(path, self._call("POST", path, body=json.dumps(body).encode()))

    def _call(self, method: str, path: str, query=None, body: bytes | None = None) -> str:
        base = self.url.rstrip("/")
        address = (base if base.endswith(API_PATH) else base + API_PATH) + path
        if query:
            address += "?" + urlencode(query)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json, text/plain"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(address, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            raise WitnessError(_refusal(method, address, error), error.code) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise WitnessError(f"cannot reach {address}: {reason}") from None


@dataclass(frozen=True)
class Outcome:
    origin: str
    size: int
    previous_size: int | None
    trusted_on_first_use: bool


def run(api: Api, private_key: Ed25519PrivateKey, state_path, log_key: str | None, now: float) -> Outcome:
    """Cosign the installation's latest checkpoint if it extends the one last cosigned.

    Raises WitnessError when the run cannot finish and witness.Refusal when the checkpoint
    must not be cosigned; in both cases the state file is left as it was."""
    organization = api.get_json("/me")["organization"]
    name = _registered_name(api, organization, private_key)
    state = witness.read_state(state_path)
    trusted_on_first_use = False
    if log_key is None and state is not None:
        log_key = state.log_verifier_key
    if log_key is None:
        log_key = api.get_text("/audit/verifier-key").strip()
        trusted_on_first_use = True
    note = api.get_text("/audit/checkpoint")
    size = _size(note, log_key)
    proof = []
    if state is not None and size is not None and size > state.size:
        proof = api.get_json("/audit/proofs/consistency", **{"from": state.size, "to": size})["proof"]
    cosigned = witness.witness(state, note, proof, log_key, name, private_key, now)
    api.post_json("/audit/checkpoint/cosignatures", {"size": cosigned.state.size,
                                                      "cosignature": cosigned.cosignature_line})
    witness.write_state(state_path, cosigned.state)
    return Outcome(cosigned.state.origin, cosigned.state.size, state.size if state else None, trusted_on_first_use)


def _registered_name(api: Api, organization: dict, private_key: Ed25519PrivateKey) -> str:
    """The name of the key registered for the company, once it is the public half of ours."""
    try:
        registered = api.get_json(f"/organizations/{organization['id']}/witness-key")["verifier_key"]
    except WitnessError as error:
        if error.status != 404:
            raise
        raise WitnessError(f"no witness key is registered for {organization['name']} ({error}): an administrator "
                           "registers the one 'accord audit witness-key' printed") from None
    parsed = checkpoint_notes.parse_verifier_key(registered)
    if _raw(parsed.public_key) != _raw(private_key.public_key()):
        raise WitnessError(f"the witness key registered for {organization['name']} ({registered}) is not the public "
                           "key of this key file: register this file's key, or run with the registered key's file")
    return parsed.name


def _size(note: str, log_key: str) -> int | None:
    """The checkpoint's size, to ask for the proof; None when it does not verify, which the
    witness then refuses with the reason."""
    try:
        return checkpoint_notes.verify(note, log_key).size
    except NoteError:
        return None


def _json(path: str, text: str) -> dict:
    try:
        return json.loads(text)
    except ValueError:
        raise WitnessError(f"{path} did not answer JSON: is --url the address of the Accord installation?") from None


def _raw(public_key) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _refusal(method: str, address: str, error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read().decode()).get("detail")
    except (ValueError, AttributeError, OSError):
        detail = None
    what = f"{method} {address} answered {error.code}"
    if error.code == 401:
        what += " (the token was refused: check --token)"
    return f"{what}: {detail}" if detail else what
