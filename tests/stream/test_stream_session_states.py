"""The stream session as a state machine, with the settings and catalogue a user gets.

Each test takes the session out of `mtgox.Client(...).stream()` (not opened: no socket), so the
settings are `StreamSettings()`'s defaults, the spec is the generated package's and the clock is
the `now` the test passes. Expected figures are worked out by hand: the idkey lives 24 hours
(api-streaming.md 5.4) and is refreshed at half of that; a dead connection is one silent for
60 s; reconnect waits double from 1 s up to 30 s, half of each wait fixed and half random.
Channel ids are the reference's (api-streaming.md 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import mtgox
from mtgox import stream as ms
from mtgox_runtime.stream import OrderBook, Reconnected, StreamSession, StreamSettings, Unparsed, parse_handshake

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="

TICKER_USD = "d5f06780-30a8-4a48-a2f8-7ed181b4a13f"
DEPTH_USD = "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"
DEPTH_EUR = "057bdc6b-9f9c-44e4-bc1a-363e4443ce87"
TRADES = "dbf1dee9-4f2e-4a08-8cb7-748919a71b21"
LAG = "85174711-be64-4de1-b783-0628995d7914"
#: An account's channel: not one of the public ids (api-streaming.md 2).
OWN = "2a5bbf29-0d32-4d5b-a1e4-8b7c6e3f4a10"

DAY = 24 * 3600
REFRESH = DAY / 2  # the idkey is fetched again when half its life is gone
SILENCE = 60.0
CAP = 30.0


def ack(channel: str) -> str:
    return json.dumps({"op": "subscribe", "channel": channel})


def phase(s: StreamSession) -> str:
    """The session's phase, read afresh (each input may change it)."""
    return s.phase


def synced(book: OrderBook) -> bool:
    return book.synced


def ops(frames: list[str]) -> list[dict[str, Any]]:
    return [json.loads(f.split(":", 3)[3] if f.startswith(("4::", "3::")) else f) for f in frames]


@pytest.fixture
def client() -> Iterator[mtgox.Client]:
    with mtgox.Client(KEY, SECRET, base_url="http://127.0.0.1:9/api", nonce_store="memory") as c:
        yield c


def user_session(client: mtgox.Client, **settings: Any) -> StreamSession:
    """The session behind `client.stream(**settings)`, never opened."""
    session: StreamSession = client.stream(**settings).session
    return session


@pytest.fixture
def s(client: mtgox.Client) -> StreamSession:
    return user_session(client)


def open_private(s: StreamSession, at: float = 0.0, idkey: str = "K1") -> None:
    s.opened(at)
    assert s.want_private(at).idkey
    s.set_idkey(idkey, at)
    assert s.received(ack(OWN), at).private_live


# -- what the user gets ------------------------------------------------------------------------------


def test_the_default_settings_are_the_documented_ones(s: StreamSession) -> None:
    assert s.settings == StreamSettings(transport="websocket")
    assert (s.settings.silence_timeout, s.settings.backoff_base, s.settings.backoff_cap) == (SILENCE, 1.0, CAP)
    assert (s.settings.idkey_refresh_s, s.settings.reconnect, s.settings.max_reconnects) == (None, True, None)
    assert s.spec.info.idkey_lifetime_s == DAY
    assert s.websocket_url(None) == "ws://127.0.0.1:9/mtgox?Currency=USD"


def test_idle_until_opened(s: StreamSession) -> None:
    assert (phase(s), s.connections, s.next_deadline()) == ("idle", 0, None)
    assert s.tick(1e9).drop is None
    with pytest.raises(mtgox.APIConnectionError, match="not connected"):
        s.begin_call("private/info", None, 0.0)
    queued = s.subscribe(0.0, channel="depth.BTCEUR")
    assert queued.frames == []  # kept for the connection
    act = s.opened(5.0)
    assert (phase(s), s.connections) == ("open", 1)
    assert ops(act.frames) == [{"op": "mtgox.subscribe", "channel": "depth.BTCEUR"}]
    assert s.next_deadline() == 5.0 + SILENCE


# -- connecting: socket.io ---------------------------------------------------------------------------


