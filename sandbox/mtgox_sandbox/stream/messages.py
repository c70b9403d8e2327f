"""Facts (core/events.py) -> the messages Mt. Gox pushed, built after the commit from the facts
alone: no database, no request.

Shapes follow the reference (api-streaming.md section 4): every channel message carries
`channel`, `channel_name`, `op: "private"`, `origin: "broadcast"`, `private` and the payload
under that key; `*_int` are strings, depth `type` an int, trade `amount`/`price` JSON numbers
(written as the exact decimal literal, never through a float), `now`/`tid`/`stamp` microsecond
strings. Order of a fill: the owners' `wallet` messages, the public `trade` and each owner's
private copy, the zero-delta `depth` of the consumed level, the owner's `user_order`; after
everything a transaction did, one `ticker` per pair it touched.

Private-channel messages carry the account's channel id and no `channel_name` (the reference
does not know what Mt. Gox sent there).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mtgox_catalogue.model import Pair

from ..api.payloads import order_payload, ticker_payload
from ..core import events as ev
from ..core.exchange import Exchange
from .channels import Channels
from .hub import Outgoing

_SIDE_TYPE = {"ask": 1, "bid": 2}
#: A JSON number written from its exact decimal text: json.dumps escapes the NULs, we unquote.
_NUMBER = re.compile(r'"\\u0000([-0-9.]+)\\u0000"')


def raw_number(text: str) -> str:
    return f"\0{text}\0"


def dumps(message: dict[str, Any]) -> str:
    text = json.dumps(message, separators=(",", ":"))
    return _NUMBER.sub(r"\1", text) if "\\u0000" in text else text


def remark(message: str, call_id: object = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"op": "remark", "success": False, "message": message}
    if call_id is not None:
        out["id"] = call_id
    out.update(extra)
    return out


@dataclass(frozen=True)
class Snapshot:
    """What the messages of one transaction need beyond its facts, read before it committed."""

    #: account id -> its private channel id (the account's uuid), for every account concerned.
    private: Mapping[int, str]
    #: pair -> (best bid, best ask) after the transaction, for the pairs it touched.
    best: Mapping[str, tuple[int, int]]
    now_us: int


def touched_pairs(facts: Iterable[ev.Event]) -> list[str]:
    """The pairs whose ticker a transaction changes (it traded, or its book moved), in order."""
    return list(dict.fromkeys(f.pair for f in facts if isinstance(f, ev.TradeDone | ev.DepthChange)))


def accounts_of(facts: Iterable[ev.Event]) -> set[int]:
    out: set[int] = set()
    for fact in facts:
        if isinstance(fact, ev.TradeDone):
            out.update(fact.accounts)
        elif not isinstance(fact, ev.DepthChange | ev.OrderQueued):
            out.add(fact.account_id)
    return out


class Builder:
    def __init__(self, exchange: Exchange, channels: Channels) -> None:
        self.exchange = exchange
        self.channels = channels
        self.money = exchange.money

    def build(self, facts: Iterable[ev.Event], snap: Snapshot, wanted: Callable[[str], bool]) -> list[Outgoing]:
        """The messages of `facts` for the channels someone `wanted` (nothing is built for nobody)."""
        facts = list(facts)
        out: list[Outgoing] = []
        for fact in facts:
            out.extend(self._one(fact, snap, wanted))
        for code in touched_pairs(facts):
            out.extend(self._ticker(self.exchange.pairs[code], snap, wanted))
        return out

    def tickers(self, codes: Iterable[str], snap: Snapshot, wanted: Callable[[str], bool]) -> list[Outgoing]:
        """The ticker message of each pair in `codes` (the repeated tickers: repeater.py)."""
        out: list[Outgoing] = []
        for code in codes:
            out.extend(self._ticker(self.exchange.pairs[code], snap, wanted))
        return out

    def channels_of(self, facts: Iterable[ev.Event], snap: Snapshot) -> list[str]:
        """Every channel the messages of `facts` would go to (told when they could not be built)."""
        facts = list(facts)
        found: dict[str, None] = {}
        for code in touched_pairs(facts):
            pair = self.exchange.pairs[code]
            for kind in ("depth", "ticker"):
                if (channel := self.channels.of_pair(kind, pair)) is not None:
                    found[channel.id] = None
            if (trades := self.channels.trades(pair.base)) is not None:
                found[trades.id] = None
        if any(isinstance(f, ev.OrderQueued) for f in facts) and (lag := self.channels.lag()) is not None:
            found[lag.id] = None
        for account_id in sorted(accounts_of(facts)):
            if account_id in snap.private:
                found[snap.private[account_id]] = None
        return list(found)

    # -- one fact ----------------------------------------------------------------------------

    def _one(self, fact: ev.Event, snap: Snapshot, wanted: Callable[[str], bool]) -> Iterator[Outgoing]:
        if isinstance(fact, ev.DepthChange):
            pair = self.exchange.pairs[fact.pair]
            channel = self.channels.of_pair("depth", pair)
            if channel is not None and wanted(channel.id):
                yield _public(channel.id, channel.name, "depth", self._depth(pair, fact))
        elif isinstance(fact, ev.TradeDone):
            pair = self.exchange.pairs[fact.pair]
            payload = self._trade(pair, fact)
            channel = self.channels.trades(pair.base)
            if channel is not None and wanted(channel.id):
                yield _public(channel.id, channel.name, "trade", payload)
            for account_id in fact.accounts:
                private = snap.private[account_id]
                if wanted(private):
                    yield _own(private, "trade", payload)
        elif isinstance(fact, ev.OrderQueued):
            channel = self.channels.lag()
            if channel is not None and wanted(channel.id):
                payload = {"qid": fact.qid, "stamp": str(fact.stamp), "age": fact.age_us}
                yield _public(channel.id, channel.name, "lag", payload)
        elif wanted(private := snap.private[fact.account_id]):
            if isinstance(fact, ev.WalletChange):
                payload = {
                    "op": fact.op,
                    "amount": self.money.value_object(abs(fact.delta), fact.currency),
                    "balance": self.money.value_object(fact.balance, fact.currency),
                    "info": fact.info,
                    "ref": None,
                }
                yield _own(private, "wallet", payload)
            elif isinstance(fact, ev.OrderState):
                yield _own(private, "user_order", self._order(fact))
            else:
                yield _own(private, "user_order", {"oid": fact.oid, "reason": fact.reason})

    # -- payloads ----------------------------------------------------------------------------

    def _depth(self, pair: Pair, fact: ev.DepthChange) -> dict[str, Any]:
        money = self.money
        return {
            "price": money.stripped(fact.price, pair.quote),
            "type": _SIDE_TYPE[fact.side],
            "type_str": fact.side,
            "volume": money.stripped(fact.delta, pair.base),
            "price_int": str(fact.price),
            "volume_int": str(fact.delta),
            "item": pair.base,
            "currency": pair.quote,
            "now": str(fact.stamp),
            "total_volume_int": str(fact.total),
        }

    def _trade(self, pair: Pair, fact: ev.TradeDone) -> dict[str, Any]:
        money = self.money
        return {
            "type": "trade",
            "date": fact.date,
            "amount": raw_number(money.stripped(fact.amount, pair.base)),
            "price": raw_number(money.stripped(fact.price, pair.quote)),
            "tid": str(fact.tid),
            "amount_int": str(fact.amount),
            "price_int": str(fact.price),
            "item": pair.base,
            "price_currency": pair.quote,
            "trade_type": fact.trade_type,
            # The sandbox matches each pair on its own book: no mixed-currency trades, so no
            # converted copies, and every trade is primary.
            "primary": "Y",
            "properties": fact.properties,
        }

    def _order(self, fact: ev.OrderState) -> dict[str, Any]:
        order = {
            "oid": fact.oid,
            "side": fact.side,
            "price": fact.price,
            "remaining": fact.amount,
            "status": fact.status,
            "created": fact.date,
            "priority": fact.priority,
        }
        return order_payload(self.money, self.exchange.pairs[fact.pair], order)

    def _ticker(self, pair: Pair, snap: Snapshot, wanted: Callable[[str], bool]) -> Iterator[Outgoing]:
        channel = self.channels.of_pair("ticker", pair)
        if channel is None or not wanted(channel.id):
            return
        tickers = self.exchange.tickers
        figures = tickers.committed(pair.code, self.money[pair.base].divisor, snap.now_us)
        last_any = tickers.last_any
        last_orig = (figures.last, pair.quote)
        if last_any is not None and last_any[2] in self.exchange.pairs:
            last_orig = (last_any[1], self.exchange.pairs[last_any[2]].quote)
        buy, sell = snap.best.get(pair.code, (0, 0))
        payload = ticker_payload(
            self.money, pair, figures, buy=buy, sell=sell, last_orig=last_orig, with_item=True, now_us=snap.now_us
        )
        yield _public(channel.id, channel.name, "ticker", payload)


def _public(channel: str, name: str, kind: str, payload: dict[str, Any]) -> Outgoing:
    message = {
        "channel": channel,
        "channel_name": name,
        "op": "private",
        "origin": "broadcast",
        "private": kind,
        kind: payload,
    }
    return Outgoing(channel, dumps(message))


def _own(channel: str, kind: str, payload: dict[str, Any]) -> Outgoing:
    message = {"channel": channel, "op": "private", "origin": "broadcast", "private": kind, kind: payload}
    return Outgoing(channel, dumps(message))
