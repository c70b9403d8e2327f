"""The stream session's details a bot or its operator reads: errors, logs, frames, bounds.

The transitions are in test_stream_session_states.py; here each error is checked whole (its
message, the parameter or endpoint it names), each log line as written, each frame byte for byte,
and each setting where its value changes what the session does.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

import mtgox
from mtgox._catalogue import CATALOGUE
from mtgox_runtime import MemoryNonceStore
from mtgox_runtime._auth import Credentials
from mtgox_runtime._envelope import rule_table
from mtgox_runtime.stream import StreamSession, StreamSettings, StreamSpec, parse_handshake
from mtgox_runtime.stream._session import log_failure, private_not_confirmed, remark_error

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="
SPEC: StreamSpec = mtgox.Client._load_stream_spec()
RULES = rule_table(CATALOGUE.error_rules)
DEPTH_USD = "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"
LOG = "mtgox"


def session(*, spec: StreamSpec = SPEC, base_url: str = "http://127.0.0.1:9/api", **settings: Any) -> StreamSession:
    extra = {k: settings.pop(k) for k in ("nonces", "allow_insecure_http", "use_tonce", "pairs") if k in settings}
    return StreamSession(
        spec,
        StreamSettings(**settings),
        base_url=base_url,
        allow_insecure_http=extra.get("allow_insecure_http", False),
        rules=RULES,
        credentials=Credentials(KEY, SECRET),
        nonces=extra.get("nonces", MemoryNonceStore()),
        use_tonce=extra.get("use_tonce", False),
        currencies=CATALOGUE.currencies,
        pairs=extra.get("pairs", CATALOGUE.pairs),
        jitter=lambda low, high: high,
    )


def sio(**settings: Any) -> StreamSession:
    """A socket.io session joined at 0 s (heartbeat every 25 s: no handshake offered one)."""
    s = session(transport="socketio", **settings)
    s.opened(0.0, None)
    s.received("1::/mtgox", 0.0)
    return s


def depth_message(price_int: str = "10000000", total: str = "100000000") -> dict[str, Any]:
    return {
        "op": "private",
        "channel": DEPTH_USD,
        "private": "depth",
        "depth": {"type_str": "bid", "price_int": price_int, "total_volume_int": total, "currency": "USD"},
    }


# -- errors ------------------------------------------------------------------------------------------


def test_a_remark_becomes_the_typed_error_with_everything_it_said() -> None:
    remark = {"op": "remark", "success": False, "message": "Order not found", "token": "order_missing", "id": "1"}
    error = remark_error(remark, RULES, "order/cancel")
    assert type(error) is mtgox.OrderNotFoundError
    assert (error.message, error.endpoint, error.token) == ("Order not found", "stream.order/cancel", "order_missing")
    assert (
        error.body_excerpt
        == '{"op":"remark","success":false,"message":"Order not found","token":"order_missing","id":"1"}'
    )
    by_token = remark_error({"op": "remark", "message": "x", "token": "login_error_invalid_nonce"}, RULES, "info")
    assert type(by_token) is mtgox.NonceError and by_token.token == "login_error_invalid_nonce"
    odd = remark_error({"op": "remark", "message": "Something else", "token": "odd_token"}, RULES, "info")
    assert type(odd) is mtgox.APIError and (odd.message, odd.endpoint, odd.token) == (
        "Something else",
        "stream.info",
        "odd_token",
    )
    assert odd.body_excerpt == '{"op":"remark","message":"Something else","token":"odd_token"}'
    unknown = remark_error({"op": "remark", "token": 7}, RULES, "info")
    assert type(unknown) is mtgox.APIError and unknown.token is None
    assert (unknown.message, unknown.endpoint) == ("remark without a message", "stream.info")


def test_the_private_channel_timeout_names_its_wait_and_endpoint() -> None:
    error = private_not_confirmed(0.5)
    assert (error.message, error.endpoint) == (
        "the exchange did not confirm the private channel within 0.5 s",
        "stream.subscribe_private",
    )


@pytest.mark.parametrize(
    ("kwargs", "param", "text"),
    [
        ({}, None, "give one of kind= or channel="),
        ({"kind": "ticker", "channel": "trade.BTC"}, None, "give one of kind= or channel="),
        ({"kind": "candles"}, "kind", "kind must be one of ticker, depth, trades, lag; not 'candles'"),
        ({"channel": "depth.BTCXYZ"}, "channel", "unknown stream channel 'depth.BTCXYZ'"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_parameter(
    kwargs: dict[str, str], param: str | None, text: str
) -> None:
    for verb in ("subscribe", "unsubscribe"):
        with pytest.raises(mtgox.InvalidRequestError) as error:
            getattr(session(), verb)(0.0, **kwargs)
        assert (str(error.value), error.value.param) == (text, param)


def test_books_of_unknown_markets_are_refused_naming_the_pair() -> None:
    s = session()
    with pytest.raises(mtgox.InvalidRequestError) as no_channel:
        s.add_book("BTCXYZ", 0.0)
    assert (str(no_channel.value), no_channel.value.param) == ("no depth channel for 'BTCXYZ'", "pair")
    missing_eur = StreamSession(
        SPEC,
        StreamSettings(),
        base_url="http://127.0.0.1:9/api",
        currencies={k: v for k, v in CATALOGUE.currencies.items() if k != "EUR"},
        pairs=CATALOGUE.pairs,
    )
    with pytest.raises(mtgox.InvalidRequestError) as unknown:
        missing_eur.add_book("BTCEUR", 0.0)
    assert (str(unknown.value), unknown.value.param) == ("unknown currencies in 'BTCEUR'", "pair")


def test_a_stream_without_depth_or_idkey_endpoints_says_so() -> None:
    bare = session(spec=StreamSpec(SPEC.info))
    with pytest.raises(mtgox.ConfigurationError) as no_book:
        bare.add_book("BTCUSD", 0.0)
    assert str(no_book.value) == "this stream has no full-depth endpoint, so no order book"
    with pytest.raises(mtgox.ConfigurationError) as no_private:
        bare.want_private(0.0)
    assert str(no_private.value) == "this stream has no idkey endpoint, so no private channel"


def test_calls_without_a_key_or_a_connection_say_which_and_where() -> None:
    keyless = StreamSession(SPEC, StreamSettings(), base_url="http://127.0.0.1:9/api", nonces=MemoryNonceStore())
    keyless.opened(0.0)
    with pytest.raises(mtgox.ConfigurationError) as no_key:
        keyless.begin_call("private/info", None, 0.0)
    assert (no_key.value.message, no_key.value.endpoint) == (
        "stream call private/info needs an API key: pass key= and secret= to the client",
        "stream.private/info",
    )
    with pytest.raises(mtgox.APIConnectionError) as down:
        session().begin_call("private/info", None, 0.0)
    assert (down.value.message, down.value.endpoint) == (
        "the stream is not connected; private/info was not sent",
        "stream.private/info",
    )


def test_a_call_lost_or_timed_out_names_its_endpoint() -> None:
    s = session()
    s.opened(0.0)
    lost, _ = s.begin_call("order/add", None, 0.0)
    slow, _ = s.begin_call("private/info", None, 0.0)
    timeout = s.expire_call(slow, 2.5)
    assert timeout is not None and timeout.endpoint == "stream.private/info"
    assert timeout.message == "no answer to private/info within 2.5 s; the call may or may not have been carried out"
    ((call_id, _, error),) = s.closed(1.0, "reset by peer")[0].completions
    assert call_id == lost and error is not None and error.endpoint == "stream.order/add"
    assert error.message == (
        "the stream connection closed before order/add was answered (reset by peer); "
        "the call may or may not have been carried out"
    )


def test_a_remark_answering_a_call_names_the_call() -> None:
    s = session()
    s.opened(0.0)
    call_id, _ = s.begin_call("order/cancel", {"oid": "x"}, 0.0)
    remark = {"op": "remark", "message": "Order not found", "id": call_id}
    ((_, _, error),) = s.received(json.dumps(remark), 0.1).completions
    assert error is not None and error.endpoint == "stream.order/cancel"


# -- logs --------------------------------------------------------------------------------------------


def test_failures_are_logged_with_a_traceback_only_when_debugging(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        with caplog.at_level(logging.WARNING, logger=LOG):
            log_failure("fetching the idkey", exc)
        with caplog.at_level(logging.DEBUG, logger=LOG):
            log_failure("the BTCUSD snapshot", exc)
    quiet, loud = caplog.records
    assert quiet.getMessage() == "stream: fetching the idkey failed: boom" and not quiet.exc_info
    assert loud.getMessage() == "stream: the BTCUSD snapshot failed: boom" and loud.exc_info is not None
    assert quiet.levelno == logging.WARNING


def test_reconnecting_and_skipped_frames_are_logged_as_they_are(caplog: pytest.LogCaptureFixture) -> None:
    s = session()
    s.opened(0.0)
    with caplog.at_level(logging.DEBUG, logger=LOG):
        s.received("not json", 0.1)
        s.received("[1, 2]", 0.2)
        s.closed(1.0, "reset by peer")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "stream: a stream message was skipped: the stream message is not valid JSON"
            " (Expecting value: line 1 column 1 (char 0))",
        ),
        (logging.WARNING, "stream: a stream message was skipped: the stream message is a JSON list, not an object"),
        (logging.INFO, "stream: reset by peer; reconnecting in 1.00 s (attempt 1)"),
    ]


def test_a_message_the_parser_fails_on_is_logged_and_kept_with_the_error(caplog: pytest.LogCaptureFixture) -> None:
    def broken(raw: dict[str, Any]) -> object:
        raise KeyError("ticker")

    s = session(spec=StreamSpec(SPEC.info, parse=broken))
    s.opened(0.0)
    with caplog.at_level(logging.WARNING, logger=LOG):
        s.received('{"op":"private"}', 0.1)
    (record,) = caplog.records
    # the exception's kind and an excerpt of the frame as it came (a server's text, quoted)
    assert record.getMessage() == 'stream: message not understood (KeyError): \'{"op":"private"}\''
    (event,) = s.events
    assert event.error == "KeyError: 'ticker'"  # type: ignore[attr-defined]


# -- settings ----------------------------------------------------------------------------------------


def test_the_connection_currency_and_url_follow_the_settings() -> None:
    s = session(currency="EUR,USD")
    assert s.websocket_url(None) == "ws://127.0.0.1:9/mtgox?Currency=EUR,USD"
    s.opened(0.0)
    assert s.subscribe(0.0, kind="ticker").frames == ['{"op":"mtgox.subscribe","type":"ticker"}']
    s.unsubscribe(0.0, kind="ticker")  # the connection currency's ticker: the first of the list
    assert s.unsubscribe(0.0, kind="ticker").frames == [
        '{"op":"unsubscribe","channel":"0bb6da8b-f6c6-4ecf-8f0d-a544ad948c15"}'
    ]
    own = session(stream_url="ws://127.0.0.1:9999/custom")
    assert own.websocket_url(None) == "ws://127.0.0.1:9999/custom?Currency=USD"


def test_plain_http_to_a_remote_host_needs_the_explicit_flag() -> None:
    with pytest.raises(mtgox.ConfigurationError):
        session(base_url="http://mtgox.example/api")
    allowed = session(base_url="http://mtgox.example/api", allow_insecure_http=True)
    assert allowed.websocket_url(None) == "ws://mtgox.example/mtgox?Currency=USD"


def test_plain_http_to_a_remote_host_is_refused_by_default() -> None:
    with pytest.raises(mtgox.ConfigurationError):
        StreamSession(SPEC, StreamSettings(), base_url="http://mtgox.example/api")


def test_socketio_keeps_its_clocks_from_the_first_packet() -> None:
    s = session(transport="socketio")
    s.opened(0.0, None)
    assert s.next_deadline() == 60.0  # joining: the watchdog already runs
    assert s.received("1::", 0.5).frames == ["1::/mtgox"]
    assert s.received("1::/mtgox", 0.6).frames == []  # nothing to subscribe
    assert s.next_deadline() == 25.5  # the join sent at 0.5 s starts the heartbeat


def test_a_reconnection_joined_by_data_delivers_both_the_gap_and_the_message() -> None:
    s = sio()
    s.unsubscribe(1.0, kind="ticker")
    s.closed(2.0, "lost")
    s.opened(3.0, None)
    act = s.received('4::/mtgox:{"op":"subscribe","channel":"x"}', 4.0)
    assert act.delivered == 2
    assert act.frames == ['4::/mtgox:{"op":"unsubscribe","channel":"d5f06780-30a8-4a48-a2f8-7ed181b4a13f"}']
    assert s.next_deadline() == 29.0


def test_a_bad_transport_is_named() -> None:
    with pytest.raises(mtgox.ConfigurationError) as error:
        session(transport="carrier-pigeon")
    assert str(error.value) == "transport must be one of websocket, socketio, pubnub, not 'carrier-pigeon'"


def test_tonce_calls_send_tonce_and_nonces_are_drawn_for_the_key() -> None:
    nonces = MemoryNonceStore(clock=lambda: 5)
    s = session(nonces=nonces)
    s.opened(0.0)
    _, act = s.begin_call("private/info", None, 0.0)
    assert nonces.next_nonce(KEY) == 6  # the call drew 5 for this key
    t = session(use_tonce=True)
    t.opened(0.0)
    _, tonce_act = t.begin_call("private/info", None, 0.0)
    inner = json.loads(mtgox.unpack_call(json.loads(tonce_act.frames[0])["call"])[2])
    assert "tonce" in inner and "nonce" not in inner
    assert "nonce" in json.loads(mtgox.unpack_call(json.loads(act.frames[0])["call"])[2])


def test_the_queue_keeps_the_newest_and_counts_what_it_dropped() -> None:
    s = session(max_queued=2)
    s.opened(0.0)
    delivered = [s.received(json.dumps({"op": "subscribe", "channel": str(i)}), 0.1).delivered for i in range(5)]
    assert delivered == [1, 1, 1, 1, 1]
    assert [e.channel for e in s.events] == ["3", "4"]  # type: ignore[attr-defined]
    assert s.dropped == 3


def test_a_session_closed_before_it_ever_opened_waits_the_first_wait() -> None:
    s = session()
    assert s.private_live is False
    assert s.closed(0.0, "refused")[1] == 1.0


def test_giving_up_after_max_reconnects_closes_the_session() -> None:
    s = session(max_reconnects=1)
    s.opened(0.0)
    assert s.closed(1.0, "x")[1] == 1.0
    assert s.closed(2.0, "x")[1] is None
    assert s.phase == "closed" and s.private_live is False


def test_a_short_heartbeat_is_kept_at_one_second() -> None:
    s = session(transport="socketio")
    s.opened(0.0, parse_handshake("sid:5:60:websocket"))
    s.received("1::/mtgox", 0.0)
    assert s.next_deadline() == 1.0


def test_a_failed_snapshot_is_retried_after_at_least_a_second() -> None:
    s = session(snapshot_wait_s=0.5)
    s.opened(0.0)
    s.add_book("BTCUSD", 0.0)
    assert s.tick(0.5).snapshots == ["BTCUSD"]
    s.snapshot_loaded("BTCUSD", None, 0.6)
    assert s.tick(1.59).snapshots == []
    assert s.tick(1.6).snapshots == ["BTCUSD"]


def test_an_ack_after_a_failed_snapshot_fetches_again_at_once() -> None:
    s = session()
    s.opened(0.0)
    s.add_book("BTCUSD", 0.0)
    assert s.tick(2.0).snapshots == ["BTCUSD"]
    s.snapshot_loaded("BTCUSD", None, 2.1)
    assert s.received(json.dumps({"op": "subscribe", "channel": DEPTH_USD}), 2.2).snapshots == ["BTCUSD"]


# -- frames and clocks -------------------------------------------------------------------------------


def test_socketio_frames_are_namespaced_and_every_send_restarts_the_heartbeat() -> None:
    s = sio()
    assert s.subscribe(5.0, kind="lag").frames == ['4::/mtgox:{"op":"mtgox.subscribe","type":"lag"}']
    assert s.next_deadline() == 30.0
    assert s.unsubscribe(10.0, kind="lag").frames == [
        '4::/mtgox:{"op":"unsubscribe","channel":"85174711-be64-4de1-b783-0628995d7914"}'
    ]
    assert s.next_deadline() == 35.0
    s.begin_call("private/info", None, 20.0)
    assert s.next_deadline() == 45.0
    s.received("2::", 21.0)
    assert s.next_deadline() == 46.0
    assert s.tick(46.0).frames == ["2::"]
    assert s.next_deadline() == 71.0
    s.want_private(50.0)
    assert s.set_idkey("K", 50.0).frames == ['4::/mtgox:{"op":"mtgox.subscribe","key":"K"}']
    assert s.next_deadline() == 75.0
    _, act = s.add_book("BTCUSD", 55.0)
    assert act.frames == ['4::/mtgox:{"op":"mtgox.subscribe","channel":"depth.BTCUSD"}']
    assert s.next_deadline() == pytest.approx(55.0 + 2.0)


def test_socketio_joined_by_data_sends_what_was_queued_on_the_clock() -> None:
    s = session(transport="socketio")
    s.subscribe(0.0, kind="trades")
    s.want_private(0.0)
    s.set_idkey("K", 0.0)
    s.opened(0.0, None)
    s.add_book("BTCUSD", 0.0)
    act = s.received('3::/mtgox:{"op":"subscribe","channel":"' + DEPTH_USD + '"}', 4.0)
    assert act.frames == [
        '4::/mtgox:{"op":"mtgox.subscribe","type":"trades"}',
        '4::/mtgox:{"op":"mtgox.subscribe","channel":"depth.BTCUSD"}',
        '4::/mtgox:{"op":"mtgox.subscribe","key":"K"}',
    ]
    assert act.snapshots == ["BTCUSD"] and act.delivered == 1
    assert s.next_deadline() == 29.0  # heartbeat 25 s after the frames sent at 4 s


def test_socketio_bytes_are_read_as_utf8_with_bad_bytes_replaced() -> None:
    s = sio()
    act = s.received(b'4::/mtgox:{"op":"subscribe","channel":"caf\xc3\xa9 \xff"}', 1.0)
    assert act.delivered == 1 and s.events[-1].channel == "caf\u00e9 \ufffd"  # type: ignore[attr-defined]


def test_plain_frames_are_compact_json() -> None:
    s = session()
    s.opened(0.0)
    assert s.unsubscribe(0.0, channel="depth.BTCUSD").frames == [
        '{"op":"unsubscribe","channel":"24e67e0d-1cad-4cc0-9e7a-f8523ef460fe"}'
    ]


# -- subscriptions kept for the next connection ----------------------------------------------------


def test_unsubscribing_by_kind_also_drops_the_same_channel_subscribed_by_name() -> None:
    s = session()
    s.subscribe(0.0, channel="ticker.BTCUSD")
    s.unsubscribe(0.0, kind="ticker")
    assert s.opened(1.0).frames == ['{"op":"unsubscribe","channel":"d5f06780-30a8-4a48-a2f8-7ed181b4a13f"}']


def test_subscribing_again_forgets_the_unsubscription() -> None:
    s = session()
    s.unsubscribe(0.0, kind="ticker")
    s.subscribe(0.0, kind="ticker")
    assert s.opened(1.0).frames == ['{"op":"mtgox.subscribe","type":"ticker"}']
    t = session()
    t.subscribe(0.0, kind="ticker")
    t.unsubscribe(0.0, kind="ticker")
    assert t.opened(1.0).frames == ['{"op":"unsubscribe","channel":"d5f06780-30a8-4a48-a2f8-7ed181b4a13f"}']
    u = session()
    u.opened(0.0)
    u.subscribe(0.0, channel="trade.lag")
    assert u.unsubscribe(0.0, channel="trade.lag").frames  # sent at once while open


def test_a_book_is_added_once() -> None:
    s = session()
    s.opened(0.0)
    book, first = s.add_book("btcusd", 0.0)
    again, second = s.add_book("BTCUSD", 0.0)
    assert again is book and len(first.frames) == 1 and second.frames == []


def test_without_a_pairs_table_a_pair_splits_into_item_and_currency() -> None:
    s = session(pairs={})
    book, _ = s.add_book("BTCJPY", 0.0)
    assert (book.item, book.currency) == ("BTC", "JPY")
    s.opened(0.0)
    s.received(json.dumps({"op": "subscribe", "channel": "x"}), 0.0)
    s.snapshot_loaded("BTCJPY", {"bids": [{"price_int": "12345", "amount_int": "100000000"}], "asks": []}, 0.1)
    assert book.best_bid() is None  # not fetched yet: ignored


# -- depth messages and the book ----------------------------------------------------------------------


def test_depth_messages_after_the_snapshot_never_refetch_it() -> None:
    s = session()
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    s.received(json.dumps({"op": "subscribe", "channel": DEPTH_USD}), 0.1)
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": []}, 0.2)
    act = s.received(json.dumps(depth_message()), 0.3)
    assert act.snapshots == [] and book.levels() == ({10000000: 100000000}, {})


def test_only_private_depth_messages_reach_the_book() -> None:
    s = session()
    s.opened(0.0)
    book, _ = s.add_book("BTCUSD", 0.0)
    s.received(json.dumps({"op": "subscribe", "channel": DEPTH_USD}), 0.1)
    s.snapshot_loaded("BTCUSD", {"bids": [], "asks": []}, 0.2)
    s.received(json.dumps({**depth_message(), "op": "remark"}), 0.3)
    s.received(json.dumps({**depth_message(), "private": "ticker"}), 0.3)
    assert book.levels() == ({}, {})


def test_an_ack_whose_channel_is_not_text_is_ignored() -> None:
    s = session()
    s.opened(0.0)
    s.want_private(0.0)
    s.set_idkey("K", 0.0)
    act = s.received(json.dumps({"op": "subscribe", "channel": ["a"]}), 0.1)
    assert not act.private_live and act.delivered == 1
