"""Answer pieces that more than one handler module sends, so handlers never import each other:
the v0 funds-and-orders answer (`listed_orders`, `v0_order`, `v0_funds`, `v0_orders_payload`),
sent by getOrders.php and by the v0 order placing and cancelling calls.
"""

from __future__ import annotations

from typing import Any

from ..context import Call


def listed_orders(call: Call) -> list[Any]:
    return call.tx.all(
        "SELECT * FROM orders WHERE account_id = ? AND status IN ('pending', 'open', 'invalid') ORDER BY priority",
        (call.account_id,),
    )


#: v0's order status: 1 active, 2 not enough funds (the wiki), 0 not active (yet): queued.
_V0_STATUS = {"open": 1, "invalid": 2, "pending": 0}


def v0_order(call: Call, row: Any) -> dict[str, Any]:
    pair = call.exchange.pairs[row["pair"]]
    money = call.money
    return {
        "oid": row["oid"],
        "currency": pair.quote,
        "item": pair.base,
        "type": 1 if row["side"] == "ask" else 2,
        "amount": money.number(int(row["remaining"]), pair.base),
        "price": money.number(int(row["price"] or 0), pair.quote),
        "status": _V0_STATUS[row["status"]],
        "dark": 0,
        "date": int(row["created"]),
        "priority": str(row["priority"]),
    }


def v0_funds(call: Call) -> dict[str, Any]:
    money = call.money
    out: dict[str, Any] = {}
    for code, field in (("USD", "usds"), (call.exchange.item, "btcs")):
        if code in call.exchange.catalogue.currencies:
            balance = call.tx.scalar(
                "SELECT balance FROM wallets WHERE account_id = ? AND currency = ?", (call.account_id, code)
            )
            out[field] = money.number(int(balance or 0), code)
    return out


def v0_orders_payload(call: Call, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict(extra)
    out.update(v0_funds(call))
    out["orders"] = [v0_order(call, r) for r in listed_orders(call)]
    return out
