"""The order book: exact levels from total_volume_int, buffering, resync; property-tested."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mtgox_runtime.stream import OrderBook, levels_of


def book() -> OrderBook:
    return OrderBook("BTCUSD", "BTC", "USD", price_divisor=100_000, amount_divisor=100_000_000)


def depth(side: str, price: int, total: int, volume: int = 0) -> dict[str, Any]:
    return {
        "type_str": side,
        "price_int": str(price),
        "total_volume_int": str(total),
        "volume_int": str(volume),
        "item": "BTC",
        "currency": "USD",
    }


def test_levels_are_set_to_the_total_never_summed() -> None:
    b = book()
    b.load_snapshot({"bids": [{"price_int": "9250000", "amount_int": "300000000"}], "asks": []})
    # a trade's depth message: zero delta, reduced total
    b.on_depth(depth("bid", 9250000, 250000000, volume=0))
    assert b.levels() == ({9250000: 250000000}, {})
    b.on_depth(depth("bid", 9250000, 0, volume=-250000000))
    assert b.levels() == ({}, {})


def test_best_prices_cumulative_depth_and_exact_decimals() -> None:
    b = book()
    b.load_snapshot(
        {
            "bids": [{"price_int": "9250000", "amount_int": "150000000"}, {"price_int": "9240001", "amount_int": "1"}],
            "asks": [
                {"price_int": "9300000", "amount_int": "10000000"},
                {"price_int": "9310000", "amount_int": "20000000"},
            ],
        }
    )
    bid, ask = b.best_bid(), b.best_ask()
    assert bid is not None and ask is not None
    assert (bid.price, bid.amount) == (Decimal("92.5"), Decimal("1.5"))
    assert ask.price == Decimal("93")
    assert [lv.amount for lv in b.cumulative("ask")] == [Decimal("0.1"), Decimal("0.3")]
    assert [lv.amount_int for lv in b.cumulative("bid")] == [150000000, 150000001]
    assert b.bids(1)[0].price == Decimal("92.5") and b.bids()[1].amount == Decimal("1E-8")


def test_messages_before_the_snapshot_are_buffered_then_applied_in_order() -> None:
    b = book()
    b.on_depth(depth("ask", 9300000, 5))
    b.on_depth(depth("ask", 9300000, 2))
    b.on_depth(depth("bid", 9000000, 0))
    assert (b.synced, b.levels()) == (False, ({}, {}))
    b.load_snapshot(
        {"asks": [{"price_int": 9300000, "amount_int": 5}], "bids": [{"price_int": 9000000, "amount_int": 1}]}
    )
    assert (b.synced, b.levels()) == (True, ({}, {9300000: 2}))


def test_reset_drops_the_buffer_and_waits_for_a_new_snapshot() -> None:
    b = book()
    b.load_snapshot({"asks": [], "bids": []})
    b.on_depth(depth("bid", 9000000, 1))
    b.reset()
    b.on_depth(depth("bid", 9100000, 1))
    b.reset()
    b.load_snapshot({"asks": [], "bids": [{"price_int": 8000000, "amount_int": 4}]})
    assert b.levels() == ({8000000: 4}, {}) and b.snapshots == 2


def test_other_markets_do_not_match_and_type_numbers_work() -> None:
    b = book()
    assert not b.matches({**depth("bid", 1, 1), "currency": "EUR"})
    b.load_snapshot({"asks": [], "bids": []})
    b.on_depth({"type": 1, "price_int": "5", "total_volume_int": "6", "currency": "USD"})
    assert b.levels() == ({}, {5: 6})


UPDATES = st.lists(
    st.tuples(st.sampled_from(["bid", "ask"]), st.integers(1, 40), st.integers(0, 10**12) | st.just(0)),
    max_size=200,
)


def _model(updates: list[tuple[str, int, int]]) -> dict[str, dict[int, int]]:
    model: dict[str, dict[int, int]] = {"bid": {}, "ask": {}}
    for side, price, total in updates:
        if total:
            model[side][price] = total
        else:
            model[side].pop(price, None)
    return model


@settings(max_examples=200, deadline=None)
@given(history=UPDATES, buffered=UPDATES, after=UPDATES, data=st.data())
def test_book_equals_a_dict_model(
    history: list[tuple[str, int, int]],
    buffered: list[tuple[str, int, int]],
    after: list[tuple[str, int, int]],
    data: st.DataObject,
) -> None:
    """Random level updates; those buffered while the snapshot is fetched may be in it or not."""
    cut = data.draw(st.integers(0, len(buffered)), label="buffered messages the snapshot already holds")
    snap = _model(history + buffered[:cut])
    b = book()
    for update in buffered:
        b.on_depth(depth(*update))
    b.load_snapshot(
        {
            name: [{"price_int": p, "amount_int": v} for p, v in snap[side].items()]
            for name, side in (("bids", "bid"), ("asks", "ask"))
        }
    )
    for update in after:
        b.on_depth(depth(*update))
    model = _model(history + buffered + after)
    assert b.levels() == (model["bid"], model["ask"])
    assert [lv.price_int for lv in b.bids()] == sorted(model["bid"], reverse=True)
    assert [lv.price_int for lv in b.asks()] == sorted(model["ask"])
    best_bid, best_ask = b.best_bid(), b.best_ask()
    assert (best_bid.price_int if best_bid else None) == max(model["bid"], default=None)
    assert (best_ask.price_int if best_ask else None) == min(model["ask"], default=None)


def test_levels_of_sums_entries_at_one_price() -> None:
    assert levels_of([{"price_int": "1", "amount_int": "2"}, {"price_int": 1, "amount_int": 3}]) == {1: 5}
