"""One exchange's domain: the market the catalogue describes (currencies, pairs, the traded
item), its matching engine and its ticker windows.

A fresh exchange (a per-test reset) gets a fresh one of these: the engine's fee cache and the
ticker windows go with the old one.
"""

from __future__ import annotations

from mtgox_catalogue.model import Catalogue, Currency, Pair

from .engine import Engine
from .errors import invalid_parameter
from .money import MoneyFormat
from .ticker import Tickers


class Exchange:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.money = MoneyFormat(catalogue.currencies)
        self.pairs: dict[str, Pair] = dict(catalogue.pairs)
        self.engine = Engine(self.money, self.pairs)
        self.tickers = Tickers(self.pairs)
        bases = sorted({p.base for p in self.pairs.values()})
        #: The traded item ("BTC"); every catalogued pair has it as its base.
        self.item = "BTC" if "BTC" in bases else (bases[0] if bases else "BTC")
        self.default_pair = self.pair_for(self.item, "USD") or next(iter(self.pairs.values()), None)

    def currency(self, code: str) -> Currency:
        return self.catalogue.currencies[code]

    def pair_for(self, base: str, quote: str) -> Pair | None:
        return self.pairs.get(base + quote)

    def pair_of_currency(self, code: str) -> Pair:
        """The BTC<code> pair, for v0 `Currency` and v1 generic `currency` parameters."""
        pair = self.pair_for(self.item, code.upper())
        if pair is None:
            raise invalid_parameter("currency", "not a traded currency")
        return pair
