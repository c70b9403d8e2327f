"""An answer's body read into models in one pass: the version's envelope and the payload together.

Each generated method hands the transport a `Reader`: the payload's type for the one-pass decoder
(msgspec, see `_wire`), and its checked reader (`from_wire` over decoded JSON). A 2xx JSON answer
is first decoded straight from its bytes, the envelope with it (`{"result": "success", "data":
...}` as a Struct generic over the payload, v1's `return` alike, v0's bare answer as the payload
itself); whatever that refuses (an error envelope, a field the catalogue does not name, a value
out of its type) is read as before: `_envelope.decode`, then the checked reader, which gives the
same result or the same typed error it always gave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar

import httpx
import msgspec

from . import _wire
from ._catalogue_info import Endpoint, Envelope

T = TypeVar("T")


class _Data(msgspec.Struct, Generic[T]):
    """v2's success envelope; other keys beside it are ignored, as `_envelope.unwrap` does."""

    result: Literal["success"]
    data: T


class _Return(msgspec.Struct, Generic[T]):
    """v1's success envelope."""

    result: Literal["success"]
    payload: T = msgspec.field(name="return")


class Miss:
    """The one-pass read did not apply or did not succeed: read the answer the checked way."""

    __slots__ = ()


MISS = Miss()


class Reader(Generic[T]):
    """How one kind of answer is read: in one pass from the bytes, or from its decoded JSON.

    `wire_type` is the payload's type for msgspec (None: only the checked reader applies, for a
    payload whose scalars need checking outside any model); calling the reader runs the checked
    one, so a Reader goes wherever a `from_wire` does.
    """

    __slots__ = ("_decoders", "from_wire", "wire_type")

    def __init__(self, wire_type: Any, from_wire: Callable[[Any], T]) -> None:
        self.wire_type = wire_type
        self.from_wire = from_wire
        self._decoders: dict[Envelope, msgspec.json.Decoder[Any] | None] = {}

    def __call__(self, payload: Any) -> T:
        return self.from_wire(payload)

    def __repr__(self) -> str:
        return f"Reader({self.wire_type!r})"

    def _decoder(self, envelope: Envelope) -> msgspec.json.Decoder[Any] | None:
        try:
            return self._decoders[envelope]
        except KeyError:
            pass
        kind = self.wire_type
        if kind is None or (envelope == "plain" and not _bare_payload_is_unambiguous(kind)):
            decoder = None
        else:
            wrapped = _Data[kind] if envelope == "data" else _Return[kind] if envelope == "return" else kind  # type: ignore[valid-type]
            decoder = _wire.decoder(wrapped)
        self._decoders[envelope] = decoder
        return decoder

    def read(self, content: bytes, envelope: Envelope) -> T | Miss:
        """The payload of a 2xx answer's `content` in one pass; MISS when that does not apply."""
        decoder = self._decoder(envelope)
        if decoder is None:
            return MISS
        try:
            decoded = decoder.decode(content)
        except _wire.FAILURES:
            return MISS
        return decoded if envelope == "plain" else decoded.data if envelope == "data" else decoded.payload  # type: ignore[no-any-return]


def _bare_payload_is_unambiguous(kind: Any) -> bool:
    """Whether a v0 answer of this type can never be an error object decoded as a payload.

    v0 sent errors bare too (`{"error": "Not logged in."}`): a list, or a model naming neither
    `error` nor `result` (unknown keys fail it), cannot hold one; anything else is left to
    `_envelope.unwrap`, which tells them apart.
    """
    if getattr(kind, "__origin__", None) is list:
        return True
    wire_names = getattr(kind, "WIRE_NAMES", None)
    return wire_names is not None and not {"error", "result"} & set(wire_names)


def read_fast(parse: Callable[[Any], T], response: httpx.Response, endpoint: Endpoint, envelope: Envelope) -> T | Miss:
    """The parsed result of a 2xx JSON answer in one pass, or MISS (then: `_envelope.decode`)."""
    if not isinstance(parse, Reader) or endpoint.response_format != "json" or not 200 <= response.status_code < 300:
        return MISS
    return parse.read(response.content, envelope)
