"""Facts (events.py) -> the messages Mt. Gox pushed, built inside the transaction that made them.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mtgox_catalogue.model import Endpoint, Pair

from ..context import Call, Exchange
from ..db import Tx
from ..handlers.account import order_payload
from ..handlers.market import ticker_payload
from . import events as ev
from .channels import Channels

_SIDE_TYPE = {"ask": 1, "bid": 2}
#: A JSON number written from its exact decimal text: json.dumps escapes the NULs, we unquote.
_NUMBER = re.compile(r'"\\u0000([-0-9.]+)\\u0000"')


def raw_number(text: str) -> str:
    return f"\0{text}\0"


def dumps(message: dict[str, Any]) -> str:
    text = json.dumps(message, separators=(",", ":"))
    return _NUMBER.sub(r"\1", text) if "\\u0000" in text else text


@dataclass(frozen=True)
class Outgoing:
    """One message for one channel (a public channel id or an account's private channel id)."""

    channel: str
    text: str


class Builder:
    def __init__(self, exchange: Exchange, channels: Channels, ticker_endpoint: Endpoint | None) -> None:
        self.ex = exchange
        self.channels = channels
        self.money = exchange.money
        self._ticker_endpoint = ticker_endpoint
        self._private: dict[int, str] = {}
        self._wanted: Callable[[str], bool] = lambda channel: True

    def private_channel(self, tx: Tx, account_id: int) -> str:
        found = self._private.get(account_id)
        if found is None:
            found = str(tx.scalar("SELECT uuid FROM accounts WHERE id = ?", (account_id,)))
            self._private[account_id] = found
        return found

    def build(self, tx: Tx, facts: Iterable[ev.Event], wanted: Callable[[str], bool]) -> list[Outgoing]:
        """The messages of `facts` for the channels someone `wanted` (nothing is built for nobody:
        a ticker costs a few queries). A client subscribing meanwhile misses nothing it can
        see: its snapshot is read after this transaction commits."""
        self._wanted = wanted
        out: list[Outgoing] = []
        touched: dict[str, None] = {}
        for fact in facts:
            out.extend(self._one(tx, fact))
            if isinstance(fact, ev.TradeDone | ev.DepthChange):
                touched[fact.pair] = None
        for code in touched:
            out.extend(self._ticker(tx, self.ex.pairs[code]))
        return out

    # -- one fact ----------------------------------------------------------------------------

    def _one(self, tx: Tx, fact: ev.Event) -> Iterator[Outgoing]:
        wanted = self._wanted
        if isinstance(fact, ev.DepthChange):
            pair = self.ex.pairs[fact.pair]
            channel = self.channels.of_pair("depth", pair)
            if channel is not None and wanted(channel.id):
                yield self._public(channel.id, channel.name, "depth", self._depth(pair, fact))
        elif isinstance(fact, ev.TradeDone):
            pair = self.ex.pairs[fact.pair]
            payload = self._trade(pair, fact)
            channel = self.channels.trades(pair.base)
            if channel is not None and wanted(channel.id):
                yield self._public(channel.id, channel.name, "trade", payload)
            for account_id in fact.accounts:
                if wanted(self.private_channel(tx, account_id)):
                    yield self._own(tx, account_id, "trade", payload)
        elif not isinstance(fact, ev.OrderQueued) and not wanted(self.private_channel(tx, fact.account_id)):
            return
        elif isinstance(fact, ev.WalletChange):
            payload = {
                "op": fact.op,
                "amount": self.money.vo(abs(fact.delta), fact.currency),
                "balance": self.money.vo(fact.balance, fact.currency),
                "info": fact.info,
                "ref": None,
            }
            yield self._own(tx, fact.account_id, "wallet", payload)
        elif isinstance(fact, ev.OrderState):
            yield self._own(tx, fact.account_id, "user_order", self._order(tx, fact))
        elif isinstance(fact, ev.OrderGone):
            yield self._own(tx, fact.account_id, "user_order", {"oid": fact.oid, "reason": fact.reason})
        elif isinstance(fact, ev.OrderQueued):
            channel = self.channels.lag()
            if channel is not None and wanted(channel.id):
                payload = {"qid": fact.qid, "stamp": str(fact.stamp), "age": fact.age_us}
                yield self._public(channel.id, channel.name, "lag", payload)

    @staticmethod
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

    def _own(self, tx: Tx, account_id: int, kind: str, payload: dict[str, Any]) -> Outgoing:
        channel = self.private_channel(tx, account_id)
        message = {"channel": channel, "op": "private", "origin": "broadcast", "private": kind, kind: payload}
        return Outgoing(channel, dumps(message))

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
            "date": fact.tid // 1_000_000,
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

    def _call(self, tx: Tx, pair: Pair | None = None) -> Call | None:
        if self._ticker_endpoint is None:
            return None
        path_params = {"pair": pair.code} if pair else {}
        return Call(self.ex, tx, self._ticker_endpoint, path_params, {})

    def _order(self, tx: Tx, fact: ev.OrderState) -> dict[str, Any]:
        call = self._call(tx)
        assert call is not None
        row = {
            "oid": fact.oid,
            "pair": fact.pair,
            "side": fact.side,
            "price": fact.price,
            "remaining": fact.amount,
            "status": fact.status,
            "created": fact.date,
            "priority": fact.priority,
        }
        return order_payload(call, row)

    def _ticker(self, tx: Tx, pair: Pair) -> Iterator[Outgoing]:
        channel = self.channels.of_pair("ticker", pair)
        if channel is None or not self._wanted(channel.id):
            return
        call = self._call(tx, pair)
        if call is not None:
            yield self._public(channel.id, channel.name, "ticker", ticker_payload(call, pair))
