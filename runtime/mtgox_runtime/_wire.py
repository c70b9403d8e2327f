"""What each catalogue type is on the wire, for the one-pass decoder (msgspec) of the models.

Models are msgspec Structs, so a body's bytes become typed models in one pass of a C decoder.
msgspec reads `*_int` strings in its lax mode, and lax mode accepts a little more than the
catalogue's types; the types below, and each model's checks after decoding, refuse that:

- an integer written with a fraction or an exponent ("12.0", 1e3) would become an integer
  through a float: `WireInt` sends it to a float no value satisfies, so it fails;
- a decimal must be finite with its exponent within ±MAX_EXPONENT, as `_parse.to_decimal` says
  (the model's `__post_init__` checks: msgspec bounds no Decimal);
- an optional field that is not a string never reads a string as null (`Opt`): lax mode reads
  the string "null" as null, which the catalogue's types do not;
- timestamps are the wire's integers, checked for range by msgspec; a model turns them into
  aware datetimes when the attribute is read (`datetime_on_read`), so a 50,000-level book makes
  no datetime it is not asked for.

Whatever a model refuses (a ValueError in `__post_init__`, which msgspec reports as a
ValidationError), as whatever msgspec refuses, sends the answer to the checked path
(`from_wire` over decoded JSON), which accepts exactly what it accepted before and says what is
wrong, and where. So the fast path never accepts more than the checked one, nor reads a value
differently (`tests/runtime/test_runtime_wire.py` holds them to it).

For type checkers the aliases are the public types (`WireInt` is `int`, `UnixMicros` is
`datetime`); at run time they are what msgspec decodes. `public_hints` resolves a model's
annotations to the public types.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeAlias, TypeVar

import msgspec

from ._parse import MAX_EXPONENT, ShapeError, to_bool, to_datetime

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The Unix seconds and microseconds an aware datetime can hold (year 1 to 9999): outside them
#: `_parse.to_timestamp[_us]` refuses, and so does the decoder.
SECONDS_RANGE = (-62_135_596_800, 253_402_300_799)
MICROSECONDS_RANGE = (SECONDS_RANGE[0] * 1_000_000, SECONDS_RANGE[1] * 1_000_000 + 999_999)


class _Kind(type):
    """A marker class's metaclass: its instances are those of the public type it stands for, so
    msgspec accepts what `dec_hook` returns for it."""

    public: type

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, cls.public)


class _ServerTime(metaclass=_Kind):
    """'YYYY-MM-DD HH:MM:SS', read by `_parse.to_datetime` (msgspec's RFC 3339 differs)."""

    public = datetime


class _Flag(metaclass=_Kind):
    """A boolean as Mt. Gox wrote them (1, "Y", "true"...), read by `_parse.to_bool`."""

    public = bool


#: A string no field accepts: in a union, it takes strings away from lax mode, which would read
#: the string "null" as null.
_NO_STRING = Annotated[str, msgspec.Meta(min_length=1, max_length=0)]


class _Optional:
    """`Opt[X]` at run time. A model, list or map: X or null, and never a string (see
    `_NO_STRING`). A scalar (which msgspec cannot unite with a string): X alone, with a default
    of None, so an explicit null takes the checked path (where it reads as None)."""

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, msgspec.StructMeta) or typing.get_origin(item) in (list, dict):
            return item | None | _NO_STRING
        return item


#: A float no field accepts: in a union with `int`, it takes the numbers written with a fraction
#: or an exponent ("12.0", 1e3), which lax mode would otherwise turn into integers through a
#: float, so that they fail (and the checked path reads them: a JSON 12.0 is the integer 12).
_NO_FLOAT = Annotated[float, msgspec.Meta(gt=0, lt=0)]

if TYPE_CHECKING:
    WireInt = int
    UnixTime = datetime
    UnixMicros = datetime
    ServerTime = datetime
    Flag = bool
    Opt: TypeAlias = T | None
else:
    WireInt = int | _NO_FLOAT
    UnixTime = Annotated[int, msgspec.Meta(ge=SECONDS_RANGE[0], le=SECONDS_RANGE[1])] | _NO_FLOAT
    UnixMicros = Annotated[int, msgspec.Meta(ge=MICROSECONDS_RANGE[0], le=MICROSECONDS_RANGE[1])] | _NO_FLOAT
    ServerTime = _ServerTime
    Flag = _Flag
    Opt = _Optional()

