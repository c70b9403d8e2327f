"""Amounts typed by people and clients (`"0.5"`, `BTC=10`, a fee of `0.6` %) as integer units.

One parser for the API's decimal parameters, the command line's `--fund`, the operator panel
and the test helpers, so each refuses the same things the same way: not a number, not finite,
negative, more decimal places than the currency has (rounding 0.000005 USD up to 0.00001
would debit money nobody asked to spend), or more units than any sum the ledger makes can
hold. Every refusal is an `AmountError` whose message says which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from mtgox_catalogue.model import Currency

#: The largest amount (and quote value) of one order or one deposit, in units: far above any
#: real one, and small enough that no sum the ledger makes leaves SQLite's 64-bit integers.
MAX_UNITS = 2**53
#: Digits before the decimal point looked at, at most: `1e999999` is refused before any
#: arithmetic (multiplying it by a divisor overflows the decimal context).
_MAX_MAGNITUDE = 16
PPM = 1_000_000
DEFAULT_FEE_PPM = 6000


class AmountError(ValueError):
    """An amount that cannot be taken; the message says why, in words for the person who typed it."""


def decimal(text: str | int | Decimal) -> Decimal:
    """A finite, non-negative decimal of sane magnitude."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        raise AmountError("not a number") from None
    if not value.is_finite() or value < 0:
        raise AmountError("not a positive number")
    if value and value.adjusted() >= _MAX_MAGNITUDE:
        raise AmountError("too large")
    return value


def units(text: str | int | Decimal, currency: Currency) -> int:
    """`"0.5"` BTC -> 50000000: at most the currency's decimals, at most MAX_UNITS."""
    scaled = decimal(text).scaleb(currency.decimals)
    if scaled != scaled.to_integral_value():
        raise AmountError(f"at most {currency.decimals} decimals for {currency.code}")
    if scaled > MAX_UNITS:
        raise AmountError(f"too large: more {currency.code} than one amount may hold")
    return int(scaled)


def parse_funds(items: Iterable[str], currencies: Mapping[str, Currency]) -> dict[str, int]:
    """`["BTC=10", "USD=10000.5"]` -> integer units per currency (repeated currencies add up)."""
    out: dict[str, int] = {}
    for item in items:
        code, sep, amount = item.partition("=")
        code = code.strip().upper()
        if not sep or code not in currencies:
            raise AmountError(f"{item!r}: expected CUR=AMOUNT with a catalogued currency, e.g. BTC=10")
        try:
            value = units(amount, currencies[code])
        except AmountError as exc:
            raise AmountError(f"{item!r}: {exc}") from None
        out[code] = out.get(code, 0) + value
        if out[code] > MAX_UNITS:
            raise AmountError(f"{item!r}: too large: more {code} than one amount may hold")
    return out


def fee_ppm(text: str | int | Decimal | None) -> int:
    """A trade fee in percent (`"0.6"`) as parts per million; None: the default 0.6 %."""
    if text is None:
        return DEFAULT_FEE_PPM
    try:
        value = decimal(text)
    except AmountError as exc:
        raise AmountError(f"the fee {text!r} is {exc}; it is a percentage between 0 and 100") from None
    if value > 100:
        raise AmountError("the fee is a percentage between 0 and 100")
    ppm = value * 10_000
    if ppm != ppm.to_integral_value():
        raise AmountError("the fee has at most 4 decimal places of a percent")
    return int(ppm)
