"""The sans-I/O core with a fake clock: no sockets, every decision checked."""

from __future__ import annotations

import json
from typing import Any

import pytest

import mtgox
from mtgox._catalogue import CATALOGUE
from mtgox_runtime._auth import Credentials
from mtgox_runtime._envelope import rule_table
from mtgox_runtime.stream import (
    Disconnected,
    InvalidMessageError,
    Reconnected,
    Skipped,
    StreamSession,
    StreamSettings,
    Unparsed,
    parse_handshake,
)
from mtgox_runtime.stream._protocol import origin, parse_packet
from mtgox_runtime.stream._session import message_weight

from .fakeserver import KEY, SECRET
from .parser import SPEC, Subscribed


def session(**settings: Any) -> StreamSession:
    return StreamSession(
        SPEC,
        StreamSettings(**settings),
        base_url="http://127.0.0.1:8080/api",
        rules=rule_table(CATALOGUE.error_rules),
        credentials=Credentials(KEY, SECRET),
        nonces=mtgox.MemoryNonceStore(),
        currencies=CATALOGUE.currencies,
        pairs=CATALOGUE.pairs,
        jitter=lambda low, high: high,  # the longest wait, so bounds are checked exactly
    )


def ops(frames: list[str]) -> list[dict[str, Any]]:
    return [json.loads(f.split(":", 3)[3] if f.startswith("4::") else f) for f in frames]


def test_urls_for_both_transports() -> None:
    s = session()
    assert s.handshake_url() is None
    assert s.websocket_url(None) == "ws://127.0.0.1:8080/mtgox?Currency=USD"
    sio = session(transport="socketio", channels=("depth.BTCUSD", "trade.BTC"))
    assert sio.handshake_url() == "http://127.0.0.1:8080/socket.io/1/?Channel=depth.BTCUSD/trade.BTC"
    assert sio.websocket_url(parse_handshake("abc:60:60:websocket")) == (
        "ws://127.0.0.1:8080/socket.io/1/websocket/abc?Channel=depth.BTCUSD/trade.BTC"
    )
    assert str(origin("https://data.mtgox.com/api", None, allow_insecure_http=False)) == "https://data.mtgox.com/"
    with pytest.raises(mtgox.ConfigurationError, match="not loopback"):
        origin("https://data.mtgox.com/api", "ws://example.com/mtgox", allow_insecure_http=False)
    with pytest.raises(mtgox.ConfigurationError, match="unknown stream channel"):
        session(channels=("depth.BTCXYZ",))


def test_handshake_plain_and_chunked_and_packets() -> None:
    assert parse_handshake("4f2a:60:60:websocket,xhr-polling").heartbeat_s == 60.0
    chunked = parse_handshake("1f\r\n4f2a:15:25:websocket,flashsocket\r\n0\r\n\r\n")
    assert (chunked.sid, chunked.heartbeat_s, chunked.close_s) == ("4f2a", 15.0, 25.0)
    with pytest.raises(ValueError, match="no websocket"):
        parse_handshake("4f2a:60:60:xhr-polling")
    packet = parse_packet('4::/mtgox:{"a":"b:c"}')
    assert (packet.type, packet.endpoint, packet.data) == ("4", "/mtgox", '{"a":"b:c"}')
    assert parse_packet("1::/mtgox?Currency=EUR").endpoint == "/mtgox"


def test_socketio_join_heartbeats_and_disconnect() -> None:
    s = session(transport="socketio")
    s.subscribe(0.0, kind="lag")
    assert s.opened(0.0, parse_handshake("x:20:60:websocket")).frames == []
    assert s.received("1::", 0.1).frames == ["1::/mtgox"]
    joined = s.received("1::/mtgox", 0.2)
    assert ops(joined.frames) == [{"op": "mtgox.subscribe", "type": "lag"}]
    assert s.received("2::", 1.0).frames == ["2::"]
    assert s.next_deadline() == pytest.approx(16.0)  # heartbeat: 20 - 5 s after the last frame sent
    assert s.tick(16.0).frames == ["2::"]
    assert s.received("0::/mtgox", 17.0).drop is not None
    assert s.received("7:::reason", 17.0).drop == "socket.io error: reason"


