"""A trading bot tested against a real day of Mt. Gox: 2013-01-01, 2,331 BTCUSD trades, replayed
through the exchange's own wire API on a clock the test steps, with a fault injected mid-way.

The bot is an unmodified SDK client: it reads the market over HTTP (the v2 ticker), keeps a bid
and an ask resting around the last price, and follows its own orders and wallets on the
Streaming API. Its resting orders fill when the day's recorded trades print through their
prices (docs/sandbox.md, "Replaying history"). Half-way through, the exchange refuses two of its
orders with HTTP 503 (as Mt. Gox's servers did under load) and drops its stream; the bot must
carry on. The test asserts on its profit and loss, in a few seconds, the same on every run.

    pip install 'mtgox-sdk[testing,stream]'
    pytest examples/test_replay_bot.py
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import mtgox
from mtgox import stream as ms
from mtgox_runtime.stream import Reconnected
from mtgox_sandbox.fixture import Sandbox, sandbox

__all__ = ["BotResult", "run_bot", "sandbox", "test_bot_trades_a_real_day"]

DAY = "mtgox-btcusd-trades-2013-01-01"  # shipped with the sandbox
STEP_S = 900  # the bot looks at the market every 15 minutes of exchange time
STEPS = 96  # a day
SPREAD = Decimal("0.004")  # its bid and ask, 0.4 % either side of the last price
SIZE = Decimal("2")  # BTC per order
START = {"BTC": Decimal("20"), "USD": Decimal("300")}


@dataclass
class BotResult:
    start_value: Decimal = Decimal(0)  # USD, at the first price
    end_value: Decimal = Decimal(0)  # USD, at the last price
    fills: int = 0  # its orders filled, as its stream told it
    refused: int = 0  # orders the exchange refused (the fault)
    reconnects: int = 0  # times its stream came back
    flows: dict[str, Decimal] = field(default_factory=dict)  # what its stream's wallet messages added up to
    balances: dict[str, Decimal] = field(default_factory=dict)  # what the exchange held at the end

    @property
    def pnl(self) -> Decimal:
        return self.end_value - self.start_value


def value(info: mtgox.types.Info, price: Decimal) -> Decimal:
    return info.wallets["USD"].balance.value + info.wallets["BTC"].balance.value * price


def read(messages: Iterable[Any], result: BotResult, *, until_orders: set[str] | None = None) -> None:
    """Read the stream up to the messages about the bot's new orders (or up to a reconnection):
    what the exchange did before them (the tape's trades, the bot's fills) comes first."""
    for message in messages:
        if isinstance(message, ms.Wallet):
            change = message.wallet
            sign = 1 if change.op in ("in", "earned", "deposit") else -1
            code = change.amount.currency
            result.flows[code] = result.flows.get(code, Decimal(0)) + sign * change.amount.value
        elif isinstance(message, ms.UserOrderRemoved) and message.user_order.reason == "completed_passive":
            result.fills += 1
        elif isinstance(message, ms.UserOrder) and until_orders is not None:
            until_orders.discard(message.user_order.oid)
            if not until_orders:
                return
        elif isinstance(message, Reconnected):
            result.reconnects += 1
            if until_orders is None:
                return


def run_bot(sandbox: Sandbox) -> BotResult:
    sandbox.replay(DAY, speed="stepped")  # first: the exchange's clock goes back to 2013-01-01
    key, secret = sandbox.add_account(fund=START, name="bot")
    result = BotResult()
    with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory", max_retries=0) as client:
        result.start_value = value(client.v2.info(), client.v2.ticker(pair="BTCUSD").last.value)
        with client.stream() as stream:
            stream.subscribe_private(wait=20)
            for step in range(STEPS):
                if step == STEPS // 2:  # the exchange has a bad quarter of an hour
                    sandbox.fault("http-503", "*/money/order/add", account=key, times=2)
                    sandbox.fault("drop-stream", account=key, times=1)
                    read(stream, result)  # until the stream is back
                    stream.subscribe_private(wait=20)
                sandbox.clock.advance(STEP_S)
                last = client.v2.ticker(pair="BTCUSD").last.value
                for order in client.v2.orders():
                    client.v2.order_cancel(oid=order.oid)
                wallets = client.v2.info().wallets
                placed: set[str] = set()
                sides: tuple[tuple[Literal["bid", "ask"], Decimal], ...] = (
                    ("bid", last * (1 - SPREAD)),
                    ("ask", last * (1 + SPREAD)),
                )
                for side, price in sides:
                    price = price.quantize(Decimal("0.00001"))
                    have = wallets["USD"].balance.value >= SIZE * price if side == "bid" else None
                    if not (have if have is not None else wallets["BTC"].balance.value >= SIZE):
                        continue
                    try:
                        placed.add(client.v2.order_add(pair="BTCUSD", type=side, amount=SIZE, price=price))
                    except mtgox.ServerError:  # HTTP 503: the bot tries again at its next step
                        result.refused += 1
                if placed:
                    read(stream, result, until_orders=placed)
        info = client.v2.info()
        result.end_value = value(info, client.v2.ticker(pair="BTCUSD").last.value)
        result.balances = {code: info.wallets[code].balance.value for code in START}
    return result


def test_bot_trades_a_real_day(sandbox: Sandbox) -> None:
    result = run_bot(sandbox)
    state = sandbox.replay_status()
    assert (state["trades_done"], state["done"]) == (2331, True)
    assert (result.refused, result.reconnects) == (2, 1)  # it met the fault and carried on
    assert result.fills > 0
    # what its stream told it adds up to what the exchange holds (fees included)
    for code, start in START.items():
        assert start + result.flows.get(code, Decimal(0)) == result.balances[code]
    # a market maker 0.4 % wide on a quiet day should not lose more than 2 % of its capital
    assert result.pnl > -result.start_value * Decimal("0.02"), f"lost {result.pnl} USD"
