"""During a replay, a bot's bid resting below the market fills once the tape trades through its
price, and its balances, wallet history and `user_order` / `wallet` messages say so: the SDK
over real sockets, HTTP and the stream, against the shipped day on a stepped clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

import mtgox
from mtgox import stream as ms
from mtgox_sandbox.fixture import Sandbox

from ..stream.support import TRANSPORTS

DAY = "mtgox-btcusd-trades-2013-01-01"
FIRST_AT_13_40 = "2013-01-01T11:35:04.566981Z"  # the day's first print at or below 13.40: 0.00020523 BTC
BID = Decimal("0.01")


def upto(stream: Iterator[object], predicate: Callable[[object], bool], limit: int = 5000) -> list[object]:
    seen: list[object] = []
    for message in stream:
        seen.append(message)
        if predicate(message):
            return seen
        assert len(seen) < limit, f"not seen in {limit} messages: {seen[-5:]}"
    raise AssertionError("the stream ended")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_bid_below_the_market_fills_as_the_tape_trades_through_it(sandbox: Sandbox, transport: str) -> None:
    sandbox.replay(DAY, speed="stepped")
    key, secret = sandbox.add_account(fund={"USD": "100"})
    with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as bot:
        assert bot.v2.ticker(pair="BTCUSD").last.value == Decimal("13.51001")  # the day's first trade
        with bot.stream(transport=transport) as stream:
            stream.subscribe_private(wait=20)
            oid = bot.v2.order_add(pair="BTCUSD", type="bid", amount=BID, price=Decimal("13.4"))
            upto(stream, lambda m: isinstance(m, ms.UserOrder) and m.user_order.status == "open")
            sandbox.clock.run_until("2013-01-01T11:35:04Z")  # the market stays above 13.40 until then
            assert [o.amount.value for o in bot.v2.orders()] == [BID]
            sandbox.clock.run_until(FIRST_AT_13_40)
            seen = upto(stream, lambda m: isinstance(m, ms.UserOrder) and m.user_order.oid == oid)
            # the print's 0.00020523 BTC, at the bid's price, less 0.6 % fee; a bid's fill is
            # BTC in, fiat spent, then the fee, as the reference lists them
            wallets = [m.wallet for m in seen if isinstance(m, ms.Wallet)]
            assert [(w.op, w.amount.value, w.amount.currency) for w in wallets] == [
                ("in", Decimal("0.00020523"), "BTC"),
                ("spent", Decimal("0.00275"), "USD"),
                ("fee", Decimal("0.00000123"), "BTC"),
            ]
            left = next(m for m in seen if isinstance(m, ms.UserOrder) and m.user_order.oid == oid)
            assert left.user_order.amount.value == BID - Decimal("0.00020523")
            trades = [m.trade for m in seen if isinstance(m, ms.Trade)]
            assert any(t.price == Decimal("13.4") and t.amount_int == 20523 and t.primary == "Y" for t in trades)
            sandbox.clock.run_until("2013-01-02T00:00:00Z")  # the rest of the day
            upto(stream, lambda m: isinstance(m, ms.UserOrderRemoved) and m.user_order.oid == oid)
            # read the rest of the day's messages (a marker: an order of its own, cancelled), so
            # the stream closes at once: websockets waits 10 s for a close frame behind unread ones
            marker = bot.v2.order_add(pair="BTCUSD", type="bid", amount=BID, price=Decimal("1"))
            bot.v2.order_cancel(oid=marker)
            upto(stream, lambda m: isinstance(m, ms.UserOrderRemoved) and m.user_order.oid == marker)
        assert bot.v2.orders() == []
        info = bot.v2.info()
        history = bot.v2.wallet_history(currency="BTC").result
        fees = sum(row.value.value for row in history if row.type == "fee")
        assert all(row.info.startswith("BTC bought: [tid:") for row in history)
        assert {row.type for row in history} == {"in", "fee"}
        assert sum(row.value.value for row in history if row.type == "in") == BID
        assert Decimal("0.00005") <= fees <= Decimal("0.00007")  # 0.6 %, rounded half up per fill
        assert info.wallets["BTC"].balance.value == BID - fees
        spent = [row.value.value for row in bot.v2.wallet_history(currency="USD").result if row.type == "spent"]
        assert info.wallets["USD"].balance.value == Decimal("100") - sum(spent)
        # 0.01 BTC at 13.40, each fill's cost truncated to the cent's thousandth in the buyer's favour
        assert Decimal("0.134") - Decimal("0.00001") * len(spent) <= sum(spent) <= Decimal("0.134")
        assert sandbox.replay_status()["done"] is True
    assert sandbox.check_invariants() == []
