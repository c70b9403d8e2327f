"""Lost answers and refused connections in front of the real sandbox: orders are counted in its database.

A `TcpProxy` forwards each request to the sandbox, which acts on it and commits, and then
resets the client's connection instead of relaying the answer. An order whose answer is lost
must exist exactly once, and the SDK must say so with APIConnectionError rather than send it
again; a refused connection (nothing sent) is retried and the order lands once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

import mtgox
from mtgox_sandbox.fixture import Sandbox

from . import wire
from .support import no_sleep, record
from .wire import TcpProxy


@pytest.fixture
def proxy(shared_sandbox: Sandbox) -> Iterator[TcpProxy]:
    with TcpProxy((shared_sandbox.host, shared_sandbox.port)) as running:
        yield running


def orders_of(sandbox: Sandbox, key: str) -> list[tuple[object, ...]]:
    return sandbox.query(
        "SELECT o.oid, o.status, o.side FROM orders o JOIN api_keys k ON k.account_id = o.account_id WHERE k.key = ?",
        (key,),
    )


def sdk(base_url: str, key: str, secret: str, **options: Any) -> mtgox.Client:
    api = mtgox.Client(key, secret, base_url=base_url, rate_limit=None, nonce_store="memory", **options)
    api._transport.sleep = no_sleep
    return api


PLACERS: dict[str, Callable[[mtgox.Client], object]] = {
    "v0.buy_btc": lambda api: api.v0.buy_btc(amount=Decimal("0.5"), price=Decimal("50")),
    "v1.order_add": lambda api: api.v1.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("50")),
    "v2.order_add": lambda api: api.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("50")),
}


@pytest.mark.parametrize("method", list(PLACERS))
def test_an_order_whose_answer_is_lost_exists_exactly_once(
    shared_sandbox: Sandbox, proxy: TcpProxy, method: str
) -> None:
    key, secret = shared_sandbox.add_account(fund={"USD": "1000"})
    proxy.drop_responses = 1
    with sdk(proxy.base_url, key, secret, max_retries=5) as api:
        with pytest.raises(mtgox.APIConnectionError) as info:
            PLACERS[method](api)
        assert info.value.attempts == 1
        assert "not retried" in str(info.value) and method in str(info.value)
        assert proxy.dropped == 1
        placed = orders_of(shared_sandbox, key)
        assert len(placed) == 1, f"{len(placed)} orders for one lost answer"
        # The order is there for the SDK to find (an idempotent call: it would be retried too).
        assert [o.oid for o in api.v2.orders()] == [placed[0][0]]
    record("sandbox faults: lost answers, orders counted in the db", 1)


def test_an_idempotent_call_whose_answer_is_lost_is_retried(shared_sandbox: Sandbox, proxy: TcpProxy) -> None:
    key, secret = shared_sandbox.add_account(fund={"USD": "12.5"})
    proxy.drop_responses = 1
    with sdk(proxy.base_url, key, secret, max_retries=2) as api:
        raw = api.v2.with_raw_response.info()
    assert raw.attempts == 2 and raw.parsed.wallets["USD"].balance.value == Decimal("12.5")
    assert proxy.dropped == 1
    record("sandbox faults: lost answers, orders counted in the db", 1)


def test_a_cancel_whose_answer_is_lost_is_not_sent_again(shared_sandbox: Sandbox, proxy: TcpProxy) -> None:
    key, secret = shared_sandbox.add_account(fund={"USD": "1000"})
    with sdk(proxy.base_url, key, secret, max_retries=5) as api:
        oid = api.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("50"))
        proxy.drop_responses = 1
        with pytest.raises(mtgox.APIConnectionError) as info:
            api.v2.order_cancel(oid=oid)
        assert info.value.attempts == 1
        assert orders_of(shared_sandbox, key) == [(oid, "cancelled", "bid")]
        # Sending it again is the caller's decision, and the server says what happened.
        with pytest.raises(mtgox.OrderNotFoundError):
            api.v2.order_cancel(oid=oid)
    record("sandbox faults: lost answers, orders counted in the db", 1)


def test_a_refused_order_is_sent_once_the_exchange_is_reachable(shared_sandbox: Sandbox) -> None:
    key, secret = shared_sandbox.add_account(fund={"USD": "1000"})
    port = wire.free_port()
    proxies: list[TcpProxy] = []

    def bring_up(seconds: float) -> None:
        if not proxies:
            proxies.append(TcpProxy((shared_sandbox.host, shared_sandbox.port), port=port).start())

    api = sdk(f"http://127.0.0.1:{port}/api", key, secret, max_retries=2)
    api._transport.sleep = bring_up
    try:
        raw = api.v2.with_raw_response.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("50"))
    finally:
        api.close()
        for p in proxies:
            p.stop()
    assert raw.attempts == 2
    assert orders_of(shared_sandbox, key) == [(raw.parsed, "open", "bid")]
    record("sandbox faults: refused then sent once", 1)