def test_socketio_joins_on_the_namespace_echo_then_sends_subscriptions(client: mtgox.Client) -> None:
    s = user_session(client, transport="socketio")
    s.subscribe(0.0, kind="trades")
    assert s.opened(0.0, parse_handshake("sid:60:60:websocket")).frames == []
    assert phase(s) == "joining"
    assert s.received("1::", 0.1).frames == ["1::/mtgox"]
    assert phase(s) == "joining"
    with pytest.raises(mtgox.APIConnectionError):
        s.begin_call("private/info", None, 0.2)
    joined = s.received("1::/mtgox", 0.2)
    assert phase(s) == "open"
    assert ops(joined.frames) == [{"op": "mtgox.subscribe", "type": "trades"}]
    assert s.received("1::/mtgox", 0.3).frames == []  # a second echo changes nothing
    # heartbeat: 60 s offered, sent every 45 s (three quarters, at most 5 s short of it)
    assert s.next_deadline() == pytest.approx(0.2 + 45.0)
    assert s.tick(45.1).frames == []
    assert s.tick(45.2).frames == ["2::"]


def test_socketio_joins_on_data_when_the_server_does_not_echo(client: mtgox.Client) -> None:
    s = user_session(client, transport="socketio")
    s.opened(0.0, None)  # no heartbeat offered: every 25 s
    act = s.received('4::/mtgox:{"op":"subscribe","channel":"' + TRADES + '"}', 0.5)
    assert phase(s) == "open" and act.delivered == 1
    assert s.next_deadline() == pytest.approx(25.0)


def test_socketio_server_frames(client: mtgox.Client) -> None:
    s = user_session(client, transport="socketio")
    s.opened(0.0, parse_handshake("sid:15:25:websocket"))
    s.received("1::/mtgox", 0.0)
    assert s.received("2::", 1.0).frames == ["2::"]  # answered at once
    assert s.next_deadline() == pytest.approx(1.0 + 10.0)  # 15 s offered: 5 s short of it
    assert s.received("0::/mtgox", 2.0).drop == "the server disconnected (socket.io 0::)"
    assert s.received("7:::bad namespace", 2.0).drop == "socket.io error: bad namespace"
    assert s.received("7:::", 2.0).drop == "socket.io error: no reason given"


# -- acknowledgements by channel kind --------------------------------------------------------------


@pytest.mark.parametrize("channel", [TICKER_USD, DEPTH_USD, TRADES, LAG])
def test_a_public_ack_never_makes_the_private_channel_live(s: StreamSession, channel: str) -> None:
    s.opened(0.0)
    s.want_private(0.0)
    s.set_idkey("K1", 0.0)
    act = s.received(ack(channel), 0.1)
    assert not act.private_live and not s.private_live
    assert act.delivered == 1 and isinstance(s.events[-1], ms.Subscribed)


def test_only_an_unknown_channels_ack_after_the_idkey_was_sent_makes_it_live(s: StreamSession) -> None:
    s.opened(0.0)
    assert not s.received(ack(OWN), 0.1).private_live  # nobody asked for the private channel
    s.want_private(0.2)
    assert not s.received(ack(OWN), 0.3).private_live  # asked, but no idkey sent yet
    assert not s.received(json.dumps({"op": "unsubscribe", "channel": OWN}), 0.3).private_live
    assert not s.received(json.dumps({"op": "subscribe", "channel": 7}), 0.3).private_live
    assert not s.received(json.dumps({"op": "subscribe"}), 0.3).private_live
    assert ops(s.set_idkey("K1", 0.4).frames) == [{"op": "mtgox.subscribe", "key": "K1"}]
    assert not s.private_live
    live = s.received(ack(OWN), 0.5)
    assert live.private_live and s.private_live


def test_the_private_channel_is_not_live_after_a_drop_until_acknowledged_again(s: StreamSession) -> None:
    open_private(s)
    s.closed(10.0, "connection lost")
    assert not s.private_live
    act = s.opened(11.0)
    assert ops(act.frames) == [{"op": "mtgox.subscribe", "key": "K1"}]  # young idkey: sent again
    assert not s.private_live
    assert s.received(ack(OWN), 11.1).private_live


