"""The hand-written half of stream message parsing; the generated `mtgox.stream` holds the rest.

A stream message is one JSON object. `MessageReader` reads the catalogued kinds from the text
in one pass, straight into their classes (msgspec; money exact, see `_wire`); anything else goes
to the checked parser over `decode`, which reads it with `parse_float=Decimal`, so the trade
`amount`/`price` floats become Decimals of their literal text and never pass through float.
What the catalogue does not describe (an unknown op or kind, a payload no shape reads) becomes
an `Unknown` message holding the decoded object: a valid JSON object never raises, because one
odd message must not end a stream. Text that is not a JSON object raises
`InvalidMessageError`.

No `from __future__ import annotations`: `Unknown` is a Struct re-exported by generated packages.
"""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar, Union

import msgspec

from .. import _wire
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
        raw = _wire.UNTYPED.decode(text)  # the same values as json gives, faster
    except _wire.FAILURES:
        raw = _decode_checked(text)  # json reads UTF-16 and a BOM, and says what is wrong
    if type(raw) is not dict:
        raise InvalidMessageError(
            f"the stream message is a JSON {type(raw).__name__}, not an object", body=_printable(text)
        )
    return raw


def _decode_checked(text: str | bytes) -> Any:
    try:
        if not isinstance(text, str):
            text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads does
        return _DECODER.decode(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidMessageError(f"the stream message is not valid JSON ({exc})", body=_printable(text)) from None


def _printable(text: str | bytes) -> str | bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "replace")


class Unknown(Model, kw_only=False):
    """A message the catalogue does not describe, kept whole: `raw` is the decoded object.

    `reason` says why it was not typed: an unknown op or kind, or what a known kind's payload
    lacked (`user_order.amount: missing field 'value'`).
    """

    FIELDS: ClassVar[tuple[str, ...]] = ("raw", "reason")

    raw: dict[str, Any]
    reason: str

    @property
    def op(self) -> object:
        return self.raw.get("op")


class MessageReader(Generic[T]):
    """Stream messages read in one pass (msgspec), each straight into its class.

    Channel data (`{"op": "private", "private": KIND, KIND: payload}`) is a union tagged by
    `private` of the first shape of each kind (each with an `op` field, None when absent); the
    other ops a union tagged by `op`. A message
    neither reads (an unknown kind, a second shape, a field the catalogue does not name, a
    value out of its type, text that is not a JSON object) is read by `fallback`, the checked
    parser over the decoded object, which types it, keeps it as `Unknown` or raises
    `InvalidMessageError`, as it always did.
    """

    __slots__ = ("_channel", "_channel_kinds", "_fallback", "_op", "_op_kinds")

    def __init__(
        self,
        channel_kinds: tuple[type[Model], ...],
        op_kinds: tuple[type[Model], ...],
        fallback: Callable[[str | bytes], T],
    ) -> None:
        self._channel_kinds = channel_kinds
        self._op_kinds = op_kinds
        self._fallback = fallback
        self._channel: msgspec.json.Decoder[Any] | None = None
        self._op: msgspec.json.Decoder[Any] | None = None

    def __call__(self, text: str | bytes) -> T:
        channel = self._channel or self._build()
        try:
            message = channel.decode(text)
        except _wire.FAILURES:
            pass
        else:
            if message.op is not None:  # channel data says op "private"; without it, it is not
                return message  # type: ignore[no-any-return]
        if self._op is not None:
            try:
                return self._op.decode(text)  # type: ignore[no-any-return]
            except _wire.FAILURES:
                pass
        return self._fallback(text)

    def _build(self) -> msgspec.json.Decoder[Any]:
        # Built on first use: importing the generated stream module stays cheap.
        self._op = _wire.decoder(Union[self._op_kinds]) if self._op_kinds else None  # noqa: UP007 - a runtime tuple
        self._channel = _wire.decoder(Union[self._channel_kinds])  # noqa: UP007
        return self._channel


def call_result(name: str, parse: Callable[[Any], T], value: Any) -> T:
    """A signed call's `result` as its catalogued type; InvalidResponseError when it does not fit."""
    try:
        return parse(value)
    except ShapeError as exc:
        raise InvalidResponseError(f"result{exc.location}: {exc.message}", endpoint=f"stream {name}") from None
