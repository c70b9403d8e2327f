"""Placing, cancelling and reading orders, in v0 (buyBTC/sellBTC/cancelOrder) and v1/v2 form.

v1/v2 `order/add` takes `amount_int`/`price_int` (or the deprecated decimal `amount`/`price`)
and answers the new oid. v0 `buyBTC.php`/`sellBTC.php` take decimal `amount`/`price` (or
`amount_int`/`price_int`) and a `Currency`, and answer `{"status", "oid", "usds", "btcs",
"orders"}`: the recorded shape, plus the new order's `oid` (the sandbox's addition; the sources
do not say whether Mt. Gox sent it). v0 `type` is 1 for ask (sell) and 2 for bid (buy).
"""

from __future__ import annotations

import uuid
from typing import Any

from mtgox_catalogue.model import Pair

from ...core.engine import Placed
from ...core.errors import SandboxError, invalid_parameter, missing_parameter, order_not_found
from ...core.money import datetime_text
from ..context import Call
from ..registry import handles
from .shared import v0_orders_payload

_SIDES = ("bid", "ask")
_ORDER_TRADES = {
    "bid": "SELECT tid, price, amount, spent, date, properties FROM trades WHERE bid_oid = ? ORDER BY tid",
    "ask": "SELECT tid, price, amount, spent, date, properties FROM trades WHERE ask_oid = ? ORDER BY tid",
}


def _side(call: Call) -> str:
    side = call.get("type")
    if side is None or side == "":
        raise missing_parameter("type")
    if side not in _SIDES:
        raise invalid_parameter("type", "should be ask or bid")
    return side


def _amount(call: Call, pair: Pair, *, prefer_decimal: bool) -> int:
    names = (("amount", "decimal"), ("amount_int", "int"))
    for name, encoding in names if prefer_decimal else reversed(names):
        if call.get(name) not in (None, ""):
            value = call.integer(name) if encoding == "int" else call.decimal_units(name, pair.base)
            assert value is not None
            if value <= 0:
                raise invalid_parameter(name)
            return value
    raise missing_parameter("amount" if prefer_decimal else "amount_int")


def _price(call: Call, pair: Pair, *, prefer_decimal: bool) -> int | None:
    names = (("price", "decimal"), ("price_int", "int"))
    for name, encoding in names if prefer_decimal else reversed(names):
        if call.get(name) not in (None, ""):
            value = call.integer(name) if encoding == "int" else call.decimal_units(name, pair.quote)
            assert value is not None
            if value <= 0:
                raise invalid_parameter(name)
            return value
    return None


def place(call: Call, pair: Pair, side: str, *, v0: bool) -> Placed:
    amount = _amount(call, pair, prefer_decimal=v0)
    price = _price(call, pair, prefer_decimal=v0)
    return call.exchange.engine.place(call.tx, call.account_id, pair.code, side, amount, price)


@handles("v1", "{pair}/private/order/add", "{pair}/order/add")
@handles("v2", "{pair}/money/order/add")
def order_add(call: Call) -> Any:
    side = _side(call)
    return place(call, call.pair(), side, v0=False).oid


@handles(
    "v1", "{pair}/private/order/cancel", "{pair}/order/cancel", "generic/private/order/cancel", "generic/order/cancel"
)
@handles("v2", "{pair}/money/order/cancel", "money/order/cancel")
def order_cancel(call: Call) -> Any:
    oid = call.require("oid", "order")
    call.exchange.engine.cancel(call.tx, call.account_id, oid)
    return {"oid": oid, "qid": str(uuid.uuid4())}


@handles(
    "v1", "generic/private/order/result", "generic/order/result", "{pair}/private/order/result", "{pair}/order/result"
)
@handles("v2", "money/order/result", "{pair}/money/order/result")
def order_result(call: Call) -> Any:
    side = _side(call)
    oid = call.require("order", "oid")
    row = call.tx.one(
        "SELECT pair, side FROM orders WHERE oid = ? AND account_id = ? AND side = ?", (oid, call.account_id, side)
    )
    if row is None:
        raise order_not_found()
    pair = call.exchange.pairs[row["pair"]]
    trades = call.tx.all(_ORDER_TRADES[side], (oid,))
    if not trades:
        raise order_not_found()
    value_object = call.money.value_object
    base, quote = pair.base, pair.quote
    total_amount = sum(int(t["amount"]) for t in trades)
    total_spent = sum(int(t["spent"]) for t in trades)
    divisor = call.money[base].divisor
    return {
        "order_id": oid,
        "trades": [
            {
                "trade_id": str(t["tid"]),
                "primary": "Y",
                "currency": quote,
                "type": side,
                "properties": t["properties"],
                "item": base,
                "amount": value_object(int(t["amount"]), base),
                "price": value_object(int(t["price"]), quote),
                "spent": value_object(int(t["spent"]), quote),
                "date": datetime_text(int(t["date"])),
            }
            for t in trades
        ],
        "total_amount": value_object(total_amount, base),
        "total_spent": value_object(total_spent, quote),
        "avg_cost": value_object((2 * total_spent * divisor + total_amount) // (2 * total_amount), quote),
    }


# -- v0 ----------------------------------------------------------------------------------------


def _v0_status(placed: Placed, side: str, pair: Pair) -> str:
    status = "Your order has been queued for execution"
    if placed.status == "invalid":
        short = pair.base if side == "ask" else pair.quote
        status += f"<br>You don't have that much {short}. What remains is stored in your open orders."
    elif placed.status == "open":
        status += "<br>Your entire order can't be filled at that price. What remains is stored in your open orders."
    elif placed.status == "done":
        status += "<br>Your market order could not be filled entirely; the rest was dropped."
    return status


def _v0_place(call: Call, side: str) -> Any:
    pair = call.pair("Currency")
    placed = place(call, pair, side, v0=True)
    return v0_orders_payload(call, status=_v0_status(placed, side, pair), oid=placed.oid)


@handles("v0", "buyBTC.php")
def buy_btc(call: Call) -> Any:
    return _v0_place(call, "bid")


@handles("v0", "sellBTC.php")
def sell_btc(call: Call) -> Any:
    return _v0_place(call, "ask")


@handles("v0", "cancelOrder.php")
def cancel_order(call: Call) -> Any:
    oid = call.require("oid")
    kind = (call.get("type") or "").strip()
    if kind and kind not in ("1", "2"):
        raise invalid_parameter("type", "should be 1 or 2")
    row = call.tx.one("SELECT side FROM orders WHERE oid = ? AND account_id = ?", (oid, call.account_id))
    if row is not None and kind and (row["side"] == "ask") != (kind == "1"):
        raise SandboxError("Order not found", "unknown_error")
    call.exchange.engine.cancel(call.tx, call.account_id, oid)
    return v0_orders_payload(call)
