"""The async stream client over real loopback sockets against a fake server, both transports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

import mtgox
from mtgox_runtime.stream import AsyncStream, Reconnected

from .fakeserver import BY_NAME, PRIVATE, FakeStreamServer
from .parser import SPEC, Subscribed, Trade, UserOrder
from .support import TRANSPORTS, async_client, stream_url
from .test_stream_live import TRADE

pytestmark = pytest.mark.integration  # against a websocket server of the test's own, on loopback


async def take_until(stream: AsyncStream[Any], predicate: Callable[[object], bool], limit: int = 1000) -> list[object]:
    seen = []
    async with asyncio.timeout(20):
        async for message in stream:
            seen.append(message)
            if predicate(message):
                return seen
            assert len(seen) < limit
    raise AssertionError(f"the stream ended first: {seen[-5:]}")


async def wait_until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):
        while not condition():
            await asyncio.sleep(0.005)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_async_messages_calls_private_and_dispatch(fake: FakeStreamServer, transport: str) -> None:
    trades: list[Trade] = []

    async def on_trade(trade: Trade) -> None:
        trades.append(trade)

    async with (
        async_client(fake) as c,
        c.stream(spec=SPEC, transport=transport, stream_url=stream_url(fake, transport)) as s,
    ):
        s.on(Trade, on_trade)
        await s.subscribe(kind="trades")
        await take_until(s, lambda m: m == Subscribed(BY_NAME["trade.BTC"]))
        await asyncio.to_thread(fake.publish, "trade.BTC", "trade", TRADE)
        await take_until(s, lambda m: isinstance(m, Trade))
        assert trades == [Trade("1385000000123456", 50000000, 9250000, "USD", "bid")]
        result: object = await s.call("private/info")
        assert result == {"call": "private/info", "params": {}}
        with pytest.raises(mtgox.OrderNotFoundError):
            await s.call("order/cancel", {"oid": "x"})
        await s.subscribe_private()
        await take_until(s, lambda m: m == Subscribed(PRIVATE))
        await asyncio.to_thread(fake.publish, None, "user_order", {"oid": "o1", "reason": "requested"}, private=True)
        assert (await take_until(s, lambda m: isinstance(m, UserOrder)))[-1] == UserOrder("o1", None)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_async_reconnect_resyncs_the_book(fake: FakeStreamServer, transport: str) -> None:
    fake.set_level("ask", 9100000, 5, publish=False)
    async with (
        async_client(fake) as c,
        c.stream(spec=SPEC, transport=transport, stream_url=stream_url(fake, transport), backoff_base=0.01) as s,
    ):
        book = await s.order_book("BTCUSD")
        await wait_until(lambda: book.synced)
        await asyncio.to_thread(fake.set_level, "bid", 9000000, 9)
        await wait_until(lambda: book.levels() == (fake.book["bid"], fake.book["ask"]))
        await asyncio.to_thread(fake.kill)
        fake.set_level("ask", 9100000, 0, publish=False)
        await take_until(s, lambda m: isinstance(m, Reconnected))
        await wait_until(lambda: book.synced and book.levels() == ({9000000: 9}, {}))
        assert book.snapshots == 2


async def test_async_call_timeout_and_first_connect_failure(fake: FakeStreamServer) -> None:
    fake.answer = lambda inner: None
    async with async_client(fake) as c:
        async with c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket")) as s:
            with pytest.raises(mtgox.APITimeoutError):
                await s.call("private/info", timeout=0.2)
        with pytest.raises(mtgox.APIConnectionError, match="could not open the stream"):
            async with c.stream(spec=SPEC, stream_url="ws://127.0.0.1:9/mtgox", open_timeout=2):
                pass


async def test_async_idkey_refresh_does_not_stall_the_reader_while_a_call_holds_the_key(fake: FakeStreamServer) -> None:
    fake.reply_delay = 1.0
    async with (
        async_client(fake) as c,
        c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket"), idkey_refresh_s=0.2) as s,
    ):
        await s.subscribe_private()
        result: object = await s.call("private/info", timeout=10)
        assert result == {"call": "private/info", "params": {}}
        await wait_until(lambda: fake.idkeys >= 2 and {"op": "mtgox.subscribe", "key": "idkey-2"} in fake.ops)


async def test_async_iterator_raises_when_reconnecting_gives_up(fake: FakeStreamServer) -> None:
    url = stream_url(fake, "websocket")
    async with (
        async_client(fake) as c,
        c.stream(spec=SPEC, stream_url=url, max_reconnects=2, backoff_base=0.01, open_timeout=2) as s,
    ):
        await asyncio.to_thread(fake.stop_streaming)
        with pytest.raises(mtgox.APIConnectionError, match="stopped reconnecting"):
            await take_until(s, lambda m: False)