def test_a_depth_ack_fetches_the_books_snapshot_at_once_other_acks_do_not(s: StreamSession) -> None:
    s.opened(0.0)
    book, act = s.add_book("BTCUSD", 0.0)
    assert ops(act.frames) == [{"op": "mtgox.subscribe", "channel": "depth.BTCUSD"}]
    assert s.received(ack(TICKER_USD), 0.1).snapshots == []
    assert s.received(ack(DEPTH_EUR), 0.1).snapshots == []  # another pair's depth
    assert s.received(ack(DEPTH_USD), 0.2).snapshots == ["BTCUSD"]
    assert s.received(ack(DEPTH_USD), 0.3).snapshots == []  # already being fetched
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": [{"price_int": "10000000", "amount_int": "5"}]}, 0.4)
    assert synced(book) and book.levels() == ({}, {10000000: 5})
    assert s.received(ack(DEPTH_USD), 0.5).snapshots == []  # synced: nothing to fetch


def test_an_unacknowledged_book_is_fetched_after_the_default_wait(s: StreamSession) -> None:
    s.opened(0.0)
    s.add_book("BTCUSD", 0.0)
    assert s.next_deadline() == 2.0
    assert s.tick(1.999).snapshots == []
    assert s.tick(2.0).snapshots == ["BTCUSD"]
    s.snapshot_loaded("BTCUSD", None, 2.5)  # failed: again 2 s later
    assert s.tick(4.499).snapshots == []
    assert s.tick(4.5).snapshots == ["BTCUSD"]


# -- the idkey, with the default refresh -----------------------------------------------------------


def keep_alive(s: StreamSession, start: float, end: float, every: float = 30.0) -> list[float]:
    """Messages every `every` s from `start` to `end`, ticking at each; when an idkey was asked for."""
    asked = []
    t = start
    while t <= end:
        s.received(ack(TRADES), t)
        if s.tick(t).idkey:
            asked.append(t)
        t += every
    return asked


def test_the_idkey_is_refreshed_at_half_its_lifetime_with_the_defaults(s: StreamSession) -> None:
    open_private(s, at=100.0)
    assert s.next_deadline() == 100.0 + SILENCE  # the watchdog comes first
    assert keep_alive(s, 130.0, 100.0 + REFRESH - 10) == []
    assert s.next_deadline() == pytest.approx(100.0 + REFRESH)
    assert not s.tick(100.0 + REFRESH - 0.001).idkey
    assert s.tick(100.0 + REFRESH).idkey
    assert not s.tick(100.0 + REFRESH + 1).idkey  # asked already: once
    assert s.next_deadline() == pytest.approx(s._last_rx + SILENCE)  # no idkey deadline while asking
    renewed = 100.0 + REFRESH + 2
    assert ops(s.set_idkey("K2", renewed).frames) == [{"op": "mtgox.subscribe", "key": "K2"}]
    assert keep_alive(s, renewed + 30, renewed + REFRESH - 1) == []  # the next refresh: half a day on
    assert s.tick(renewed + REFRESH).idkey


def test_a_refresh_comes_well_before_the_idkey_expires(s: StreamSession) -> None:
    open_private(s)
    asked = keep_alive(s, 30.0, DAY, every=60.0)
    assert asked and asked[0] < DAY - 3600  # at least an hour to spare


def test_a_failed_idkey_fetch_is_retried_a_minute_later(s: StreamSession) -> None:
    open_private(s)
    assert keep_alive(s, 30.0, REFRESH, every=30.0) == [REFRESH]
    s.set_idkey(None, REFRESH + 1)  # the HTTP request failed
    assert keep_alive(s, REFRESH + 31, REFRESH + 60, every=29.0) == []
    assert s.tick(REFRESH + 61).idkey
    assert ops(s.set_idkey("K2", REFRESH + 62).frames) == [{"op": "mtgox.subscribe", "key": "K2"}]


def test_a_failed_first_idkey_fetch_at_reconnect_is_retried(s: StreamSession) -> None:
    """The private channel must not stay silently unsubscribed when the first fetch fails."""
    s.opened(0.0)
    s.want_private(0.0)
    s.set_idkey(None, 0.1)  # subscribe_private's own fetch failed (and raised to the user)
    s.closed(1.0, "connection lost")
    assert s.opened(2.0).idkey  # asked again on the new connection
    s.set_idkey(None, 2.5)  # and failed again, in the background this time
    asked = keep_alive(s, 3.0, 200.0, every=10.0)
    assert asked and asked[0] == pytest.approx(63.0)  # tried again a minute later, not never


