"""The base of every response model, and the value object Mt. Gox used for money.

Models are msgspec Structs (written by the generator): a body's bytes become models in one pass
of msgspec's C decoder (`_wire`, `_read`), they construct fast, and type-check strictly. Fields
the catalogue does not name are kept in `extra`, so a server that adds a field loses nothing:
an answer holding one is read by the checked path (`from_wire`), which keeps it there.

No `from __future__ import annotations` here: the runtime's classes are re-homed to the
generated package (`rehome`), where msgspec could not resolve annotations written as text.
"""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, dataclass_transform

import msgspec

from . import _parse as p
from ._wire import WireInt

#: `extra` is never read from the wire: an answer with a key named "extra" fails this (it asks
#: for an object both empty and not) and is read by the checked path, which keeps the key.
_NOT_ON_THE_WIRE = msgspec.Meta(min_length=1, max_length=0)


if TYPE_CHECKING:

    @dataclass_transform(field_specifiers=(msgspec.field,))
    class _Struct:
        """msgspec.Struct as type checkers see the models: fields from annotations, keyword-only
        where asked, and a plain `type` as metaclass, so model classes joined in one expression
        (`{"a": Ticker, "b": Depth}`) type as `type` again, not as msgspec's StructMeta."""

        def __init_subclass__(cls, **options: Any) -> None: ...

else:
    _Struct = msgspec.Struct


class Model(_Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """Base of generated response models: repr, equality and `to_dict` from `FIELDS`.

    `forbid_unknown_fields`: an answer with a field the catalogue does not name is read by the
    checked path, so the field is kept in `extra` rather than dropped. `gc=False`: models hold
    decoded values, which cannot refer back to them, so the garbage collector need not track
    them (a model made to hold itself, through `extra`, would never be freed).
    """

    #: The Python names of the catalogued fields, in the catalogue's order.
    FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Their wire names.
    WIRE_NAMES: ClassVar[tuple[str, ...]] = ()

    extra: Annotated[dict[str, Any], _NOT_ON_THE_WIRE] = p.NO_EXTRAS

    def _field_names(self) -> tuple[str, ...]:
        return type(self).FIELDS

    def __repr__(self) -> str:
        # Never raises: error reporters (traceback with capture_locals=True) repr any value.
        shown = ", ".join(f"{n}={_safe_repr(getattr(self, n, _UNSET))}" for n in self._field_names())
        extra = getattr(self, "extra", None)
        if extra:
            shown += f", extra={_safe_repr(extra)}"
        return f"{type(self).__name__}({shown})"

    def __rich_repr__(self) -> Any:
        # What `rich` shows: the attributes as read (datetimes, not the wire's integers).
        for name in self._field_names():
            yield name, getattr(self, name, _UNSET)
        if self.extra:
            yield "extra", self.extra

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in (*self._field_names(), "extra"))

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self, *, json_safe: bool = False) -> dict[str, Any]:
        """The model as plain Python values (nested models as dicts), for logging or storage.

        With `json_safe=True` every value is one `json.dumps` accepts: Decimal as its exact string,
        datetimes as ISO 8601 text.
        """
        out = {n: _plain(getattr(self, n)) for n in self._field_names()}
        if self.extra:
            out["extra"] = dict(self.extra)  # decoded JSON already: no models inside
        # Through the C encoder and decoder: extras may nest as deep as the decoder took them.
        return json.loads(json.dumps(out, default=_json_default)) if json_safe else out

    def to_json(self, **dumps_options: Any) -> str:
        """The model as JSON text: Decimal as its exact string, datetimes as ISO 8601."""
        return json.dumps(self.to_dict(), default=_json_default, **dumps_options)


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a repr must not fail, whatever the value
        return f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Money(Model, kw_only=True):
    """A Mt. Gox value object: `{"value", "value_int", "display", "display_short", "currency"}`.

    `value` is the decimal string exactly as sent and `value_int` the integer in the
    currency's smallest units. They can disagree in the last digit (old tickers sent `value`
    unrounded), in which case `value_int` is the server's exact figure.
    """

    FIELDS: ClassVar[tuple[str, ...]] = ("value", "value_int", "currency", "display", "display_short")
    WIRE_NAMES: ClassVar[tuple[str, ...]] = ("value", "value_int", "currency", "display", "display_short")
    _KNOWN: ClassVar[frozenset[str]] = frozenset(WIRE_NAMES)

    value: Decimal
    value_int: WireInt
    currency: str
    display: str | None = None
    display_short: str | None = None

    def __post_init__(self) -> None:
        # What msgspec's lax mode reads beyond the catalogue's types (see `_wire`).
        value = self.value
        if not (-p.MAX_EXPONENT <= value.adjusted() <= p.MAX_EXPONENT and value.is_finite()):
            raise ValueError("not a Mt. Gox value object: the checked path says why")

    @classmethod
    def from_wire(cls, raw: object) -> "Money":
        """Read decoded JSON (a dict, Decimals for fractions); ShapeError says what is wrong, and where."""
        # The common shape (every field a string) is read inline: a ticker holds eleven of these.
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
                        return cls(
                            value=d,
                            value_int=int(value_int),
                            currency=currency,
                            display=display,
                            display_short=short,
                            extra=p.extras(raw, cls._KNOWN),
                        )
            except (KeyError, ValueError, ArithmeticError):  # decimal.InvalidOperation is an ArithmeticError
                pass  # the checked path says what is wrong, and where
        return cls._from_wire_checked(raw)

    @classmethod
    def _from_wire_checked(cls, raw: object) -> "Money":
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
