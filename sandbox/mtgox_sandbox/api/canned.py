"""Shape-only answers for endpoints marked `sandbox: canned`, built from their `returns` model.

Nothing here reads or changes state: the answer only has the right shape, so a client's
parser, types and error paths can be exercised. Rules, by type:

    money        a zero value object, in BTC for amount-like fields, else the pair's quote
                 currency (USD without a pair)
    string       a UUID for ids (`oid`, `*_id`, `Id`, `qid`, ...), a microsecond stamp for
                 `tid`/`priority`/`stamp`, a currency code for `currency`, an address for
                 `addr`/`address`, else ""
    integer 0, decimal "0", boolean false, timestamp now, timestamp_us now (string),
    datetime now ("YYYY-MM-DD HH:MM:SS"), any {}
    model        every field, optional ones included; list[T] one item; map[T] one item keyed "BTC"
    returns any  {"sandbox": "shape-only", "endpoint": "v2.security_hotp_gen"}
    text / csv   a one-line note / the CSV header
"""

from __future__ import annotations

import uuid
from typing import Any

from mtgox_catalogue.model import Catalogue, Endpoint, TypeRef

from ..core.bitcoin import new_address
from ..core.money import datetime_text, value_object
from .context import Text

_ID_SUFFIXES = ("oid", "qid", "uuid", "_id", "Id")
_STAMP_NAMES = frozenset({"tid", "priority", "stamp", "now", "trade_id"})
_AMOUNT_HINTS = ("amount", "vol", "btc")
_MAX_DEPTH = 8


class Canned:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def answer(self, endpoint: Endpoint, path_params: dict[str, str], now_us: int) -> Any:
        if endpoint.response_format == "csv":
            return Text("Index,Date,Type,Info,Value,Balance\n", "text/csv; charset=utf-8")
        if endpoint.response_format == "text":
            return Text(f"sandbox: shape-only answer for {endpoint.key}\n")
        returns = endpoint.returns
        if returns.kind == "scalar" and returns.name == "any":
            return {"sandbox": "shape-only", "endpoint": endpoint.key}
        # Without a pair in the path, the catalogue's first pair (BTCUSD for Mt. Gox; a clone's own).
        pair = self.catalogue.pairs.get(path_params.get("pair", "")) or next(iter(self.catalogue.pairs.values()))
        return self._value(returns, "", pair.quote, pair.base, 0, now_us)

    def _value(self, t: TypeRef, name: str, quote: str, base: str, depth: int, now_us: int) -> Any:
        if depth > _MAX_DEPTH:
            return None
        if t.kind == "list":
            assert t.item is not None
            return [self._value(t.item, name, quote, base, depth + 1, now_us)]
        if t.kind == "map":
            assert t.item is not None
            return {base: self._value(t.item, name, quote, base, depth + 1, now_us)}
        if t.kind == "model":
            model = self.catalogue.models.get(t.name)
            if model is None:
                return {}
            return {f.wire: self._value(f.type, f.wire, quote, base, depth + 1, now_us) for f in model.fields}
        return self._scalar(t.name, name, quote, base, now_us)

    def _scalar(self, kind: str, name: str, quote: str, base: str, now_us: int) -> Any:
        now = now_us // 1_000_000
        lowered = name.lower()
        if kind == "money":
            code = base if any(h in lowered for h in _AMOUNT_HINTS) else quote
            currency = self.catalogue.currencies.get(code) or self.catalogue.currencies.get(base)
            if currency is None:
                return None
            return value_object(0, currency)
        if kind == "string":
            if name in ("", "id", "Id") or (name.endswith(_ID_SUFFIXES) and lowered not in _STAMP_NAMES):
                return str(uuid.uuid4())
            if lowered in _STAMP_NAMES:
                return str(now_us)
            if lowered in ("currency", "price_currency"):
                return quote
            if lowered == "item":
                return base
            if lowered in ("addr", "address"):
                return new_address()
            return ""
        return {
            "integer": 0,
            "decimal": "0",
            "boolean": False,
            "timestamp": now,
            "timestamp_us": str(now_us),
            "datetime": datetime_text(now),
            "any": {},
        }.get(kind)
