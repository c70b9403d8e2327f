"""The SDK against a running exchange, over all three API versions.

Run by `make demo` against a sandbox it starts itself; to run it by hand, set MTGOX_BASE_URL and
DEMO_ALICE_KEY / DEMO_ALICE_SECRET / DEMO_BOB_KEY / DEMO_BOB_SECRET.
"""

from __future__ import annotations

import os
import time
from decimal import Decimal

import mtgox
from mtgox import stream as ms
from mtgox_runtime.stream import OrderBook

PAIR: mtgox.Pair = "BTCUSD"


def client(who: str) -> mtgox.Client:
    return mtgox.Client(
        os.environ[f"DEMO_{who}_KEY"],
        os.environ[f"DEMO_{who}_SECRET"],
        nonce_store=os.environ.get("DEMO_NONCE_DIR"),
        rate_limit=None,  # a local sandbox: no need to spare it
    )


def money(m: mtgox.Money | None) -> str:
    return "-" if m is None else f"{m.value} {m.currency}"


def section(title: str) -> None:
    print(f"\n== {title}")


def main() -> None:
    with client("ALICE") as alice, client("BOB") as bob:
        section("market data (public)")
        t2 = alice.v2.ticker(pair=PAIR)
        t1 = alice.v1.ticker(pair=PAIR)
        t0 = alice.v0.ticker().ticker
        print(f"v2 ticker: last {money(t2.last)}, bid {money(t2.buy)}, ask {money(t2.sell)}")
        print(f"v1 ticker: last {money(t1.last)}; v0 ticker: last {t0.last} buy {t0.buy} sell {t0.sell}")
        depth = alice.v2.depth_fetch(pair=PAIR)
        best_bid, best_ask = depth.bids[-1], depth.asks[0]
        print(
            f"v2 depth: {len(depth.bids)} bids, {len(depth.asks)} asks; best bid {best_bid.price} x "
            f"{best_bid.amount}, best ask {best_ask.price} x {best_ask.amount}"
        )

        section("account (signed)")
        info = alice.v1.info()
        usd = info.wallets["USD"].balance
        print(f"v1 info: {info.login}, rights {', '.join(info.rights)}, fee {info.trade_fee}%, USD {money(usd)}")
        funds = bob.v0.get_funds()
        print(f"v0 getFunds (bob): BTC {funds.btcs}, USD {funds.usds}")

        section("a bid and an ask that match")
        price = (best_bid.price + best_ask.price) / 2
        price = price.quantize(Decimal("0.00001"))
        bid = alice.v2.order_add(pair=PAIR, type="bid", amount=Decimal("1.5"), price=price)
        print(f"v2 order_add (alice): bid 1.5 BTC at {price} USD -> oid {bid}")
        ask = bob.v1.order_add(pair=PAIR, type="ask", amount=Decimal("1.5"), price=price)
        print(f"v1 order_add (bob):   ask 1.5 BTC at {price} USD -> oid {ask}")
        result = alice.v2.order_result(pair=PAIR, type="bid", oid=bid)
        print(
            f"v2 order_result (alice): {len(result.trades)} trade(s), {money(result.total_amount)} for "
            f"{money(result.total_spent)}, average {money(result.avg_cost)}"
        )

        streaming(alice, bob, price)
        pubnub_era(alice, bob, price)

        section("an order placed, listed through every version, cancelled")
        low = (best_bid.price * Decimal("0.9")).quantize(Decimal("0.00001"))
        placed = alice.v0.buy_btc(amount=Decimal("0.25"), price=low)
        print(f"v0 buyBTC (alice): 0.25 BTC at {low} -> {placed.status!r}")
        v2_orders = alice.v2.orders()
        oid = next(o.oid for o in v2_orders if o.price is not None and o.price.value == low)
        v1_oids = [o.oid for o in alice.v1.orders()]
        v0_oids = [o.oid for o in alice.v0.get_orders().orders]
        print(
            f"open order {oid}: in v2 orders {oid in [o.oid for o in v2_orders]}, "
            f"v1 orders {oid in v1_oids}, v0 getOrders {oid in v0_oids}"
        )
        cancelled = alice.v2.order_cancel(oid=oid)
        print(f"v2 order_cancel: oid {cancelled.oid}; still open: {oid in [o.oid for o in alice.v2.orders()]}")

        section("wallet history (alice, USD)")
        history = alice.v2.wallet_history(currency="USD")
        for entry in history.result[:5]:
            print(
                f"  #{entry.index} {entry.date:%Y-%m-%d %H:%M:%S} {entry.type:<7} {money(entry.value):>18}  "
                f"balance {money(entry.balance)}  {entry.info}"
            )

        section("errors are typed")
        try:
            alice.v2.order_add(pair=PAIR, type="bid", amount=Decimal("0.001"), price=price)
        except mtgox.InvalidRequestError as exc:
            print(f"refused before sending: {exc}")
        try:
            alice.v2.order_cancel(oid="00000000-0000-0000-0000-000000000000")
        except mtgox.OrderNotFoundError as exc:
            print(f"from the server: {type(exc).__name__}: {exc.message} (HTTP {exc.status})")

        section("summary")
        after = alice.v1.info()
        print(f"alice: BTC {money(after.wallets['BTC'].balance)}, USD {money(after.wallets['USD'].balance)}")
        print(f"bob:   {money(bob.v1.info().wallets['BTC'].balance)}, {money(bob.v1.info().wallets['USD'].balance)}")


