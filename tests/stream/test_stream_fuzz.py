"""The stream's reader under any sequence of frames (hypothesis), through the generated parser.

Frames are drawn from what a server can send: catalogued messages with fields missing, wrong or
huge, depth messages on random levels (with and without their totals), answers to pending
calls, subscription acknowledgements, Socket.IO packets, text that is not JSON, deep nesting;
mixed with reconnections, snapshots (good and broken), deadlines and the user reading. After
every step: nothing raised, every event is typed, and what is held is within its bounds (the
queue in messages and weight, each book in levels).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mtgox
from mtgox_runtime import Model
from mtgox_runtime.stream import Disconnected, Reconnected, Skipped, StreamSession, Unknown, Unparsed
from mtgox_runtime.stream._session import message_weight

from .fakeserver import KEY, SECRET
from .test_parse_properties import dumps, json_values

DEPTH_ID = "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"
LIMITS: dict[str, Any] = {"max_queued": 40, "max_queued_bytes": 40_000, "max_book_levels": 25}
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

garbage = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 3000).map(lambda n: '{"op":"private","private":"depth","depth":' + "[" * n + "]" * n + "}"),
    st.just('{"op":"private","private":"ticker","ticker":{"a":1e999999999}}'),
    st.just("NaN"),
    st.just('"\\ud800"'),
)
small_int = st.one_of(st.integers(-5, 10**6), st.integers(10**17, 10**40), st.just("12"), st.just("x"), st.none())
depth_payload = st.fixed_dictionaries(
    {},
    optional={
        "type_str": st.sampled_from(["bid", "ask", "both", ""]) | st.none(),
        "type": st.sampled_from([1, 2, "1", 3, [1]]),
        "price_int": st.integers(1, 60).map(str) | small_int,
        "total_volume_int": st.integers(0, 10**9).map(str) | small_int,
        "volume_int": small_int,
        "item": st.sampled_from(["BTC", "LTC"]),
        "currency": st.sampled_from(["USD", "USD", "EUR"]),
        "price": st.sampled_from(["1.5", "x", None]),
        "now": st.sampled_from(["1385000000123456", ""]),
    },
)
catalogued = st.one_of(
    depth_payload.map(lambda d: {"op": "private", "private": "depth", "channel": DEPTH_ID, "depth": d}),
    json_values.map(lambda v: {"op": "private", "private": "ticker", "channel": "x", "ticker": v}),
    json_values.map(lambda v: {"op": "private", "private": "trade", "channel": "x", "trade": v}),
    json_values.map(lambda v: {"op": "private", "private": "user_order", "user_order": v}),
    st.sampled_from([DEPTH_ID, "c", "", None]).map(lambda c: {"op": "subscribe", "channel": c}),
    json_values.map(lambda v: {"op": "remark", "message": v, "id": "?", "token": v}),
    st.dictionaries(st.sampled_from(["op", "id", "result", "private", "channel", "depth"]), json_values, max_size=5),
)
frames = st.one_of(catalogued.map(dumps), garbage)
snapshots = st.one_of(
    st.none(),
    st.lists(st.tuples(st.integers(1, 80), st.integers(0, 10**8)), max_size=40).map(
        lambda levels: {"bids": [{"price_int": str(p), "amount_int": str(v)} for p, v in levels], "asks": []}
    ),
    json_values.map(lambda v: {"bids": v, "asks": []}),
    json_values,
)
steps = st.lists(
    st.one_of(
        frames.map(lambda f: ("frame", f)),
        st.just(("tick", None)),
        st.just(("drop", None)),
        st.just(("read", None)),
        st.just(("call", None)),
        snapshots.map(lambda s: ("snapshot", s)),
    ),
    max_size=60,
)

#: What the iterator may yield: typed messages (generated models), or the stream's own events.
TYPED = (Model, Unknown, Unparsed, Skipped, Disconnected, Reconnected)


def _session(transport: str) -> StreamSession:
    with mtgox.Client(KEY, SECRET, base_url="http://127.0.0.1:1/api", nonce_store="memory") as client:
        session: StreamSession = client.stream(transport=transport, snapshot_wait_s=0.5, **LIMITS).session
    return session


def _check(s: StreamSession, heaviest: int) -> None:
    assert all(isinstance(e, TYPED) for e in s.events), [type(e) for e in s.events]
    assert len(s.events) <= LIMITS["max_queued"]
    assert s.queued_bytes <= max(LIMITS["max_queued_bytes"], heaviest)
    assert s.queued_bytes == sum(s._sizes) and len(s._sizes) == len(s.events)
    for book in s.books.values():
        bids, asks = book.levels()
        assert len(bids) + len(asks) <= 3 * 2 * LIMITS["max_book_levels"]
        assert len(book._buffer) <= 2 * LIMITS["max_book_levels"]


@pytest.mark.parametrize("transport", ["websocket", "socketio"])
@SETTINGS
@given(sequence=steps)
def test_any_frame_sequence_keeps_the_reader_alive_and_bounded(transport: str, sequence: list[Any]) -> None:
    s = _session(transport)
    now = 0.0
    s.opened(now)
    if transport == "socketio":
        s.received("1::", now)
        s.received("1::/mtgox", now)
    book, _ = s.add_book("BTCUSD", now)
    heaviest = 0
    for kind, value in sequence:
        now += 0.3
        if kind == "frame":
            text = value if transport == "websocket" or isinstance(value, bytes) else f"4::/mtgox:{value}"
            heaviest = max(heaviest, message_weight(text))
            s.received(text, now)
        elif kind == "tick":
            for pair in s.tick(now).snapshots:
                s.snapshot_loaded(pair, {"bids": [], "asks": []}, now)
        elif kind == "drop":
            s.closed(now, "fuzz")
            s.opened(now + 0.1)
            if transport == "socketio":
                s.received("1::/mtgox", now + 0.1)
        elif kind == "read" and s.events:
            s.pop_event()
        elif kind == "call" and s.phase == "open":
            call_id, _ = s.begin_call("private/info", None, now)
            answer = {"op": "remark", "message": "x" * 50, "id": call_id}
            s.received(json.dumps(answer) if transport == "websocket" else f"4::/mtgox:{json.dumps(answer)}", now)
        elif kind == "snapshot":
            s._fetching.add("BTCUSD")
            s.snapshot_loaded("BTCUSD", value, now)
        _check(s, heaviest)
    assert book.pair == "BTCUSD"
