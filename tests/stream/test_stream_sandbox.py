"""The SDK's stream client against the sandbox over real sockets, both transports, with the
generated parser and calls: own orders and wallet seen, a book kept from the stream equal to
the sandbox's full depth after many random orders, and after a kill and restart of the sandbox."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

import mtgox
from mtgox import stream as ms
from mtgox_runtime.stream import OrderBook, Reconnected, levels_of
from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .support import TRANSPORTS, take_until, wait_until

FUNDS = {"BTC": "1000", "USD": "1000000"}


@pytest.fixture
def traders(sandbox: Sandbox) -> Iterator[tuple[mtgox.Client, Api]]:
    """A bot's SDK client and another trader (raw HTTP), both funded."""
    key, secret = sandbox.add_account(fund=FUNDS)
    other = Api(sandbox.base_url, *sandbox.add_account(fund=FUNDS))
    with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as bot:
        yield bot, other
    other.close()


def full_depth(api: Api) -> tuple[dict[int, int], dict[int, int]]:
    data = api.public(2, "BTCUSD/money/depth/full")
    return levels_of(data["bids"]), levels_of(data["asks"])


def equal_to_sandbox(book: OrderBook, api: Api, timeout: float = 30.0) -> None:
    """The stream lags the HTTP answers a little: wait (generously) until the book matches."""
    deadline = time.monotonic() + timeout
    while True:
        expected = full_depth(api)
        if book.synced and book.levels() == expected:
            return
        assert time.monotonic() < deadline, f"book {book} never matched the sandbox's depth"
        time.sleep(0.05)


def random_orders(api: Api, rng: random.Random, count: int) -> None:
    """Orders around 100 USD on both sides (many cross and fill), and cancels of resting ones."""
    oids: list[str] = []
    for _ in range(count):
        if oids and rng.random() < 0.25:
            oid = oids.pop(rng.randrange(len(oids)))
            api.post(2, "BTCUSD/money/order/cancel", {"oid": oid})  # may be filled already
            continue
        side = rng.choice(["bid", "ask"])
        price = 10_000_000 + rng.randint(-20, 20) * 10_000
        amount = rng.randint(1, 300) * 1_000_000
        oids.append(api.ok(2, "BTCUSD/money/order/add", {"type": side, "amount_int": amount, "price_int": price}))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bot_sees_its_orders_wallet_trades_and_book(
    sandbox: Sandbox, traders: tuple[mtgox.Client, Api], transport: str
) -> None:
    bot, other = traders
    with bot.stream(transport=transport) as stream:
        book = stream.order_book("BTCUSD")
        stream.subscribe_private(wait=20)
        wait_until(lambda: book.synced)
        other.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 50_000_000, "price_int": 10_000_000})
        oid = stream.calls.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("100"))
        seen = take_until(stream, lambda m: isinstance(m, ms.Trade))
        seen += take_until(stream, lambda m: isinstance(m, ms.UserOrderRemoved | ms.UserOrder))
        trade = next(m.trade for m in seen if isinstance(m, ms.Trade))
        assert (trade.amount_int, trade.price, trade.price_currency) == (50_000_000, Decimal("100"), "USD")
        wallets = {m.wallet.op: m.wallet for m in seen if isinstance(m, ms.Wallet)}
        assert wallets["spent"].amount.value == Decimal("50") and wallets["in"].amount.value_int == 50_000_000
        assert any(isinstance(m, ms.UserOrder | ms.UserOrderRemoved) and m.user_order.oid == oid for m in seen)
        info = stream.calls.info()
        assert info.wallets["USD"].balance.value_int == wallets["spent"].balance.value_int
        with pytest.raises(mtgox.OrderNotFoundError):
            stream.calls.order_cancel(oid="00000000-0000-4000-8000-000000000000")
        equal_to_sandbox(book, other)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_waiting_for_the_private_channel_means_the_next_order_is_seen(
    sandbox: Sandbox, traders: tuple[mtgox.Client, Api], transport: str
) -> None:
    # without `wait`, an order placed at once could beat the subscription and its first
    # user_order was lost (found by a bot suite run against the installed wheel)
    bot, _ = traders
    for _ in range(5):
        with bot.stream(transport=transport) as stream:
            stream.subscribe_private(wait=20)
            assert stream.session.private_live
            oid = bot.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"), price=Decimal("1"))
            seen = take_until(stream, lambda m: isinstance(m, ms.UserOrder), limit=50)
            assert seen[-1].user_order.oid == oid  # type: ignore[attr-defined]


async def test_async_waiting_for_the_private_channel(sandbox: Sandbox) -> None:
    key, secret = sandbox.add_account(fund=FUNDS)
    async with (
        mtgox.AsyncClient(key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as bot,
        bot.stream() as stream,
    ):
        await stream.subscribe_private(wait=20)
        assert stream.session.private_live
        oid = await bot.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.1"), price=Decimal("500"))
        async with asyncio.timeout(20):
            async for msg in stream:
                if isinstance(msg, ms.UserOrder):
                    assert msg.user_order.oid == oid
                    break


def test_a_private_channel_the_exchange_never_confirms_times_out(
    sandbox: Sandbox, traders: tuple[mtgox.Client, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, _ = traders
    with bot.stream() as stream:
        # an exchange that never acknowledges a subscription
        monkeypatch.setattr(stream.session, "_on_subscribed", lambda channel, now, act: None)
        began = time.monotonic()
        with pytest.raises(mtgox.APITimeoutError, match="did not confirm the private channel"):
            stream.subscribe_private(wait=0.5)
        assert 0.4 < time.monotonic() - began < 5
        assert not stream.session.private_live


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_book_from_the_stream_equals_the_sandbox_depth_after_random_orders_and_a_restart(
    sandbox: Sandbox, traders: tuple[mtgox.Client, Api], transport: str
) -> None:
    bot, other = traders
    rng = random.Random(11)
    random_orders(other, rng, 40)  # a book before the snapshot
    with bot.stream(transport=transport, backoff_base=0.05, backoff_cap=0.5) as stream:
        book = stream.order_book("BTCUSD")
        # while the snapshot is fetched and after; one transport takes the long run
        random_orders(other, rng, 1500 if transport == "websocket" else 300)
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
    best_bid, best_ask = book.best_bid(), book.best_ask()
    assert best_bid is None or best_ask is None or best_bid.price < best_ask.price


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_async_bot_against_the_sandbox_with_a_restart(sandbox: Sandbox, transport: str) -> None:
    key, secret = sandbox.add_account(fund=FUNDS)
    other = Api(sandbox.base_url, *sandbox.add_account(fund=FUNDS))
    rng = random.Random(5)
    try:
        async with (
            mtgox.AsyncClient(key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as bot,
            bot.stream(transport=transport, backoff_base=0.05, backoff_cap=0.5) as stream,
        ):
            book = await stream.order_book("BTCUSD")
            await stream.subscribe_private()
            await asyncio.to_thread(random_orders, other, rng, 150)
            await asyncio.to_thread(equal_to_sandbox, book, other)
            other.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 20_000_000, "price_int": 20_000_000})
            oid = await stream.calls.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.2"), price=Decimal("1"))
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
