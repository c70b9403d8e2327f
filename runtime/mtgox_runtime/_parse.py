"""Decoded JSON to typed values, for the `from_wire` parsers of generated models.

Converters (`to_*`) take one JSON value and return a typed one or raise `ShapeError`.
Field accessors (`field`, `field_opt`) look a key up and convert it, adding the key to the
error's location on the way out, so the location is only built when something is wrong and
the common path stays cheap (parsing a 50,000-order book goes through here 250,000 times).

Mt. Gox sent numbers as JSON numbers in one version and as strings in another, so numeric
converters accept both; JSON floats arrive as `Decimal` (the transport decodes with
`parse_float=Decimal`), so no float ever holds money.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ShapeError(Exception):
    """A JSON value was not of the expected shape; `location` says where."""

    def __init__(self, message: str, location: str = "") -> None:
        self.message = message
        self.location = location
        super().__init__(message)

    def at(self, key: str | int) -> ShapeError:
        step = f"[{key}]" if isinstance(key, int) else (f".{key}" if key.isidentifier() else f"[{key!r}]")
        self.location = step + self.location
        return self

    def __str__(self) -> str:
        return f"{self.location or '<root>'}: {self.message}"


def _describe(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'...' if len(text) > 40 else ''}"


def obj(raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ShapeError(f"expected an object, got {_describe(raw)}")
    return raw


def field(d: dict[str, Any], key: str, conv: Callable[[Any], T]) -> T:
    """A required field."""
    try:
        value = d[key]
    except KeyError:
        raise ShapeError(f"missing field {key!r}") from None
    try:
        return conv(value)
    except ShapeError as exc:
        raise exc.at(key) from None


def field_opt(d: dict[str, Any], key: str, conv: Callable[[Any], T]) -> T | None:
    """A field that may be absent or null."""
    value = d.get(key)
    if value is None:
        return None
    try:
        return conv(value)
    except ShapeError as exc:
        raise exc.at(key) from None


def opt(conv: Callable[[Any], T], value: Any) -> T | None:
    """`conv(value)`, or None for a field that is absent or null (the fast path of `field_opt`)."""
    return None if value is None else conv(value)


class _NoExtras(dict[str, Any]):
    """The `extra` of every model that has none: one shared, empty, read-only dict, so reading a
    large book allocates no empty dict per level."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> Any:
        raise TypeError("this model has no extra fields: assign a dict to .extra to give it some")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = __ior__ = _refuse


NO_EXTRAS: dict[str, Any] = _NoExtras()


def extras(d: dict[str, Any], known: AbstractSet[str]) -> dict[str, Any]:
    """Fields the catalogue does not name, kept rather than dropped (NO_EXTRAS when none)."""
    if d.keys() <= known:
        return NO_EXTRAS
    return {k: v for k, v in d.items() if k not in known}


def to_any(value: Any) -> Any:
    return value


def to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)  # ids sent as numbers by some server versions
    raise ShapeError(f"expected a string, got {_describe(value)}")


#: The largest decimal exponent accepted, either way: `1e999999999` is a valid JSON number whose
#: `int()` or `format()` would run for ever; no amount, price or rate comes near 10**40.
MAX_EXPONENT = 40


def to_int(value: Any) -> int:
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is str:
        try:
            return int(value)
        except ValueError:
            pass
    elif (
        kind is Decimal and value.is_finite() and value.adjusted() < MAX_EXPONENT and value == value.to_integral_value()
    ) or (
        isinstance(value, int) and kind is not bool  # int subclasses such as IntEnum
    ):
        return int(value)
    raise ShapeError(f"expected an integer, got {_describe(value)}")


def to_decimal(value: Any) -> Decimal:
    kind = type(value)
    if kind is Decimal:
        if value.is_finite() and -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
            return value  # type: ignore[no-any-return]
    elif kind is str:
        try:
            d = Decimal(value)
        except InvalidOperation:
            pass
        else:
            if d.is_finite() and -MAX_EXPONENT <= d.adjusted() <= MAX_EXPONENT:
                return d
    elif kind is int:
        return Decimal(value)
    raise ShapeError(f"expected a decimal number (exponent within ±{MAX_EXPONENT}), got {_describe(value)}")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "Y", "N", "true", "false"):
        return value in (1, "1", "Y", "true")
    raise ShapeError(f"expected a boolean, got {_describe(value)}")


def to_timestamp(value: Any) -> datetime:
    """Unix seconds (number or numeric string) to an aware UTC datetime."""
    try:
        return _EPOCH + timedelta(seconds=to_int(value))
    except (ShapeError, OverflowError):
        raise ShapeError(f"expected Unix seconds, got {_describe(value)}") from None


def to_timestamp_us(value: Any) -> datetime:
    """Unix microseconds (number or numeric string) to an aware UTC datetime, exactly."""
    try:
        return _EPOCH + timedelta(0, 0, to_int(value))  # positional: measurably cheaper per call
    except (ShapeError, OverflowError):
        raise ShapeError(f"expected Unix microseconds, got {_describe(value)}") from None


def to_datetime(value: Any) -> datetime:
    """'YYYY-MM-DD HH:MM:SS' (server time, UTC) to an aware datetime."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ShapeError(f"expected a 'YYYY-MM-DD HH:MM:SS' date, got {_describe(value)}")


def list_of(conv: Callable[[Any], T]) -> Callable[[Any], list[T]]:
    def convert(value: Any) -> list[T]:
        if not isinstance(value, list):
            raise ShapeError(f"expected a list, got {_describe(value)}")
        i = 0
        try:
            out = []
            for i, item in enumerate(value):  # noqa: B007 - `i` names the failing item below
                out.append(conv(item))
            return out
        except ShapeError as exc:
            raise exc.at(i) from None

    return convert


def map_of(conv: Callable[[Any], T]) -> Callable[[Any], dict[str, T]]:
    def convert(value: Any) -> dict[str, T]:
        if value == []:
            return {}  # PHP's json_encode writes an empty map as []
        if not isinstance(value, dict):
            raise ShapeError(f"expected an object, got {_describe(value)}")
        key = ""
        try:
            out = {}
            for key, item in value.items():
                out[key] = conv(item)
            return out
        except ShapeError as exc:
            raise exc.at(key) from None

    return convert