def test_at_reconnect_a_young_idkey_is_sent_an_old_one_fetched_first(s: StreamSession) -> None:
    open_private(s)
    s.closed(10.0, "x")
    young = s.opened(REFRESH - 1)
    assert not young.idkey and ops(young.frames) == [{"op": "mtgox.subscribe", "key": "K1"}]
    s.closed(REFRESH - 0.5, "x")
    old = s.opened(REFRESH)
    assert old.idkey and ops(old.frames) == []
    assert ops(s.set_idkey("K2", REFRESH + 1).frames) == [{"op": "mtgox.subscribe", "key": "K2"}]


def test_an_idkey_arriving_while_down_is_sent_on_the_next_connection(s: StreamSession) -> None:
    s.opened(0.0)
    s.want_private(0.0)
    s.closed(0.5, "x")
    assert s.set_idkey("K1", 1.0).frames == []  # no connection to send it on
    assert ops(s.opened(2.0).frames) == [{"op": "mtgox.subscribe", "key": "K1"}]


def test_asking_for_the_private_channel_twice_fetches_once_at_a_time(s: StreamSession) -> None:
    s.opened(0.0)
    assert s.want_private(0.0).idkey
    assert not s.want_private(0.1).idkey
    s.set_idkey("K1", 0.2)
    assert s.want_private(0.3).idkey  # a new request once the first was answered


# -- silence -----------------------------------------------------------------------------------------


def test_sixty_silent_seconds_drop_the_connection(s: StreamSession) -> None:
    s.opened(0.0)
    s.received("not json at all", 30.0)  # anything received counts as life
    assert s.tick(89.999).drop is None
    s.begin_call("private/info", None, 89.999)  # sending does not
    assert s.next_deadline() == pytest.approx(90.0)
    assert s.tick(90.0).drop == "no message for 60 s"


def test_the_watchdog_sleeps_while_down_and_while_closed(s: StreamSession) -> None:
    s.opened(0.0)
    s.closed(1.0, "x")
    assert phase(s) == "down" and s.next_deadline() is None and s.tick(1e6).drop is None
    s.close()
    assert phase(s) == "closed" and s.next_deadline() is None and s.tick(1e6).drop is None


def test_silence_while_joining_socketio_drops_too(client: mtgox.Client) -> None:
    s = user_session(client, transport="socketio")
    s.opened(0.0, None)
    assert s.tick(SILENCE).drop == "no message for 60 s"


# -- reconnecting --------------------------------------------------------------------------------------


