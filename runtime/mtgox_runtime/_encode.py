"""Arguments to wire strings, checked before anything is sent.

Generated methods call these with the rules the catalogue gives (a currency's decimal places,
an enum's values), so a bad argument fails here with `InvalidRequestError` naming the
parameter, never on the server. Money is `Decimal` (or `int`) only: a float is refused,
because `0.1` as a float is not 0.1, and an amount with more decimal places than the
currency has is refused rather than rounded.
"""

from __future__ import annotations

import decimal
from collections.abc import Collection
from decimal import Decimal

from ._errors import InvalidRequestError

# Enough digits that no realistic amount is rounded; Inexact/Rounded traps turn any rounding
# into an error instead of a silent change of the amount.
_EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation])


def _type_name(value: object) -> str:
    return type(value).__name__


def as_decimal(value: object, param: str) -> Decimal:
    """A non-negative, finite Decimal from a Decimal or int; anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        hint = " (floats are not exact: pass Decimal('...') instead)" if isinstance(value, float) else ""
        raise InvalidRequestError(f"{param} must be a Decimal or int, not {_type_name(value)}{hint}", param=param)
    d = Decimal(value) if isinstance(value, int) else value
    if not d.is_finite():
        raise InvalidRequestError(f"{param} must be a finite number, not {d}", param=param)
    if d < 0:
        raise InvalidRequestError(f"{param} must not be negative (got {d})", param=param)
    return d


#: Mt. Gox kept amounts as signed 64-bit integers.
INT64_MAX = 2**63 - 1


def money_int(
    value: object,
    decimals: int,
    param: str,
    currency: str,
    minimum: str | None = None,
    maximum: str | None = None,
) -> str:
    """`value` in the currency's integer units (`*_int`), e.g. 0.5 BTC -> "50000000"."""
    d = as_decimal(value, param)
    if minimum is not None and d < Decimal(minimum):
        raise InvalidRequestError(f"{param}={d} {currency} is below the minimum of {minimum} {currency}", param=param)
    if maximum is not None and d > Decimal(maximum):
        raise InvalidRequestError(f"{param}={d} {currency} is above the maximum of {maximum} {currency}", param=param)
    if d and d.adjusted() + decimals > 18:  # at least 10**19 units: beyond any 64-bit amount
        raise InvalidRequestError(f"{param}={d} {currency} is too large for the API", param=param)
    try:
        scaled = d.scaleb(decimals, context=_EXACT)
        if scaled != scaled.to_integral_value(context=_EXACT):
            raise decimal.Inexact
        units = int(scaled)
    except decimal.DecimalException:
        raise InvalidRequestError(
            f"{param}={d} {currency} is not a whole number of {currency} units (at most {decimals} decimal places)",
            param=param,
        ) from None
    if units > INT64_MAX:
        raise InvalidRequestError(f"{param}={d} {currency} is too large for the API", param=param)
    return str(units)


def money_decimal(
    value: object,
    decimals: int,
    param: str,
    currency: str,
    minimum: str | None = None,
    maximum: str | None = None,
) -> str:
    """`value` as a plain decimal string with at most `decimals` places, e.g. "0.5"."""
    money_int(value, decimals, param, currency, minimum, maximum)  # the same checks
    d = as_decimal(value, param)
    return format(d.normalize(context=_EXACT) if d else Decimal(0), "f")


def integer(value: object, param: str, minimum: int | None = None, maximum: int | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(f"{param} must be an int, not {_type_name(value)}", param=param)
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise InvalidRequestError(f"{param} is out of the API's 64-bit integer range", param=param)
    if minimum is not None and value < minimum:
        raise InvalidRequestError(f"{param} must be at least {minimum} (got {value})", param=param)
    if maximum is not None and value > maximum:
        raise InvalidRequestError(f"{param} must be at most {maximum} (got {value})", param=param)
    return str(value)


def boolean(value: object, param: str) -> str:
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{param} must be a bool, not {_type_name(value)}", param=param)
    return "1" if value else "0"


def string(value: object, param: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequestError(f"{param} must be a str, not {_type_name(value)}", param=param)
    if not value:
        raise InvalidRequestError(f"{param} must not be empty", param=param)
    if "\x00" in value:
        raise InvalidRequestError(f"{param} must not contain NUL characters", param=param)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequestError(f"{param} holds a lone surrogate, which cannot be sent", param=param) from None
    return value


def choice(value: object, allowed: Collection[str], param: str) -> str:
    """One of the catalogued values (an enum, a pair, a currency)."""
    if not isinstance(value, str):
        raise InvalidRequestError(f"{param} must be a str, not {_type_name(value)}", param=param)
    if value not in allowed:
        shown = ", ".join(sorted(allowed)) if len(allowed) <= 24 else f"{len(allowed)} catalogued values"
        raise InvalidRequestError(f"{param}={value!r} is not one of: {shown}", param=param)
    return value
