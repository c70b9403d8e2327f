"""Credentials, the Rest-Sign signature and the streaming API's packed call format.

Rest-Sign = base64(HMAC-SHA512(base64decode(secret), message)), where the message is the form
body (v0, v1) or `path + NUL + body` (v2, path being everything after `/api/2/`).

The secret lives only inside a prepared `hmac.HMAC` object: no attribute, repr, log line or
exception holds the secret string or its decoded bytes. Each signature copies the prepared
object (`HMAC.copy()`), which skips re-deriving the inner and outer pads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._errors import ConfigurationError, InvalidRequestError

SECRET_BYTES = 64
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_b2a = binascii.b2a_base64


class Redacted:
    """Holds a sensitive string; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("a Redacted value cannot be pickled")


def check_key(key: object) -> str:
    """An API key is a UUID (8-4-4-4-12 hex digits), sent as that text."""
    if not isinstance(key, str):
        raise ConfigurationError(f"the API key must be a str, not {type(key).__name__}")
    key = key.strip()
    if not _UUID.fullmatch(key):
        shown = key if len(key) <= 40 and key.isprintable() else f"{len(key)} characters"
        raise ConfigurationError(
            f"the API key must be a UUID such as 12345678-abcd-1234-abcd-50286e649d5c, not {shown!r}"
        )
    return key


def _secret_mac(secret: Redacted | str) -> hmac.HMAC:
    """A prepared HMAC-SHA512 keyed with the decoded secret; errors never show the secret."""
    text = secret.reveal() if isinstance(secret, Redacted) else secret
    if not isinstance(text, str):
        raise ConfigurationError(f"the API secret must be a str, not {type(text).__name__}")
    problem = None
    raw = b""
    try:
        cleaned = "".join(text.split())
        raw = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        problem = "the API secret is not valid base64"
    cleaned = ""
    text = ""
    if problem is None and len(raw) != SECRET_BYTES:
        problem = f"the API secret must decode to {SECRET_BYTES} bytes, not {len(raw)} (is it the whole secret?)"
    if problem is not None:
        raw = b""
        raise ConfigurationError(problem)
    mac = hmac.new(raw, digestmod=hashlib.sha512)
    raw = b""
    return mac


class Credentials:
    """An API key and its prepared signer. The repr shows the key, never the secret."""

    __slots__ = ("_mac", "key")

    def __init__(self, key: str, secret: Redacted | str) -> None:
        self.key = check_key(key)
        self._mac = _secret_mac(secret)

    def sign(self, message: bytes) -> str:
        """The Rest-Sign value for `message` (88 base64 characters, no newline)."""
        mac = self._mac.copy()
        mac.update(message)
        return _b2a(mac.digest(), newline=False).decode("ascii")

    def sign_path_body(self, path: bytes, body: bytes) -> str:
        """The v2 Rest-Sign: HMAC over `path + NUL + body`, without joining the bytes."""
        mac = self._mac.copy()
        mac.update(path)
        mac.update(b"\0")
        mac.update(body)
        return _b2a(mac.digest(), newline=False).decode("ascii")

    def digest(self, message: bytes) -> bytes:
        mac = self._mac.copy()
        mac.update(message)
        return mac.digest()

    def __repr__(self) -> str:
        return f"Credentials(key={self.key!r}, secret=<redacted>)"

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("Credentials cannot be pickled")


def sign(secret: str, message: bytes) -> str:
    """The Rest-Sign header value: base64(HMAC-SHA512(base64decode(secret), message)).

    For v0/v1 `message` is the form body; for v2 it is `path.encode() + b"\\0" + body`.
    Raises ConfigurationError (without echoing it) when the secret is not 64 base64-encoded bytes.
    """
    mac = _secret_mac(Redacted(secret))
    mac.update(message)
    return _b2a(mac.digest(), newline=False).decode("ascii")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise InvalidRequestError(f"pack_call cannot encode a {type(value).__name__} as JSON")


def call_body(payload: Mapping[str, Any] | bytes) -> bytes:
    """The JSON of a packed call: a mapping as compact JSON (Decimal values as strings), bytes as given."""
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    if isinstance(payload, Mapping):
        return json.dumps(dict(payload), separators=(",", ":"), default=_json_default).encode("utf-8")
    raise InvalidRequestError(f"payload must be a mapping or bytes, not {type(payload).__name__}")


def packed(key: str, signature: bytes, body: bytes) -> str:
    """base64(key as 16 bytes + signature + body): the streaming API's signed call."""
    return base64.b64encode(uuid.UUID(key).bytes + signature + body).decode("ascii")


def pack_call(key: str, secret: str, payload: Mapping[str, Any] | bytes) -> str:
    """The streaming API's signed call: base64(key as 16 bytes + HMAC-SHA512(secret, json) + json).

    A mapping is encoded as compact JSON (Decimal values as strings); bytes are sent as given.
    """
    key = check_key(key)
    body = call_body(payload)
    mac = _secret_mac(Redacted(secret))
    mac.update(body)
    return packed(key, mac.digest(), body)


def unpack_call(packed: str) -> tuple[str, bytes, bytes]:
    """The inverse of `pack_call`: (key as a UUID string, 64-byte signature, JSON bytes)."""
    try:
        raw = base64.b64decode("".join(packed.split()), validate=True)
    except (binascii.Error, ValueError, AttributeError, TypeError):
        raise InvalidRequestError("a packed call must be a base64 string") from None
    if len(raw) < 16 + 64:
        raise InvalidRequestError(f"a packed call holds at least 80 bytes, not {len(raw)}")
    return str(uuid.UUID(bytes=raw[:16])), raw[16:80], raw[80:]
