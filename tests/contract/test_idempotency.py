"""Which calls may be sent twice: a table written by hand, checked against a server that drops answers.

An order, a cancel or a withdrawal whose answer was lost may still have happened; sending it
again could buy twice or send coins twice. So the SDK must give up after one attempt and say
so, while a read is retried. The table below is the contract; it is not read from the
catalogue, so an order endpoint marked idempotent there fails here.
"""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

import mtgox
from mtgox_catalogue import load_catalogue

from ..recorded import RECORDED
from ..reliability.wire import Act, FaultServer
from .signing import KEY, SECRET

REPO = RECORDED.parents[2]
OID = "490a214f-9a30-449f-acb8-780f9046502f"
ADDRESS = "15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs"

#: Every order, cancel and withdrawal call: sent at most once. Arguments are any valid call.
NEVER_RETRIED: dict[str, dict[str, object]] = {
    "v0.buy_btc": {"amount": D("1"), "price": D("100")},
    "v0.sell_btc": {"amount": D("1")},
    "v0.cancel_order": {"oid": OID, "type": 1},
    "v0.withdraw": {"group1": "BTC", "btca": ADDRESS, "amount": D("0.5")},
    "v1.order_add": {"pair": "BTCUSD", "type": "bid", "amount": D("1"), "price": D("100")},
    "v1.order_cancel": {"pair": "BTCUSD", "oid": OID},
    "v1.bitcoin_send_simple": {"address": ADDRESS, "amount": D("0.5")},
    "v1.merchant_order_create": {},
    "v2.order_add": {"pair": "BTCJPY", "type": "ask", "amount": D("1")},
    "v2.order_cancel": {"oid": OID},
    "v2.bitcoin_send_simple": {"address": ADDRESS, "amount": D("0.5")},
    "v2.ticket_create": {"currency": "USD", "amount": D("10"), "partner": "p"},
    "v2.merchant_order_create": {},
    "v2.merchant_order_pay": {},
    "v2.merchant_pos_order_create": {},
    "v2.merchant_pos_order_close": {},
    "v1.ticket_settle": {},
}

#: Reads about orders: safe to repeat, so retried after a lost answer (with the body they then get).
RETRIED: dict[str, tuple[dict[str, object], bytes]] = {
    "v0.get_orders": ({}, b'{"usds": "1.00000", "btcs": "2.00000000", "orders": []}'),
    "v1.orders": ({}, b'{"result": "success", "return": []}'),
    "v2.orders": ({}, b'{"result": "success", "data": []}'),
    "v1.order_lag": ({}, (RECORDED / "v1" / "generic_order_lag.json").read_bytes()),
    "v2.order_lag": ({}, (RECORDED / "v2" / "money_order_lag_nitrous.json").read_bytes()),
    "v2.order_quote": (
        {"pair": "BTCUSD", "type": "bid", "amount": D("1")},
        (RECORDED / "v2" / "BTCUSD_money_order_quote__bid_nitrous.json").read_bytes(),
    ),
    "v1.order_result": (
        {"type": "bid", "oid": OID},
        (RECORDED / "v1" / "generic_order_result.json").read_bytes(),
    ),
    "v2.order_result": (
        {"pair": "BTCUSD", "type": "bid", "oid": OID},
        json.dumps(
            {
                "result": "success",
                "data": json.loads((RECORDED / "v1" / "generic_order_result.json").read_bytes())["return"],
            }
        ).encode(),
    ),
}

#: Matched by the words below but neither order, cancel nor withdrawal calls: left to the catalogue.
NOT_IN_THE_TABLE = frozenset(
    {
        "v1.cancelledtrades",  # a public list of cancelled trades
        "v2.trades_cancelled",
        "v2.merchant_order_details",  # merchant reads and product edits, not money movements
        "v2.merchant_order_payment",
        "v2.merchant_pos_order_get",
        "v2.merchant_pos_order_add_product",
        "v2.merchant_pos_order_edit_product",
    }
)

#: Words in a method name that make it an order, cancel or withdrawal call (or a read about one).
MONEY_WORDS = ("order", "cancel", "withdraw", "send", "ticket", "buy", "sell")


def dropping_first_answer(body: bytes) -> FaultServer:
    """A loopback server that reads the first request in full and resets the connection unanswered."""
    return FaultServer(default=Act("answer", 200, body)).script(Act("reset_before"))


def call(client: mtgox.Client, key: str, kwargs: dict[str, object]) -> object:
    version, name = key.split(".")
    return getattr(getattr(client, version), name)(**kwargs)


def client(base_url: str) -> mtgox.Client:
    c = mtgox.Client(KEY, SECRET, base_url=base_url, nonce_store="memory", rate_limit=None, max_retries=3)
    c._transport.jitter = lambda limit: 0.0  # no backoff sleeps: the count of requests is what matters
    return c


@pytest.mark.parametrize("key", sorted(NEVER_RETRIED))
def test_an_order_cancel_or_withdrawal_is_sent_once_when_its_answer_is_lost(key: str) -> None:
    with dropping_first_answer(b'{"result": "success", "data": "unused"}') as server:
        with client(server.base_url) as c, pytest.raises(mtgox.MtGoxError) as caught:
            call(c, key, NEVER_RETRIED[key])
        assert len(server.requests) == 1, f"{key} was sent {len(server.requests)} times"
    assert "idempotent" in str(caught.value)


async def test_an_async_order_is_sent_once_when_its_answer_is_lost() -> None:
    with dropping_first_answer(b'{"result": "success", "data": "unused"}') as server:
        async with mtgox.AsyncClient(
            KEY, SECRET, base_url=server.base_url, nonce_store="memory", rate_limit=None, max_retries=3
        ) as c:
            c._transport.jitter = lambda limit: 0.0
            with pytest.raises(mtgox.MtGoxError):
                await c.v2.order_add(pair="BTCUSD", type="bid", amount=D("1"), price=D("100"))
        assert len(server.requests) == 1


@pytest.mark.parametrize("key", sorted(RETRIED))
def test_a_read_about_orders_is_retried_when_its_answer_is_lost(key: str) -> None:
    kwargs, answer = RETRIED[key]
    with dropping_first_answer(answer) as server, client(server.base_url) as c:
        result = call(c, key, kwargs)
    assert len(server.requests) == 2
    assert result is not None
    if json.loads(answer) in ([], {"result": "success", "return": []}, {"result": "success", "data": []}):
        assert result == []


def test_the_table_names_every_order_cancel_and_withdrawal_endpoint() -> None:
    """Only the set of names comes from the catalogue: a new order endpoint must be added to the table."""
    catalogue = load_catalogue(REPO / "endpoints.yaml")
    money_calls = {e.key for e in catalogue.endpoints if any(w in e.name for w in MONEY_WORDS)}
    assert money_calls == set(NEVER_RETRIED) | set(RETRIED) | NOT_IN_THE_TABLE
