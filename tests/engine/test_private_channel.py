"""What each account's private channel receives, built from the facts of one transaction as the
server builds it after the commit (stream/messages.py), without a socket.

Per fill (reference, api-streaming.md 4.8): the seller's wallet `out`, `earned`, `fee`, the
buyer's `in`, `spent`, `fee`; then the trade, once on each owner's channel; then the orders.
The order's own progression (4.7): `pending`, `executing`, its fills, then `post-pending` and
`open` when some of it rests, or its removal (`completed_active`) when nothing does.
"""

from __future__ import annotations

from .venue import BTC, USD, Venue, summary


def test_both_sides_of_a_trade_each_get_their_own_messages(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    buyer = venue.account(usd=100 * USD)
    bystander = venue.account(btc=BTC, usd=100 * USD)
    ask = venue.place(seller, "ask", 1 * BTC, 100 * USD)
    bid, facts = venue.place_listened(buyer, "bid", 40_000_000, 100 * USD)
    got = venue.private(facts, seller, buyer, bystander)
    # 0.4 BTC at 100: 4_000_000 units; seller's fee 24_000 USD, buyer's 240_000 satoshi
    assert [summary(m) for m in got[seller]] == [
        ("wallet", "out", "BTC", 40_000_000, 60_000_000),
        ("wallet", "earned", "USD", 4_000_000, 4_000_000),
        ("wallet", "fee", "USD", 24_000, 3_976_000),
        ("trade", "bid", 40_000_000, 10_000_000, "limit"),
        ("user_order", ask.oid, "open", 60_000_000),
    ]
    assert [summary(m) for m in got[buyer]] == [
        ("user_order", bid.oid, "pending", 40_000_000),
        ("user_order", bid.oid, "executing", 40_000_000),
        ("wallet", "in", "BTC", 40_000_000, 40_000_000),
        ("wallet", "spent", "USD", 4_000_000, 6_000_000),
        ("wallet", "fee", "BTC", 240_000, 39_760_000),
        ("trade", "bid", 40_000_000, 10_000_000, "limit"),
        ("user_order", bid.oid, "completed_active"),
    ]
    assert got[bystander] == []


def test_a_self_trade_reaches_its_one_channel_with_one_trade(venue: Venue) -> None:
    trader = venue.account(btc=BTC, usd=100 * USD)
    ask = venue.place(trader, "ask", BTC // 2, 100 * USD)
    bid, facts = venue.place_listened(trader, "bid", BTC // 2, 100 * USD)
    got = venue.private(facts, trader)[trader]
    # both sides are its own: its seller's rows, then its buyer's, then the trade once
    assert [summary(m) for m in got] == [
        ("user_order", bid.oid, "pending", 50_000_000),
        ("user_order", bid.oid, "executing", 50_000_000),
        ("wallet", "out", "BTC", 50_000_000, 50_000_000),
        ("wallet", "earned", "USD", 5_000_000, 15_000_000),
        ("wallet", "fee", "USD", 30_000, 14_970_000),
        ("wallet", "in", "BTC", 50_000_000, 100_000_000),
        ("wallet", "spent", "USD", 5_000_000, 9_970_000),
        ("wallet", "fee", "BTC", 300_000, 99_700_000),
        ("trade", "bid", 50_000_000, 10_000_000, "limit"),
        ("user_order", ask.oid, "completed_passive"),
        ("user_order", bid.oid, "completed_active"),
    ]


def test_a_self_trade_conserves_everything_but_the_fees(venue: Venue) -> None:
    trader = venue.account(btc=BTC, usd=100 * USD)
    venue.place(trader, "bid", BTC // 2, 100 * USD)
    venue.place(trader, "ask", BTC // 2, 100 * USD)
    # it bought and sold 0.5 BTC at 100: only the fees (300_000 BTC, 30_000 USD) left it
    assert venue.wallet(trader, "BTC") == (99_700_000, 0)
    assert venue.wallet(trader, "USD") == (9_970_000, 0)
    assert len(venue.trades()) == 1
    assert venue.invariants() == []


def test_messages_carry_the_channel_and_no_channel_name(venue: Venue) -> None:
    trader = venue.account(usd=100 * USD)
    _, facts = venue.place_listened(trader, "bid", 1 * BTC, 10 * USD)
    got = venue.private(facts, trader)[trader]
    assert [m["user_order"]["status"] for m in got] == ["pending", "executing", "post-pending", "open"]
    for message in got:
        assert message == {
            "channel": venue.channel_of(trader),
            "op": "private",
            "origin": "broadcast",
            "private": "user_order",
            "user_order": message["user_order"],
        }
    last = got[-1]["user_order"]
    assert last["price"]["value_int"] == "1000000"
    assert last["effective_amount"]["value_int"] == "100000000"


def test_a_resting_order_is_pending_executing_post_pending_then_open(venue: Venue) -> None:
    trader = venue.account(usd=100 * USD)
    bid, facts = venue.place_listened(trader, "bid", 1 * BTC, 10 * USD)
    assert [summary(m) for m in venue.private(facts, trader)[trader]] == [
        ("user_order", bid.oid, "pending", 100_000_000),
        ("user_order", bid.oid, "executing", 100_000_000),
        ("user_order", bid.oid, "post-pending", 100_000_000),
        ("user_order", bid.oid, "open", 100_000_000),
    ]


def test_an_unfunded_order_is_pending_then_invalid_with_all_of_it_invalid(venue: Venue) -> None:
    trader = venue.account(usd=9 * USD)
    bid, facts = venue.place_listened(trader, "bid", 1 * BTC, 10 * USD)
    got = venue.private(facts, trader)[trader]
    assert [summary(m) for m in got] == [
        ("user_order", bid.oid, "pending", 100_000_000),
        ("user_order", bid.oid, "invalid", 100_000_000),
    ]
    order = got[1]["user_order"]
    assert (order["effective_amount"]["value_int"], order["invalid_amount"]["value_int"]) == ("0", "100000000")


def test_a_cancel_says_requested(venue: Venue) -> None:
    trader = venue.account(usd=100 * USD)
    bid = venue.place(trader, "bid", 1 * BTC, 10 * USD)
    facts = venue.listened(lambda tx: venue.engine.cancel(tx, trader, bid.oid))
    assert [summary(m) for m in venue.private(facts, trader)[trader]] == [("user_order", bid.oid, "requested")]


def test_a_taker_resting_after_a_fill_and_the_maker_it_emptied(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    buyer = venue.account(usd=100 * USD)
    ask = venue.place(seller, "ask", 30_000_000, 100 * USD)
    bid, facts = venue.place_listened(buyer, "bid", 1 * BTC, 100 * USD)
    got = venue.private(facts, seller, buyer)
    # 0.3 at 100: 3_000_000 units; fees 18_000 USD and 180_000 satoshi
    assert [summary(m) for m in got[seller]] == [
        ("wallet", "out", "BTC", 30_000_000, 70_000_000),
        ("wallet", "earned", "USD", 3_000_000, 3_000_000),
        ("wallet", "fee", "USD", 18_000, 2_982_000),
        ("trade", "bid", 30_000_000, 10_000_000, "limit"),
        ("user_order", ask.oid, "completed_passive"),
    ]
    assert [summary(m) for m in got[buyer]] == [
        ("user_order", bid.oid, "pending", 100_000_000),
        ("user_order", bid.oid, "executing", 100_000_000),
        ("wallet", "in", "BTC", 30_000_000, 30_000_000),
        ("wallet", "spent", "USD", 3_000_000, 7_000_000),
        ("wallet", "fee", "BTC", 180_000, 29_820_000),
        ("trade", "bid", 30_000_000, 10_000_000, "limit"),
        ("user_order", bid.oid, "post-pending", 70_000_000),
        ("user_order", bid.oid, "open", 70_000_000),
    ]


def test_a_market_order_is_completed_active_whatever_was_dropped(venue: Venue) -> None:
    seller = venue.account(btc=BTC)
    venue.place(seller, "ask", 30_000_000, 100 * USD)
    buyer = venue.account(usd=100 * USD)
    bid, facts = venue.place_listened(buyer, "bid", 1 * BTC, None)
    # 0.3 of the 1 BTC at 100 (3_000_000 units, a 180_000 satoshi fee); the 0.7 the book lacks
    # is dropped: the order never rests, so it is never post-pending or open
    assert [summary(m) for m in venue.private(facts, buyer)[buyer]] == [
        ("user_order", bid.oid, "pending", 100_000_000),
        ("user_order", bid.oid, "executing", 100_000_000),
        ("wallet", "in", "BTC", 30_000_000, 30_000_000),
        ("wallet", "spent", "USD", 3_000_000, 7_000_000),
        ("wallet", "fee", "BTC", 180_000, 29_820_000),
        ("trade", "bid", 30_000_000, 10_000_000, "market"),
        ("user_order", bid.oid, "completed_active"),
    ]