#: The aliases at run time, and as type checkers see them, for `public_hints`.
_RUNTIME: dict[str, Any] = {"WireInt": WireInt, "UnixTime": UnixTime, "UnixMicros": UnixMicros}
_PUBLIC_NAMES: dict[str, Any] = {
    "WireInt": int,
    "UnixTime": datetime,
    "UnixMicros": datetime,
    "ServerTime": datetime,
    "Flag": bool,
    "Opt": Optional,
}


def public_hints(cls: type) -> dict[str, Any]:
    """The annotations of a model class as its users see them (`WireInt` as `int`, ...).

    Generated models annotate with the aliases' names (resolved here to the public types); the
    runtime's own models (Money) with the aliases themselves (mapped back).
    """
    public = {runtime: _PUBLIC_NAMES[name] for name, runtime in _RUNTIME.items()}
    hints = typing.get_type_hints(cls, localns=_PUBLIC_NAMES, include_extras=True)
    return {name: public.get(hint, _without_metadata(hint)) for name, hint in hints.items()}


def _without_metadata(hint: Any) -> Any:
    """`Annotated[X, ...]` as X (the metadata is msgspec's)."""
    return typing.get_args(hint)[0] if typing.get_origin(hint) is Annotated else hint


def dec_hook(kind: type, value: Any) -> Any:
    """msgspec's hook for the marker types: the checked converter of each."""
    if kind is _ServerTime:
        return to_datetime(value)
    if kind is _Flag:
        return to_bool(value)
    raise NotImplementedError(f"no wire reading of {kind!r}")


def untyped_number(text: str) -> Decimal:
    """msgspec's hook for a number with a fraction in an untyped (`any`) value: exact, as the
    checked path decodes it (`parse_float=Decimal`)."""
    return Decimal(text)


def decoder(kind: Any) -> msgspec.json.Decoder[Any]:
    """The one-pass decoder of `kind`: lax (`*_int` strings), exact numbers in `any` values."""
    return msgspec.json.Decoder(kind, strict=False, dec_hook=dec_hook, float_hook=untyped_number)


#: Untyped JSON with exact decimals, as `json.loads(..., parse_float=Decimal)` reads it; what it
#: refuses (a BOM, UTF-16, a lone surrogate, anything not JSON) is left to json, which reads the
#: first two and says what is wrong with the rest.
UNTYPED = msgspec.json.Decoder(float_hook=untyped_number)

#: What a one-pass decode raises when the bytes, or a model's checks, refuse: the checked path
#: then reads the answer (ShapeError comes from `dec_hook`; RecursionError from deep nesting).
FAILURES: tuple[type[Exception], ...] = (msgspec.DecodeError, ValueError, ShapeError, RecursionError)


# -- timestamps, read when asked --------------------------------------------------------------

SECONDS = 1
MICROSECONDS = 2


def datetime_on_read(cls: type, name: str, unit: int) -> None:
    """Make `cls.<name>` an aware datetime built from the wire's integer when read.

    The field keeps what was put in it: the decoder's integer, or a datetime from the checked
    path or a constructor; reading gives a datetime either way (the same `_EPOCH + timedelta`
    as `_parse.to_timestamp[_us]`).
    """
    member = cls.__dict__[name]
    raw: Callable[[Any], object] = member.__get__

    if unit == SECONDS:

        def read(self: Any) -> Any:
            value = raw(self)
            return _EPOCH + timedelta(0, value) if type(value) is int else value

    else:

        def read(self: Any) -> Any:
            value = raw(self)
            return _EPOCH + timedelta(0, 0, value) if type(value) is int else value

    setattr(cls, name, property(read, member.__set__, doc=f"{cls.__name__}.{name}: an aware datetime (UTC)"))


# -- values inside lists and maps -------------------------------------------------------------


def _decimal_leaf(value: Any) -> Any:
    if type(value) is Decimal and not (-MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT and value.is_finite()):
        raise ValueError("a decimal out of bounds")
    return value


def _seconds_leaf(value: Any) -> Any:
    return _EPOCH + timedelta(0, value) if type(value) is int else value


def _micros_leaf(value: Any) -> Any:
    return _EPOCH + timedelta(0, 0, value) if type(value) is int else value


#: The check (a decimal) or the conversion (a timestamp) of a scalar inside a list or map.
LEAVES: dict[str, Callable[[Any], Any]] = {
    "decimal": _decimal_leaf,
    "timestamp": _seconds_leaf,
    "timestamp_us": _micros_leaf,
}


def each(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """`value` (lists and maps, to any depth) with `leaf` applied to every scalar in it."""
    if type(value) is list:
        return [each(item, leaf) for item in value]
    if type(value) is dict:
        return {key: each(item, leaf) for key, item in value.items()}
    return value if value is None else leaf(value)
