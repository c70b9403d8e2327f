"""Option text to the values SDK methods take; the SDK itself then checks them.

Only what the SDK cannot be given as text is converted here (an integer, an exact Decimal);
ranges, decimal places, enum values, pairs and currencies are left to the SDK's own checks, so
the command line refuses exactly what the SDK refuses, with the same `InvalidRequestError`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .._errors import InvalidRequestError
from ._table import Option


def to_value(option: Option, text: object) -> object:
    """The typed value of one option (booleans arrive as bool already)."""
    if not isinstance(text, str):
        return text
    if option.kind == "integer":
        try:
            return int(text, 10)
        except ValueError:
            raise InvalidRequestError(f"{option.name} must be an integer, not {text!r}", param=option.name) from None
    if option.kind == "money":
        try:
            # Decimal of the text as typed: 0.1 stays exactly 0.1, never a float.
            return Decimal(text)
        except InvalidOperation:
            raise InvalidRequestError(
                f"{option.name} must be a decimal number, not {text!r}", param=option.name
            ) from None
    if option.kind in ("pair", "currency"):
        return text.upper()
    return text


def to_kwargs(options: tuple[Option, ...], values: dict[str, object]) -> dict[str, object]:
    """Keyword arguments of the SDK call: the options given, converted."""
    return {o.name: to_value(o, values[o.name]) for o in options if values.get(o.name) is not None}
