"""Falsy and smallest arguments of order calls against the sandbox, over HTTP and the stream.

A resting ask is on the book, so a bid whose `price=0` were dropped on the way would be a market
order and fill against it. The exchange must instead see `price_int=0` and refuse it, and the
smallest price (one unit of the quote currency) must rest as a limit order at exactly that unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

import mtgox
from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .support import TRANSPORTS

FUNDS = {"BTC": "10", "USD": "100000", "JPY": "10000000"}


@pytest.fixture
def bot_and_seller(sandbox: Sandbox) -> Iterator[tuple[mtgox.Client, Api]]:
    key, secret = sandbox.add_account(fund=FUNDS)
    seller = Api(sandbox.base_url, *sandbox.add_account(fund=FUNDS))
    seller.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 100_000_000, "price_int": 10_000_000})
    with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as bot:
        yield bot, seller
    seller.close()


def untouched(bot: mtgox.Client) -> None:
    """No order of the bot's rests, none filled: its wallets are as funded."""
    assert bot.v2.orders() == []
    wallets = bot.v2.info().wallets
    assert (wallets["BTC"].balance.value, wallets["USD"].balance.value) == (Decimal(10), Decimal(100000))


def test_http_price_zero_reaches_the_exchange_as_price_int_zero(bot_and_seller: tuple[mtgox.Client, Api]) -> None:
    bot, _ = bot_and_seller
    with pytest.raises(mtgox.APIError, match="price_int"):
        bot.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=0)
    with pytest.raises(mtgox.APIError, match="price_int"):
        bot.v1.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=Decimal("0.00000"))
    untouched(bot)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_stream_price_zero_reaches_the_exchange_as_price_int_zero(
    bot_and_seller: tuple[mtgox.Client, Api], transport: str
) -> None:
    bot, _ = bot_and_seller
    with bot.stream(transport=transport) as stream, pytest.raises(mtgox.APIError, match="price_int"):
        stream.calls.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=0)
    untouched(bot)


@pytest.mark.parametrize("over", ["http", "stream"])
@pytest.mark.parametrize(("pair", "price", "quote"), [("BTCUSD", "0.00001", "USD"), ("BTCJPY", "0.001", "JPY")])
def test_the_smallest_price_rests_as_a_limit_of_one_unit(
    bot_and_seller: tuple[mtgox.Client, Api], over: str, pair: str, price: str, quote: str
) -> None:
    bot, _ = bot_and_seller
    kwargs = {"pair": pair, "type": "bid", "amount": Decimal("0.01"), "price": Decimal(price)}
    if over == "http":
        oid = bot.v2.order_add(**kwargs)  # type: ignore[arg-type]
    else:
        with bot.stream() as stream:
            oid = stream.calls.order_add(**kwargs)  # type: ignore[arg-type]
    (order,) = bot.v2.orders()
    assert order.oid == oid
    assert order.price is not None
    assert (order.price.value_int, order.price.currency, order.price.value) == (1, quote, Decimal(price))
    assert order.amount.value_int == 1_000_000
