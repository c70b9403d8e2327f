"""Signed calls over the stream: `{"op": "call", "id", "call": base64(key 16 | sig 64 | json), "context"}`.

The blob is checked exactly as an HTTP request is: the HMAC-SHA512 over the raw JSON bytes
after offset 80 (never a re-encoding: PHP escaped `/`), the inner `nonce` (number or string)
or `tonce`, the key's rights; then the handler of the catalogue's `StreamCall.endpoint`
answers, through the same dispatcher as HTTP (api/dispatch.py). Its payload comes back as
`{"op": "result", "id", "result"}`, its error as `{"op": "remark", "success": false, "message",
"id"}` (and the HTTP error token).

An `invalid-call` fault (api/faults.py) covering the call (by its name as sent or its v2 path,
and the key that signed it) answers the sporadic remark `Invalid call` Mt. Gox sent, the call
not run (its nonce not spent), as goxtool found: sending it again is the cure.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from mtgox_catalogue.model import Stream

from ..api.answers import Encoded
from ..api.context import Text
from ..api.dispatch import Dispatcher, Prepared
from ..core.errors import SandboxError
from .messages import remark

_SIGNATURE_END = 16 + 64


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


async def run(dispatcher: Dispatcher, stream: Stream, message: dict[str, Any]) -> dict[str, Any]:
    exchange = dispatcher.exchange
    call_id = message.get("id")
    blob_text = message.get("call")
    try:
        blob = base64.b64decode(str(blob_text), validate=True) if isinstance(blob_text, str) else b""
    except (binascii.Error, ValueError):
        blob = b""
    if len(blob) <= _SIGNATURE_END:
        return remark("Invalid call", call_id)
    key = str(uuid.UUID(bytes=blob[:16]))
    signature = base64.b64encode(blob[16:_SIGNATURE_END]).decode("ascii")
    raw = blob[_SIGNATURE_END:]
    try:
        inner = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return remark("Invalid call", call_id)
    if not isinstance(inner, dict):
        return remark("Invalid call", call_id)
    path = inner.get("call")
    resolved = stream.resolve_call(str(path).strip(), exchange.pairs) if isinstance(path, str) else None
    if resolved is None or resolved[0].endpoint is None:
        return remark("Method not found", call_id)
    spec, pair_code = resolved
    endpoint = spec.endpoint
    assert endpoint is not None
    params = inner.get("params")
    fields: dict[str, str] = {}
    if isinstance(params, dict):  # PHP sends [] for no parameters
        fields = {str(k): t for k, v in params.items() if (t := _text(v)) is not None}
    path_params: dict[str, str] = {}
    for param in endpoint.params:
        if param.location != "path":
            continue
        if param.type == "pair":
            if pair_code is None:
                item = _text(inner.get("item")) or exchange.item
                currency = _text(inner.get("currency")) or stream.default_currency
                pair = exchange.pair_for(item.upper(), currency.upper())
                if pair is None:
                    return remark("Currency parameter is mandatory", call_id)
                pair_code = pair.code
            path_params[param.wire] = pair_code
        else:
            value = _text(inner.get(param.wire)) or fields.get(param.wire)
            if value is None:
                return remark(f"Missing parameter {param.wire}", call_id)
            path_params[param.wire] = value
    body_fields: dict[str, str] = {}
    for name in ("tonce", "nonce"):
        value = _text(inner.get(name))
        if value is not None:
            body_fields[name] = value
            break
    v2_path = endpoint.path
    for name, value in path_params.items():
        v2_path = v2_path.replace("{" + name + "}", value)
    paths = (str(path).strip(), f"/api/{endpoint.version.prefix}{v2_path}")
    faults = dispatcher.faults
    if faults is not None and faults.find(("invalid-call",), paths, key=key) is not None:
        return remark("Invalid call", call_id)
    prepared = Prepared(endpoint, path_params, fields, body_fields, key, signature, raw, paths)
    result = await dispatcher.answer(prepared)
    if isinstance(result, SandboxError):
        extra = {"token": result.token} if result.token else {}
        return remark(result.message, call_id, **extra)
    if isinstance(result, Text):
        result = result.body
    elif isinstance(result, Encoded):
        result = json.loads(result.json)
    return {"op": "result", "id": call_id, "result": result}