def test_waits_double_from_one_second_up_to_thirty(s: StreamSession) -> None:
    s.opened(0.0)
    s._jitter = lambda low, high: high  # the longest wait of each draw
    waits = [s.closed(1.0 + i, "refused")[1] for i in range(8)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert phase(s) == "down"
    s._jitter = lambda low, high: low  # the shortest: half of it is fixed
    assert s.closed(20.0, "refused")[1] == 15.0


def test_the_random_half_of_a_wait_is_within_bounds(s: StreamSession) -> None:
    s.opened(0.0)
    waits = [s.closed(1.0, "x")[1] for _ in range(200)]
    caps = [min(CAP, 2.0**i) for i in range(200)]
    assert all(w is not None and cap / 2 <= w <= cap for w, cap in zip(waits, caps, strict=True))
    assert len(set(waits[10:])) > 1  # random, not a fixed wait


def test_a_connection_that_came_up_starts_the_waits_over(s: StreamSession) -> None:
    s._jitter = lambda low, high: high
    s.opened(0.0)
    assert [s.closed(t, "x")[1] for t in (1.0, 2.0, 3.0)] == [1.0, 2.0, 4.0]
    s.opened(10.0)
    assert s.closed(20.0, "x")[1] == 1.0


def test_it_never_gives_up_by_default(s: StreamSession) -> None:
    s.opened(0.0)
    for i in range(1000):
        assert s.closed(float(i), "refused")[1] is not None
    assert phase(s) == "down"


def test_a_drop_fails_pending_calls_and_the_reconnection_reports_the_gap(s: StreamSession) -> None:
    s.opened(0.0)
    s.subscribe(0.0, kind="ticker")
    call_id, _ = s.begin_call("order/add", {"type": "bid", "amount_int": "1000000"}, 0.0)
    act, wait = s.closed(5.0, "connection lost")
    ((answered, result, error),) = act.completions
    assert answered == call_id and result is None and isinstance(error, mtgox.APIConnectionError)
    assert "may or may not have been carried out" in str(error)
    assert wait is not None and 0.5 <= wait <= 1.0
    assert s.expire_call(call_id, 30.0) is None  # answered already
    s.closed(6.0, "refused")  # the first attempt fails
    back = s.opened(9.0)
    assert ops(back.frames) == [{"op": "mtgox.subscribe", "type": "ticker"}]
    assert list(s.events)[-1] == Reconnected(2, 4.0, "refused")
    assert (s.connections, phase(s)) == (2, "open")


def test_user_close_and_reconnect_false_stop_for_good(client: mtgox.Client) -> None:
    s = user_session(client)
    s.opened(0.0)
    s.close()
    assert s.closed(1.0, "bye")[1] is None and phase(s) == "closed"
    t = user_session(client, reconnect=False)
    t.opened(0.0)
    assert t.closed(1.0, "lost")[1] is None and phase(t) == "closed"


def test_the_first_connection_delivers_no_reconnected_event(s: StreamSession) -> None:
    s.opened(0.0)
    assert not any(isinstance(e, Reconnected) for e in s.events)


# -- resync ------------------------------------------------------------------------------------------


def test_books_are_emptied_on_a_drop_and_fetched_again_after_reconnecting(s: StreamSession) -> None:
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    s.received(ack(DEPTH_USD), 0.1)
    s.snapshot_loaded("BTCUSD", {"bids": [{"price_int": "9000000", "amount_int": "100"}], "asks": []}, 0.2)
    assert synced(book)
    s.closed(1.0, "x")
    assert not synced(book)  # its levels may be out of date until the next snapshot
    assert s.tick(100.0).snapshots == []  # nothing fetched while down
    back = s.opened(3.0)
    assert ops(back.frames) == [{"op": "mtgox.subscribe", "channel": "depth.BTCUSD"}]
    assert s.received(ack(DEPTH_USD), 3.1).snapshots == ["BTCUSD"]
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": []}, 3.2)
    assert synced(book) and book.snapshots == 2


def test_a_depth_message_before_the_ack_starts_the_snapshot(s: StreamSession) -> None:
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    depth = {
        "op": "private",
        "channel": DEPTH_USD,
        "channel_name": "depth.BTCUSD",
        "origin": "broadcast",
        "private": "depth",
        "depth": {
            "price": "100",
            "type": 2,
            "type_str": "bid",
            "volume": "1",
            "price_int": "10000000",
            "volume_int": "100000000",
            "item": "BTC",
            "currency": "USD",
            "now": "1364767190000000",
            "total_volume_int": "100000000",
        },
    }
    act = s.received(json.dumps(depth), 0.5)
    assert act.snapshots == ["BTCUSD"]  # not 2 s later: the subscription is live
    assert isinstance(s.events[-1], ms.Depth) and s.events[-1].depth.price == Decimal("100")
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": []}, 0.6)  # taken before the message was applied
    assert book.levels() == ({10000000: 100000000}, {})  # the buffered message on top of it


def test_a_snapshot_asked_for_before_a_drop_is_ignored(s: StreamSession) -> None:
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    assert s.tick(2.0).snapshots == ["BTCUSD"]
    s.closed(2.5, "x")
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": []}, 3.0)
    assert not synced(book) and book.snapshots == 0


# -- calls and messages ------------------------------------------------------------------------------


def test_an_answer_after_the_call_timed_out_is_a_message_not_an_answer(s: StreamSession) -> None:
    s.opened(0.0)
    call_id, _ = s.begin_call("private/info", None, 0.0)
    error = s.expire_call(call_id, 30.0)
    assert isinstance(error, mtgox.APITimeoutError) and "within 30 s" in str(error)
    late = s.received(json.dumps({"op": "result", "id": call_id, "result": {}}), 31.0)
    assert late.completions == [] and late.delivered == 1


def test_a_message_the_parser_cannot_read_is_kept_raw(s: StreamSession, monkeypatch: pytest.MonkeyPatch) -> None:
    s.opened(0.0)

    def broken(raw: dict[str, Any]) -> object:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(s, "spec", type(s.spec)(s.spec.info, parse=broken))
    s.received('{"op":"private","private":"ticker"}', 0.1)
    (event,) = s.events
    assert isinstance(event, Unparsed) and "parser bug" in event.error
