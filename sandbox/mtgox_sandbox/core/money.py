"""Numbers as Mt. Gox wrote them: value objects, display strings, v0 floats, trade strings.

Every amount inside the sandbox is an integer count of a currency's smallest unit (satoshi for
BTC, 1e-5 USD, 1e-3 JPY); this module is the only place that turns one into text.

    value object  {"value": "22.00000000", "value_int": "2200000000",
                   "display": "22.00000000\u00a0BTC", "display_short": "22.00\u00a0BTC",
                   "currency": "BTC"}
    display       the currency's full decimals, thousands separators, the symbol before the
                  number (`$1,000.00000`) or after it with a no-break space (`23.00000\u00a0€`)
    display_short the same rounded half-up to the currency's display_decimals (`$1,000.00`)
    v0 / depth    JSON numbers (`0.859`, `22`), as the 2011 API and the depth rows sent them
    trades        decimal strings without trailing zeros (`"15"`, `"0.109"`)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from mtgox_catalogue.model import Currency

NBSP = "\u00a0"

Json = Any
ValueObject = dict[str, str]


def pow10(n: int) -> int:
    return int(10**n)


def exponent(currency: Currency) -> int:
    """Decimal places of the smallest unit (the divisor is a power of ten)."""
    return len(str(currency.divisor)) - 1


def plain(units: int, places: int) -> str:
    """`plain(2200000000, 8)` -> `"22.00000000"`: every decimal place, no separators."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), pow10(places))
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def stripped(units: int, places: int) -> str:
    """`stripped(10900000, 8)` -> `"0.109"`: no trailing zeros, no trailing point."""
    text = plain(units, places)
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(units: int, places: int) -> int | float:
    """A JSON number: an int when whole (`22`), else the shortest float (`0.859`)."""
    whole, frac = divmod(units, pow10(places))
    if frac == 0:
        return whole
    return float(plain(units, places))


def round_half_up(units: int, from_places: int, to_places: int) -> int:
    """Re-scale `units` from `from_places` to `to_places` decimals, rounding half away from zero."""
    if to_places >= from_places:
        return units * pow10(to_places - from_places)
    step = pow10(from_places - to_places)
    sign = -1 if units < 0 else 1
    return sign * ((abs(units) + step // 2) // step)


def _grouped(units: int, places: int) -> str:
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), pow10(places))
    return f"{sign}{whole:,}.{frac:0{places}d}" if places else f"{sign}{whole:,}"


def with_symbol(text: str, currency: Currency, space: str = NBSP) -> str:
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    if currency.symbol_position == "before":
        return f"{sign}{currency.symbol}{text}"
    return f"{sign}{text}{space}{currency.symbol}"


def display(units: int, currency: Currency, space: str = NBSP) -> str:
    return with_symbol(_grouped(units, exponent(currency)), currency, space)


def display_short(units: int, currency: Currency) -> str:
    places = exponent(currency)
    short = min(currency.display_decimals, places)
    return with_symbol(_grouped(round_half_up(units, places, short), short), currency)


def value_object(units: int, currency: Currency) -> ValueObject:
    return _value_object(_value_texts(units, currency), currency.code)


def _value_texts(units: int, currency: Currency) -> tuple[str, str, str, str]:
    return plain(units, exponent(currency)), str(units), display(units, currency), display_short(units, currency)


def _value_object(texts: tuple[str, str, str, str], code: str) -> ValueObject:
    value, value_int, full, short = texts
    return {"value": value, "value_int": value_int, "display": full, "display_short": short, "currency": code}


class MoneyFormat:
    """Formatting of integer units, bound to the catalogue's currency table (the SDK's `Money` is a value)."""

    def __init__(self, currencies: Mapping[str, Currency]) -> None:
        self.currencies = currencies
        #: Amounts repeat (limits, balances between trades, prices on a book): one money/info
        #: answer renders eleven value objects, and formatting them was a third of its time.
        self._texts = lru_cache(maxsize=16_384)(self._render_texts)

    def _render_texts(self, units: int, code: str) -> tuple[str, str, str, str]:
        return _value_texts(units, self.currencies[code])

    def __getitem__(self, code: str) -> Currency:
        return self.currencies[code]

    def value_object(self, units: int, code: str) -> ValueObject:
        """The v1/v2 money object (value, value_int, display, ...) of `units` of `code`."""
        return _value_object(self._texts(units, code), code)

    def places(self, code: str) -> int:
        return exponent(self.currencies[code])

    def number(self, units: int, code: str) -> int | float:
        return number(units, self.places(code))

    def stripped(self, units: int, code: str) -> str:
        return stripped(units, self.places(code))

    def plain(self, units: int, code: str) -> str:
        return plain(units, self.places(code))

    def text(self, units: int, code: str) -> str:
        """For history `Info` texts: `$6.70001`, `4.94891789 BTC` (a plain space, as recorded)."""
        return display(units, self.currencies[code], space=" ").replace(",", "")


@lru_cache(maxsize=4_096)
def datetime_text(seconds: int) -> str:
    """`"2013-07-29 21:40:17"`, UTC, as info.Created and order/result dates are written."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")
