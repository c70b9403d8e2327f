"""Answers in the version's envelope, as bytes.

- v0 answers the payload itself; v1 `{"result": "success", "return": ...}`; v2
  `{"result": "success", "data": ...}`; `?raw` answers the bare payload on v1 and v2 (errors
  keep their envelope); `?pretty` indents. JSON escapes non-ASCII (`\\u00a0`), as PHP did.
- Errors: `{"error": ...}` on v0 (plain), `{"result": "error", "error": ...}` on v1 and v2,
  with the token when there is one (statuses: errors.py).
"""

from __future__ import annotations

import json
from typing import Any

from mtgox_catalogue.model import Version

from ..core.errors import SandboxError
from .answers import Encoded
from .errors import status_of

#: Made once: `json.dumps` with options builds a new encoder on every call. Answers are trees
#: the handlers build fresh, never cyclic, so the encoder skips its cycle bookkeeping.
_COMPACT = json.JSONEncoder(separators=(",", ":"), check_circular=False)
_PRETTY = json.JSONEncoder(indent=4, check_circular=False)


def encode(payload: Any, *, pretty: bool = False) -> bytes:
    return (_PRETTY if pretty else _COMPACT).encode(payload).encode("ascii")


def encode_answer(version: Version, payload: Any, *, raw: bool, pretty: bool) -> bytes:
    """A successful answer's body: the payload in the version's envelope (bare with `raw`)."""
    if isinstance(payload, Encoded):
        if pretty:
            return encode_answer(version, json.loads(payload.json), raw=raw, pretty=True)
        if raw or version.envelope not in ("return", "data"):
            return payload.json
        return b'{"result":"success","' + version.envelope.encode() + b'":' + payload.json + b"}"
    return encode(payload if raw else enveloped(version, payload), pretty=pretty)


def enveloped(version: Version, payload: Any) -> Any:
    if version.envelope == "return":
        return {"result": "success", "return": payload}
    if version.envelope == "data":
        return {"result": "success", "data": payload}
    return payload


def error_answer(version: Version | None, error: SandboxError) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of a refusal; without a version (outside /api/<version>), v1's shape."""
    body: dict[str, Any]
    if version is not None and version.envelope == "plain":
        body = {"error": error.message}
    else:
        body = {"result": "error", "error": error.message}
    if error.token:
        body["token"] = error.token
    return status_of(error, version.key if version else "v1"), body
