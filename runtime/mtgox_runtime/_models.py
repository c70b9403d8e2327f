"""The base of every response model, and the value object Mt. Gox used for money.

Models are plain classes with `__slots__` and an explicit `__init__` (written by the
generator): they cost nothing at import, construct fast, and type-check strictly. Fields the
catalogue does not name are kept in `extra`, so a server that adds a field loses nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from . import _parse as p


class Model:
    """Base of generated response models: repr, equality and `to_dict` from `FIELDS`."""

    __slots__ = ("extra",)

    #: The Python names of the catalogued fields, in the catalogue's order (`__slots__` is sorted).
    FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Their wire names.
    WIRE_NAMES: ClassVar[tuple[str, ...]] = ()

    extra: dict[str, Any]

    def _field_names(self) -> tuple[str, ...]:
        return type(self).FIELDS

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._field_names())
        if self.extra:
            shown += f", extra={self.extra!r}"
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in (*self._field_names(), "extra"))

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """The model as plain Python values (nested models as dicts), for logging or storage."""

        def plain(value: Any) -> Any:
            if isinstance(value, Model):
                return value.to_dict()
            if isinstance(value, list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        out = {n: plain(getattr(self, n)) for n in self._field_names()}
        if self.extra:
            out["extra"] = dict(self.extra)
        return out


class Money(Model):
    """A Mt. Gox value object: `{"value", "value_int", "display", "display_short", "currency"}`.

    `value` is the decimal string exactly as sent and `value_int` the integer in the
    currency's smallest units. They can disagree in the last digit (old tickers sent `value`
    unrounded), in which case `value_int` is the server's exact figure.
    """

    __slots__ = ("currency", "display", "display_short", "value", "value_int")
    FIELDS: ClassVar[tuple[str, ...]] = ("value", "value_int", "currency", "display", "display_short")
    WIRE_NAMES: ClassVar[tuple[str, ...]] = ("value", "value_int", "currency", "display", "display_short")
    _KNOWN: ClassVar[frozenset[str]] = frozenset(WIRE_NAMES)

    value: Decimal
    value_int: int
    currency: str
    display: str | None
    display_short: str | None

    def __init__(
        self,
        *,
        value: Decimal,
        value_int: int,
        currency: str,
        display: str | None = None,
        display_short: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.value = value
        self.value_int = value_int
        self.currency = currency
        self.display = display
        self.display_short = display_short
        self.extra = extra or {}

    @classmethod
    def from_wire(cls, raw: object) -> Money:
        # The common shape (every field a string) is read inline: a ticker holds eleven of
        # these, and function calls per field made them most of a stream message's parse time.
        # Anything else takes the checked path, which accepts numbers and says what is wrong.
        if type(raw) is dict:
            try:
                value, value_int, currency = raw["value"], raw["value_int"], raw["currency"]
                display, short = raw.get("display"), raw.get("display_short")
                if (
                    type(value) is str
                    and type(value_int) is str
                    and type(currency) is str
                    and (display is None or type(display) is str)
                    and (short is None or type(short) is str)
                ):
                    d = Decimal(value)
                    if d.is_finite():
                        obj = object.__new__(cls)
                        obj.value = d
                        obj.value_int = int(value_int)
                        obj.currency = currency
                        obj.display = display
                        obj.display_short = short
                        obj.extra = {} if raw.keys() <= cls._KNOWN else p.extras(raw, cls._KNOWN)
                        return obj
            except (KeyError, ValueError, ArithmeticError):  # decimal.InvalidOperation is an ArithmeticError
                pass  # the checked path says what is wrong, and where
        return cls._from_wire_checked(raw)

    @classmethod
    def _from_wire_checked(cls, raw: object) -> Money:
        d = p.obj(raw)
        return cls(
            value=p.field(d, "value", p.to_decimal),
            value_int=p.field(d, "value_int", p.to_int),
            currency=p.field(d, "currency", p.to_str),
            display=p.field_opt(d, "display", p.to_str),
            display_short=p.field_opt(d, "display_short", p.to_str),
            extra=p.extras(d, cls._KNOWN),
        )

    def __str__(self) -> str:
        return f"{self.value} {self.currency}"
