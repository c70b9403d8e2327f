"""Currencies (integer divisors, display rules) and the pairs traded between them."""

from __future__ import annotations

import re
from typing import cast

from . import model as m
from .checker import Scope
from .yaml_nodes import Node

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def currency_def(s: Scope, code: str, line: int, node: Node) -> m.Currency | None:
    c = s.c
    if not _CURRENCY_CODE.fullmatch(code):
        c.error(line, f"currency code {code!r} must be three capital letters")
        return None
    f = c.mapping(
        node,
        f"currency {code}",
        required=("name", "divisor", "decimals", "display_decimals", "symbol", "symbol_position"),
        optional=("virtual",),
    )
    if f is None:
        return None
    divisor = c.integer(f.get("divisor"), f"{code}.divisor", minimum=1)
    decimals = c.integer(f.get("decimals"), f"{code}.decimals", minimum=0)
    display = c.integer(f.get("display_decimals"), f"{code}.display_decimals", minimum=0)
    symbol = c.string(f.get("symbol"), f"{code}.symbol")
    position = c.string(f.get("symbol_position"), f"{code}.symbol_position", choices=("before", "after"))
    virtual = c.boolean(f.get("virtual"), f"{code}.virtual", default=False)
    if divisor is None or decimals is None or display is None or None in (symbol, position, virtual):
        return None
    if divisor != 10**decimals:
        c.error(f["divisor"].line, f"{code}: divisor {divisor} must be 10 ** decimals ({10**decimals})")
        return None
    if display > decimals:
        c.error(f["display_decimals"].line, f"{code}: display_decimals {display} exceeds decimals {decimals}")
        return None
    return m.Currency(
        code=code,
        name=c.text(f.get("name"), f"{code}.name"),
        divisor=divisor,
        decimals=decimals,
        display_decimals=display,
        symbol=cast(str, symbol),
        symbol_position=cast(m.SymbolPosition, position),
        virtual=bool(virtual),
    )


def currency_ref(s: Scope, node: Node | None, what: str) -> str | None:
    code = s.c.string(node, what)
    if code is None or node is None:
        return None
    if code not in s.currencies:
        s.c.error(node.line, f"{what}: unknown currency {code!r} (not in currencies)")
        return None
    return code


def pairs_section(s: Scope, node: Node) -> dict[str, m.Pair]:
    c = s.c
    f = c.mapping(node, "pairs", required=("base", "quote"))
    if f is None:
        return {}
    bases = [currency_ref(s, n, "pairs.base") for n in c.sequence(f.get("base"), "pairs.base")]
    quotes = [currency_ref(s, n, "pairs.quote") for n in c.sequence(f.get("quote"), "pairs.quote")]
    out: dict[str, m.Pair] = {}
    for base in filter(None, bases):
        for quote in filter(None, quotes):
            if base == quote:
                c.error(f["quote"].line, f"pair {base}{quote} trades a currency against itself")
                continue
            code = base + quote
            if code in out:
                c.error(f["quote"].line, f"pair {code} is listed twice")
            out[code] = m.Pair(code, base, quote)
    if not out:
        c.error(node.line, "pairs: at least one base and one quote currency are needed")
    return out