def test_silence_drops_the_connection_and_backoff_grows_with_a_cap() -> None:
    s = session(silence_timeout=30.0, backoff_base=1.0, backoff_cap=8.0)
    s.opened(0.0)
    assert s.tick(29.9).drop is None
    assert s.tick(30.0).drop == "no message for 30 s"
    delays = [s.closed(30.0 + i, "silence")[1] for i in range(6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]  # the jitter here draws the longest wait


def test_jitter_keeps_at_least_half_the_wait() -> None:
    s = StreamSession(SPEC, StreamSettings(backoff_base=4.0), base_url="http://127.0.0.1:1/api", jitter=lambda a, b: a)
    s.opened(0.0)
    assert s.closed(1.0, "x")[1] == 2.0


def test_max_reconnects_and_user_close_stop_reconnecting() -> None:
    s = session(max_reconnects=2)
    s.opened(0.0)
    assert s.closed(1.0, "x")[1] is not None
    assert s.closed(2.0, "x")[1] is not None
    assert s.closed(3.0, "x")[1] is None
    t = session()
    t.opened(0.0)
    t.close()
    assert t.closed(1.0, "bye")[1] is None


def test_reconnect_resends_unsubscribes_subscriptions_and_private_and_reports_the_gap() -> None:
    s = session()
    s.opened(0.0)
    s.subscribe(0.0, channel="depth.BTCEUR")
    s.unsubscribe(0.0, kind="ticker")
    s.want_private(0.0)
    s.set_idkey("K1", 0.0)
    s.received('{"op":"subscribe","channel":"c"}', 1.0)
    s.closed(5.0, "connection lost")
    act = s.opened(7.0)
    assert ops(act.frames) == [
        {"op": "unsubscribe", "channel": "d5f06780-30a8-4a48-a2f8-7ed181b4a13f"},
        {"op": "mtgox.subscribe", "channel": "depth.BTCEUR"},
        {"op": "mtgox.subscribe", "key": "K1"},
    ]
    assert list(s.events)[-1] == Reconnected(1, 2.0, "connection lost")


def test_idkey_is_refreshed_before_it_expires_and_refetched_when_old_at_reconnect() -> None:
    s = session(idkey_refresh_s=100.0, silence_timeout=0)
    s.opened(0.0)
    assert s.want_private(0.0).idkey
    assert ops(s.set_idkey("K1", 0.0).frames) == [{"op": "mtgox.subscribe", "key": "K1"}]
    assert s.next_deadline() == 100.0
    assert not s.tick(99.0).idkey
    assert s.tick(100.0).idkey
    assert not s.tick(100.5).idkey  # already asked
    assert ops(s.set_idkey("K2", 101.0).frames) == [{"op": "mtgox.subscribe", "key": "K2"}]
    s.closed(150.0, "x")
    assert ops(s.opened(160.0).frames) == [{"op": "mtgox.subscribe", "key": "K2"}]
    s.closed(250.0, "x")
    assert s.opened(260.0).idkey  # 159 s old: fetch a new one first


def test_calls_answers_by_id_typed_remarks_and_failure_on_close() -> None:
    s = session()
    with pytest.raises(mtgox.APIConnectionError, match="not connected"):
        s.begin_call("private/info", None, 0.0)
    s.opened(0.0)
    first, act = s.begin_call("order/add", {"type": "bid", "amount_int": 1}, 0.0, item="BTC", currency="USD")
    (frame,) = ops(act.frames)
    key, _, body = mtgox.unpack_call(frame["call"])
    inner = json.loads(body)
    assert key == KEY and frame["id"] == inner["id"] == first and "nonce" in inner and inner["item"] == "BTC"
    second, _ = s.begin_call("order/cancel", {"oid": "x"}, 0.0)
    third, _ = s.begin_call("private/info", None, 0.0)
    # a remark for an unknown id is a message, not an answer
    s.received('{"op":"remark","success":false,"message":"Order not found","id":"other"}', 0.1)
    done = s.received(f'{{"op":"remark","success":false,"message":"Order not found","id":"{second}"}}', 0.2)
    ((call_id, _, error),) = done.completions
    assert call_id == second and isinstance(error, mtgox.OrderNotFoundError)
    done = s.received(f'{{"op":"result","result":{{"x":1.5}},"id":"{first}"}}', 0.3)
    assert done.completions[0][1] == {"x": __import__("decimal").Decimal("1.5")}
    act, _ = s.closed(1.0, "lost")
    ((call_id, _, error),) = act.completions
    assert call_id == third and isinstance(error, mtgox.APIConnectionError)
    assert s.expire_call(third, 1.0) is None


def test_remarks_map_like_http_errors() -> None:
    s = session()
    s.opened(0.0)
    for message, cls in [
        ("Too many orders placed, please wait", mtgox.RateLimitedError),
        ("Invalid call", mtgox.APIError),
        ("Order not found", mtgox.OrderNotFoundError),
    ]:
        call_id, _ = s.begin_call("order/add", None, 0.0)
        ((_, _, error),) = s.received(json.dumps({"op": "remark", "message": message, "id": call_id}), 0.1).completions
        assert type(error) is cls


def test_unparseable_messages_are_kept_raw() -> None:
    s = session()
    s.opened(0.0)
    s.received('{"op":"private","private":"depth"}', 0.1)  # the test parser needs the payload
    (event,) = s.events
    assert isinstance(event, Unparsed) and event.raw == {"op": "private", "private": "depth"}
    s.received('{"op":"subscribe","channel":"c"}', 0.2)
    assert list(s.events)[-1] == Subscribed("c")


def test_books_fetch_the_snapshot_on_the_subscription_ack_or_after_a_wait() -> None:
    s = session(snapshot_wait_s=2.0)
    s.opened(0.0)
    book, act = s.add_book("btcusd", 0.0)
    assert ops(act.frames) == [{"op": "mtgox.subscribe", "channel": "depth.BTCUSD"}] and act.snapshots == []
    assert s.received('{"op":"subscribe","channel":"24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"}', 0.1).snapshots == [
        "BTCUSD"
    ]
    s.snapshot_loaded("BTCUSD", {"bids": [{"price_int": "1", "amount_int": "2"}], "asks": []}, 0.2)
    assert (book.synced, book.levels()) == (True, ({1: 2}, {}))
    s.closed(1.0, "x")
    assert book.synced is False
    s.opened(2.0)
    assert s.tick(3.9).snapshots == []
    assert s.tick(4.0).snapshots == ["BTCUSD"]  # never acknowledged: fetched after the wait
    s.closed(4.5, "x")
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": []}, 5.0)  # asked before the drop: ignored
    assert (book.synced, book.snapshots) == (False, 1)


def test_a_bad_message_is_a_skipped_warning_and_the_books_it_may_touch_resync() -> None:
    s = session(snapshot_wait_s=2.0)
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    s.received('{"op":"subscribe","channel":"24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"}', 0.1)
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": []}, 0.2)
    assert book.synced
    s.received("[" * 50_000 + "]" * 50_000, 0.3)
    no_total = {"op": "private", "private": "depth", "depth": {"type_str": "bid", "price_int": "1", "currency": "USD"}}
    act = s.received(json.dumps(no_total), 1.0)
    assert (act.snapshots, book.synced) == (["BTCUSD"], False)  # fetched again at once
    again = s.received(json.dumps(no_total), 1.5)
    assert again.snapshots == [] and s.tick(2.9).snapshots == []  # at most one resync per snapshot_wait_s
    assert s.tick(3.0).snapshots == ["BTCUSD"]
    skipped = [e for e in s.events if isinstance(e, Skipped)]
    assert [type(e.error) for e in skipped] == [
        InvalidMessageError,
        mtgox.InvalidResponseError,
        mtgox.InvalidResponseError,
    ]
    assert skipped[1].resync == ("BTCUSD",) and s.skipped == 3


def test_an_unreadable_snapshot_is_warned_and_fetched_again() -> None:
    s = session(snapshot_wait_s=0.5)
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    assert s.tick(0.5).snapshots == ["BTCUSD"] and book.snapshots == 0
    s.snapshot_loaded("BTCUSD", {"bids": [{"price_int": "1"}], "asks": []}, 0.6)
    (warning,) = s.events
    assert isinstance(warning, Skipped) and "amount_int" in str(warning.error)
    assert s.tick(1.5).snapshots == [] and s.tick(1.6).snapshots == ["BTCUSD"]
    s.snapshot_loaded("BTCUSD", {"bids": [{"price_int": "1", "amount": "0.5"}], "asks": []}, 1.7)
    assert (book.synced, book.levels()) == (True, ({1: 50_000_000}, {}))  # `amount` exactly, when no amount_int


def test_a_drop_is_told_at_once_and_the_queue_is_bounded_by_weight() -> None:
    s = session(max_queued_bytes=100_000)
    s.opened(0.0)
    act, delay = s.closed(1.0, "connection lost")
    assert list(s.events) == [Disconnected("connection lost", delay)] and act.delivered == 1
    s.opened(2.0)
    heavy = '{"op":"subscribe","channel":"c","pad":[' + "{}," * 2_000 + "{}]}"  # 6 kB, weighs ~170 kB
    assert message_weight(heavy) > 100_000 > len(heavy) * 10
    for _ in range(3):
        s.received(heavy, 3.0)
    assert len(s.events) == 1 and s.queued_bytes <= 100_000 + message_weight(heavy)
    s.pop_event()
    assert s.queued_bytes == 0


@pytest.mark.parametrize(
    "option", [{"max_message_bytes": 0}, {"max_queued_bytes": True}, {"compression": "gzip"}, {"max_book_levels": -1}]
)
def test_limits_are_checked(option: dict[str, Any]) -> None:
    with pytest.raises(mtgox.ConfigurationError, match=next(iter(option))):
        session(**option)
