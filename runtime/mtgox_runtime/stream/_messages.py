"""The hand-written half of stream message parsing; the generated `mtgox.stream` holds the rest.

A stream message is one JSON object. `decode` reads it with `parse_float=Decimal`, so the trade
`amount`/`price` floats become Decimals of their literal text and never pass through float.
What the catalogue does not describe (an unknown op or kind, a payload no shape reads) becomes
an `Unknown` message holding the decoded object: a valid JSON object never raises, because one
odd message must not end a stream. Text that is not a JSON object raises
`InvalidMessageError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from .._errors import InvalidResponseError
from .._models import Model
from .._parse import ShapeError

T = TypeVar("T")


class InvalidMessageError(InvalidResponseError):
    """A stream message that is not a JSON object (not JSON at all, or an array, a number...)."""

    kind = "invalid_message"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


#: One decoder for every message: `json.loads` with options builds a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)


def decode(text: str | bytes) -> dict[str, Any]:
    """One message's JSON object, floats as exact Decimals; InvalidMessageError otherwise."""
    try:
        if not isinstance(text, str):
            text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads does
        raw = _DECODER.decode(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidMessageError(f"the stream message is not valid JSON ({exc})", body=_printable(text)) from None
    if type(raw) is not dict:
        raise InvalidMessageError(
            f"the stream message is a JSON {type(raw).__name__}, not an object", body=_printable(text)
        )
    return raw


def _printable(text: str | bytes) -> str | bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "replace")


class Unknown(Model):
    """A message the catalogue does not describe, kept whole: `raw` is the decoded object.

    `reason` says why it was not typed: an unknown op or kind, or what a known kind's payload
    lacked (`user_order.amount: missing field 'value'`).
    """

    __slots__ = ("raw", "reason")
    FIELDS: ClassVar[tuple[str, ...]] = ("raw", "reason")

    raw: dict[str, Any]
    reason: str

    def __init__(self, raw: dict[str, Any], reason: str) -> None:
        self.raw = raw
        self.reason = reason
        self.extra = {}

    @property
    def op(self) -> object:
        return self.raw.get("op")


def call_result(name: str, parse: Callable[[Any], T], value: Any) -> T:
    """A signed call's `result` as its catalogued type; InvalidResponseError when it does not fit."""
    try:
        return parse(value)
    except ShapeError as exc:
        raise InvalidResponseError(f"result{exc.location}: {exc.message}", endpoint=f"stream {name}") from None
