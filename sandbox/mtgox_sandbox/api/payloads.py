"""Wire payloads as pure functions of data (money formatting, a pair, a row, a version): what an
HTTP answer and a stream message say about the same thing is built by the same function,
never reached through a faked request.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any, Protocol

from mtgox_catalogue.model import Pair

from ..core.money import MoneyFormat
from ..core.ticker import Figures


class Fields(Protocol):
    """A row by column name: a database row, or a dict with the same keys."""

    def __getitem__(self, key: str, /) -> Any: ...


#: Link ids are derived from the account's uuid: stable, and no schema change.
_LINK_NAMESPACE = uuid.UUID("6d74676f-782d-4c69-8e6b-2d73616e6462")


@lru_cache(maxsize=4_096)
def account_link(account_uuid: str) -> str:
    """The account's `Link` in money/info (node-v2 passes it to money/bitcoin/get_address)."""
    return str(uuid.uuid5(_LINK_NAMESPACE, account_uuid))


def trade_row(money: MoneyFormat, pair: Pair, row: Fields) -> dict[str, Any]:
    """One trade as the trade lists show it (public trades, an account's own trades)."""
    return {
        "date": int(row["date"]),
        "price": money.stripped(int(row["price"]), pair.quote),
        "amount": money.stripped(int(row["amount"]), pair.base),
        "price_int": str(row["price"]),
        "amount_int": str(row["amount"]),
        "tid": str(row["tid"]),
        "price_currency": pair.quote,
        "item": pair.base,
        "trade_type": row["trade_type"],
        "primary": "Y",
        "properties": row["properties"],
    }


def order_payload(money: MoneyFormat, pair: Pair, order: Fields) -> dict[str, Any]:
    """An open (or invalid) order as money/orders lists it and a `user_order` message carries it:
    `order` has oid, side, price (None for a market order), remaining, status, created, priority."""
    value_object = money.value_object
    remaining = int(order["remaining"])
    invalid = order["status"] == "invalid"
    out: dict[str, Any] = {
        "oid": order["oid"],
        "currency": pair.quote,
        "item": pair.base,
        "type": order["side"],
        "amount": value_object(remaining, pair.base),
        "effective_amount": value_object(0 if invalid else remaining, pair.base),
    }
    if invalid:
        out["invalid_amount"] = value_object(remaining, pair.base)
    if order["price"] is not None:
        out["price"] = value_object(int(order["price"]), pair.quote)
    out.update(status=order["status"], date=int(order["created"]), priority=str(order["priority"]), actions=[])
    return out


def ticker_payload(
    money: MoneyFormat,
    pair: Pair,
    figures: Figures,
    *,
    buy: int,
    sell: int,
    last_orig: tuple[int, str],
    with_item: bool,
    now_us: int,
    fast: bool = False,
) -> dict[str, Any]:
    """The v1/v2 ticker (and the stream's `ticker` message): `last_orig` is (price, currency) of
    the last trade of any pair; `with_item` adds `item` (v2 and the stream, not v1)."""
    value_object = money.value_object
    quote = pair.quote
    out: dict[str, Any] = {}
    if not fast:
        out.update(
            high=value_object(figures.high, quote),
            low=value_object(figures.low, quote),
            avg=value_object(figures.avg, quote),
            vwap=value_object(figures.vwap, quote),
            vol=value_object(figures.vol, pair.base),
        )
    out.update(
        last_local=value_object(figures.last, quote),
        last_orig=value_object(last_orig[0], last_orig[1]),
        last_all=value_object(figures.last, quote),
        last=value_object(figures.last, quote),
        buy=value_object(buy, quote),
        sell=value_object(sell, quote),
    )
    if with_item:
        out["item"] = pair.base
    out["now"] = str(now_us)
    return out