def streaming(alice: mtgox.Client, bob: mtgox.Client, price: Decimal) -> None:
    """Alice's bot on the Streaming API (ws://HOST:PORT/mtgox, derived from the base URL): her
    order book, the trade and book change of a matching pair of orders, her own orders and wallet."""
    section("streaming (alice's bot): a bid over the socket, bob's matching ask over HTTP")
    with alice.stream() as stream:  # transport="socketio" speaks Socket.IO protocol 1 instead
        book = stream.order_book(PAIR)  # HTTP full-depth snapshot + depth messages
        stream.subscribe_private(wait=10)  # idkey over HTTP, then the account's own channel, confirmed
        while not book.synced:
            time.sleep(0.01)
        show_book(book)
        oid = stream.calls.order_add(pair=PAIR, type="bid", amount=Decimal("0.5"), price=price)
        print(f"stream call order/add (alice): bid 0.5 BTC at {price} USD -> oid {oid}")
        bob.v2.order_add(pair=PAIR, type="ask", amount=Decimal("0.5"), price=price)
        print(f"v2 order_add (bob): ask 0.5 BTC at {price} USD")
        for msg in stream:
            if isinstance(msg, ms.Trade) and msg.trade.primary == "Y":
                t = msg.trade
                where = msg.channel_name or "own channel"
                print(f"  trade      {t.amount} BTC at {t.price} {t.price_currency} (taker: {t.trade_type}; {where})")
            elif isinstance(msg, ms.Depth):
                d = msg.depth
                total = Decimal(d.total_volume_int or 0) / 10**8
                print(f"  depth      {d.type_str} {d.price} {d.currency}: now {total} BTC")
            elif isinstance(msg, ms.UserOrder):
                o = msg.user_order
                print(f"  user_order {o.oid[:8]} {o.type} {money(o.amount)} {o.status}")
            elif isinstance(msg, ms.Wallet):
                w = msg.wallet
                print(f"  wallet     {w.op:<6} {money(w.amount):>18}  balance {money(w.balance)}")
            elif isinstance(msg, ms.UserOrderRemoved):
                print(f"  user_order {msg.user_order.oid[:8]} removed ({msg.user_order.reason})")
                if msg.user_order.oid == oid:
                    break
        show_book(book)


def pubnub_era(alice: mtgox.Client, bob: mtgox.Client, price: Decimal) -> None:
    """The same bot as Mt. Gox's last clients ran it (2013-12 on): PubNub's long-poll for the
    public channels, the account's channel from stream/private_get, decrypted; orders over HTTP."""
    section("PubNub (alice's bot, 2013-12 style): orders over HTTP, the stream over long-polls")
    with alice.stream(transport="pubnub", channels=("depth.BTCUSD",)) as stream:
        stream.subscribe_private(wait=10)  # stream/private_get: channel, auth, cipher
        oid = alice.v2.order_add(pair=PAIR, type="ask", amount=Decimal("0.2"), price=price)
        print(f"v2 order_add (alice): ask 0.2 BTC at {price} USD -> oid {oid}")
        bob.v2.order_add(pair=PAIR, type="bid", amount=Decimal("0.2"), price=price)
        print(f"v2 order_add (bob): bid 0.2 BTC at {price} USD")
        for msg in stream:
            if isinstance(msg, ms.Depth):
                d = msg.depth
                total = Decimal(d.total_volume_int or 0) / 10**8
                print(f"  depth      {d.type_str} {d.price} {d.currency}: now {total} BTC")
            elif isinstance(msg, ms.UserOrder):
                print(f"  user_order {msg.user_order.oid[:8]} {msg.user_order.status} (decrypted: PubNub's AES)")
            elif isinstance(msg, ms.UserOrderRemoved):
                print(f"  user_order {msg.user_order.oid[:8]} removed ({msg.user_order.reason})")
                if msg.user_order.oid == oid:
                    break


def show_book(book: OrderBook) -> None:
    bid, ask = book.best_bid(), book.best_ask()
    if bid is not None and ask is not None:
        print(f"book: best bid {bid.price} x {bid.amount}, best ask {ask.price} x {ask.amount}")


if __name__ == "__main__":
    main()
