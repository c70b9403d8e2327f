"""What a handler sees: the exchange (catalogue, money formatting, engine) and one call."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from mtgox_catalogue.model import Catalogue, Currency, Endpoint, Pair

from .db import Tx
from .engine import Engine
from .errors import SandboxError, invalid_parameter, missing_parameter
from .render import Money
from .stream.hub import Hub

_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
#: SQLite's INTEGER range; anything larger is refused as an invalid parameter, never a 500.
MAX_INTEGER = 2**63 - 1


@dataclass(frozen=True)
class Text:
    """A non-JSON answer (CSV history, plain text)."""

    body: str
    content_type: str = "text/plain; charset=utf-8"


class Exchange:
    """Everything about the market that does not change while the server runs."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.money = Money(catalogue.currencies)
        self.pairs: dict[str, Pair] = dict(catalogue.pairs)
        self.engine = Engine(self.money, self.pairs)
        bases = sorted({p.base for p in self.pairs.values()})
        #: The traded item ("BTC"); every catalogued pair has it as its base.
        self.item = "BTC" if "BTC" in bases else (bases[0] if bases else "BTC")
        self.default_pair = self.pair_for(self.item, "USD") or next(iter(self.pairs.values()), None)
        #: The stream's subscribers: per exchange, so a fresh exchange starts with none.
        self.hub = Hub()

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


@dataclass
class Call:
    """One request, after routing and authentication."""

    ex: Exchange
    tx: Tx
    endpoint: Endpoint
    path_params: dict[str, str]
    params: dict[str, str]
    account_id: int = 0
    rights: frozenset[str] = field(default_factory=frozenset)

    @property
    def version(self) -> str:
        return self.endpoint.version.key

    @property
    def money(self) -> Money:
        return self.ex.money

    # -- parameters ------------------------------------------------------------------------

    def get(self, *names: str) -> str | None:
        """The first of `names` present (wire names are matched exactly, then case-insensitively)."""
        for name in names:
            if name in self.params:
                return self.params[name]
        lowered = {k.lower(): v for k, v in self.params.items()}
        for name in names:
            if name.lower() in lowered:
                return lowered[name.lower()]
        return None

    def require(self, *names: str) -> str:
        value = self.get(*names)
        if value is None or value == "":
            raise missing_parameter(names[0])
        return value

    def integer(self, *names: str, required: bool = False) -> int | None:
        text = self.require(*names) if required else self.get(*names)
        if text is None or text == "":
            return None
        if not _INTEGER.fullmatch(text.strip()):
            raise invalid_parameter(names[0])
        value = int(text.strip())
        if abs(value) > MAX_INTEGER:
            raise invalid_parameter(names[0])
        return value

    def decimal_units(self, name: str, currency: str, *, required: bool = False) -> int | None:
        """A decimal amount (`"0.5"`) as integer units, rounded half up to the currency's places."""
        text = self.require(name) if required else self.get(name)
        if text is None or text.strip() == "":
            return None
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            raise invalid_parameter(name) from None
        if not value.is_finite() or value < 0 or value.adjusted() > 15:
            raise invalid_parameter(name)
        scaled = value * self.ex.currency(currency).divisor
        return int(scaled.to_integral_value(rounding="ROUND_HALF_UP"))

    def flag(self, name: str) -> bool:
        text = (self.get(name) or "").strip().lower()
        return text in ("1", "true", "y", "yes", "on")

    # -- market ------------------------------------------------------------------------------

    def pair(self, currency_param: str | None = None) -> Pair:
        """The pair in the path; else BTC + the currency parameter (v0 `Currency`); else BTCUSD."""
        code = self.path_params.get("pair")
        if code is not None:
            return self.ex.pairs[code]
        if currency_param is not None:
            currency = self.get(currency_param)
            if currency:
                return self.ex.pair_of_currency(currency)
        default = self.ex.default_pair
        if default is None:
            raise SandboxError("No pair is catalogued", "invalid_parameter")
        return default

    def currency_code(self, *names: str, default: str | None = None) -> str:
        code = self.path_params.get("currency") or self.get(*names) or default
        if not code:
            raise missing_parameter(names[0] if names else "currency")
        code = code.upper()
        if code not in self.ex.catalogue.currencies:
            raise invalid_parameter(names[0] if names else "currency", "unknown currency")
        return code
