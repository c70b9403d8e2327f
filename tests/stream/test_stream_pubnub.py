"""The SDK's `pubnub` transport against the sandbox over real sockets: the same typed messages
and the same order book as the websocket transports (equal to `depth/full` after random orders
and a restart), the account's channel decrypted, subscription changes taken at once, no calls."""

from __future__ import annotations

import asyncio
import random
import time
from decimal import Decimal

import pytest

import mtgox
from mtgox import stream as ms
from mtgox_runtime.stream import AsyncPubNubStream, PubNubSession, PubNubStream, Reconnected
from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .support import take_until, wait_until
from .test_stream_sandbox import FUNDS, equal_to_sandbox, random_orders, traders

__all__ = ["traders"]


def test_book_over_pubnub_equals_the_sandbox_depth_after_random_orders_and_a_restart(
    sandbox: Sandbox, traders: tuple[mtgox.Client, Api]
) -> None:
    bot, other = traders
    rng = random.Random(12)
    random_orders(other, rng, 40)  # a book before the snapshot
    with bot.stream(transport="pubnub", backoff_base=0.05, backoff_cap=0.5) as stream:
        assert isinstance(stream, PubNubStream)
        book = stream.order_book("BTCUSD")
        random_orders(other, rng, 600)
        equal_to_sandbox(book, other)
        assert book.snapshots == 1
        sandbox.kill()
        sandbox.start()  # same port, same database
        random_orders(other, rng, 100)
        take_until(stream, lambda m: isinstance(m, Reconnected), limit=100_000)
        equal_to_sandbox(book, other)
        assert book.snapshots == 2
        random_orders(other, rng, 100)
        equal_to_sandbox(book, other)


def test_the_private_channel_over_pubnub_is_decrypted_into_typed_messages(
    sandbox: Sandbox, traders: tuple[mtgox.Client, Api]
) -> None:
    bot, other = traders
    with bot.stream(transport="pubnub", channels=("trade.BTC",)) as stream:
        stream.subscribe_private(wait=10)
        other.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 10**8, "price_int": 10_000_000})
        oid = bot.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("100"))
        seen = take_until(stream, lambda m: isinstance(m, ms.UserOrderRemoved) and m.user_order.oid == oid)
    statuses = [m.user_order.status for m in seen if isinstance(m, ms.UserOrder) and m.user_order.oid == oid]
    assert statuses == ["pending", "executing"]
    wallets = [m for m in seen if isinstance(m, ms.Wallet)]
    assert {w.wallet.op for w in wallets} >= {"in", "spent"}
    trades = [m for m in seen if isinstance(m, ms.Trade)]
    assert len(trades) == 2 and {t.channel for t in trades} > {"dbf1dee9-4f2e-4a08-8cb7-748919a71b21"}
    assert all(t.trade.amount == Decimal("0.5") for t in trades)


def test_a_subscription_is_polled_at_once_and_calls_go_over_http(
    sandbox: Sandbox, traders: tuple[mtgox.Client, Api]
) -> None:
    bot, other = traders
    with bot.stream(transport="pubnub", channels=("trade.BTC",)) as stream:
        began = time.monotonic()
        stream.subscribe(channel="depth.BTCEUR")
        session = stream.session
        assert isinstance(session, PubNubSession)
        wait_until(lambda: "057bdc6b-9f9c-44e4-bc1a-363e4443ce87" in session.live)
        other.ok(2, "BTCEUR/money/order/add", {"type": "ask", "amount_int": 10**7, "price_int": 50_000_000})
        depth = take_until(stream, lambda m: isinstance(m, ms.Depth))[-1]
        assert isinstance(depth, ms.Depth) and depth.depth.currency == "EUR"
        assert time.monotonic() - began < 10  # not the long-poll's 300 s
        with pytest.raises(mtgox.ConfigurationError, match="PubNub carries no calls"):
            stream.calls.info()


async def test_async_pubnub_book_private_channel_and_restart(sandbox: Sandbox) -> None:
    key, secret = sandbox.add_account(fund=FUNDS)
    other = Api(sandbox.base_url, *sandbox.add_account(fund=FUNDS))
    rng = random.Random(6)
    try:
        async with (
            mtgox.AsyncClient(key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as bot,
            bot.stream(transport="pubnub", backoff_base=0.05, backoff_cap=0.5) as stream,
        ):
            assert isinstance(stream, AsyncPubNubStream)
            book = await stream.order_book("BTCUSD")
            await stream.subscribe_private(wait=10)
            await asyncio.to_thread(random_orders, other, rng, 150)
            await asyncio.to_thread(equal_to_sandbox, book, other)
            other.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 20_000_000, "price_int": 20_000_000})
            oid = await bot.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.2"), price=Decimal("1"))
            async with asyncio.timeout(30):
                async for msg in stream:
                    if isinstance(msg, ms.UserOrderRemoved) and msg.user_order.oid == oid:
                        break
            sandbox.kill()
            sandbox.start()
            await asyncio.to_thread(random_orders, other, rng, 50)
            async with asyncio.timeout(30):
                async for msg in stream:
                    if isinstance(msg, Reconnected):
                        break
            await asyncio.to_thread(equal_to_sandbox, book, other)
            assert book.snapshots == 2
    finally:
        other.close()
