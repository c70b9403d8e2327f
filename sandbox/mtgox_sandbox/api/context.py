"""What a handler sees: one call (its endpoint, parameters, account and rights) in its
transaction, on one exchange (core/exchange.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mtgox_catalogue.model import Endpoint, Pair

from ..core import amounts
from ..core.db import Tx
from ..core.errors import SandboxError, invalid_parameter, missing_parameter
from ..core.exchange import Exchange
from ..core.money import MoneyFormat
from .answers import AnswerCache

_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
#: SQLite's INTEGER range; anything larger is refused as an invalid parameter, never a 500.
MAX_INTEGER = 2**63 - 1


def _range_text(minimum: int, maximum: int) -> str | None:
    if minimum == -MAX_INTEGER and maximum == MAX_INTEGER:
        return "a 64-bit integer"
    if maximum == MAX_INTEGER:
        return f"at least {minimum}"
    return f"between {minimum} and {maximum}"


@dataclass(frozen=True)
class Text:
    """A non-JSON answer (CSV history, plain text)."""

    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass
class Call:
    """One request, after routing and authentication."""

    exchange: Exchange
    tx: Tx
    endpoint: Endpoint
    path_params: dict[str, str]
    params: dict[str, str]
    account_id: int = 0
    rights: frozenset[str] = field(default_factory=frozenset)
    #: Public answers kept while what they were made from stays the same (the dispatcher's).
    answers: AnswerCache = field(default_factory=lambda: AnswerCache(0))

    @property
    def version(self) -> str:
        return self.endpoint.version.key

    @property
    def money(self) -> MoneyFormat:
        return self.exchange.money

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

    def integer(
        self, *names: str, required: bool = False, minimum: int = -MAX_INTEGER, maximum: int = MAX_INTEGER
    ) -> int | None:
        """An integer parameter within [minimum, maximum] (else `invalid_parameter`, never a 500)."""
        text = self.require(*names) if required else self.get(*names)
        if text is None or text == "":
            return None
        if not _INTEGER.fullmatch(text.strip()):
            raise invalid_parameter(names[0])
        value = int(text.strip())
        if not minimum <= value <= maximum:
            raise invalid_parameter(names[0], _range_text(minimum, maximum))
        return value

    def decimal_units(self, name: str, currency: str, *, required: bool = False) -> int | None:
        """A decimal amount (`"0.5"`) as integer units; more places than the currency has are refused."""
        text = self.require(name) if required else self.get(name)
        if text is None or text.strip() == "":
            return None
        try:
            return amounts.units(text, self.exchange.currency(currency))
        except amounts.AmountError as exc:
            raise invalid_parameter(name, str(exc)) from None

    def flag(self, name: str) -> bool:
        text = (self.get(name) or "").strip().lower()
        return text in ("1", "true", "y", "yes", "on")

    # -- market ------------------------------------------------------------------------------

    def pair(self, currency_param: str | None = None) -> Pair:
        """The pair in the path; else BTC + the currency parameter (v0 `Currency`); else BTCUSD."""
        code = self.path_params.get("pair")
        if code is not None:
            return self.exchange.pairs[code]
        if currency_param is not None:
            currency = self.get(currency_param)
            if currency:
                return self.exchange.pair_of_currency(currency)
        default = self.exchange.default_pair
        if default is None:
            raise SandboxError("No pair is catalogued", "invalid_parameter")
        return default

    def currency_code(self, *names: str, default: str | None = None) -> str:
        code = self.path_params.get("currency") or self.get(*names) or default
        if not code:
            raise missing_parameter(names[0] if names else "currency")
        code = code.upper()
        if code not in self.exchange.catalogue.currencies:
            raise invalid_parameter(names[0] if names else "currency", "unknown currency")
        return code
