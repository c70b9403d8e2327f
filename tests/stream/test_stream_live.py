"""The sync stream client over real loopback sockets against a fake server, both transports."""

from __future__ import annotations

import json

import pytest

import mtgox
from mtgox_runtime.stream import InvalidMessageError, Reconnected, Skipped

from .fakeserver import BY_NAME, PRIVATE, FakeStreamServer
from .parser import SPEC, Depth, Subscribed, Trade, UserOrder, Wallet
from .support import TRANSPORTS, client, stream_url, take_until, wait_until

pytestmark = pytest.mark.integration  # against a websocket server of the test's own, on loopback

TRADE = {
    "type": "trade",
    "date": 1385000000,
    "amount": 0.5,
    "price": 92.5,
    "tid": "1385000000123456",
    "amount_int": "50000000",
    "price_int": "9250000",
    "item": "BTC",
    "price_currency": "USD",
    "trade_type": "bid",
    "primary": "Y",
    "properties": "limit",
}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_subscribe_and_typed_messages(fake: FakeStreamServer, transport: str) -> None:
    with client(fake) as c, c.stream(spec=SPEC, transport=transport, stream_url=stream_url(fake, transport)) as s:
        s.subscribe(channel="depth.BTCEUR")
        take_until(s, lambda m: m == Subscribed(BY_NAME["depth.BTCEUR"]))
        fake.publish("trade.BTC", "trade", TRADE)
        trade = take_until(s, lambda m: isinstance(m, Trade))[-1]
        assert trade == Trade("1385000000123456", 50000000, 9250000, "USD", "bid")
        s.unsubscribe(kind="depth")
        wait_until(lambda: {"op": "unsubscribe", "channel": BY_NAME["depth.BTCUSD"]} in fake.ops)
    if transport == "socketio":
        assert fake.handshakes == 1
        assert any(f == "1::/mtgox" for f in fake.frames)
        assert fake.paths[0].startswith("/socket.io/1/websocket/sid1?Currency=USD")
    else:
        assert fake.paths[0] == "/mtgox?Currency=USD"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_signed_calls_results_and_remarks(fake: FakeStreamServer, transport: str) -> None:
    with client(fake) as c, c.stream(spec=SPEC, transport=transport, stream_url=stream_url(fake, transport)) as s:
        result: object = s.call(
            "order/add", {"type": "bid", "amount_int": 100000000, "price_int": 9250000}, item="BTC", currency="USD"
        )
        assert result == {"call": "order/add", "params": {"type": "bid", "amount_int": 100000000, "price_int": 9250000}}
        with pytest.raises(mtgox.OrderNotFoundError, match="Order not found") as caught:
            s.call("order/cancel", {"oid": "x"})
        assert caught.value.endpoint == "stream.order/cancel"
        with pytest.raises(mtgox.RateLimitedError):
            s.call("order/add", {"type": "bid", "amount_int": 10**13})
    first, second, third = fake.calls
    assert first["item"] == "BTC" and first["currency"] == "USD"
    assert first["nonce"] < second["nonce"] < third["nonce"]


def test_stream_and_http_draw_from_one_nonce_store(fake: FakeStreamServer) -> None:
    store = mtgox.MemoryNonceStore()
    with (
        mtgox.Client(
            "12345678-abcd-1234-abcd-50286e649d5c",
            fake_secret(),
            base_url=fake.api_url,
            nonce_store=store,
            rate_limit=None,
        ) as c,
        c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket")) as s,
    ):
        s.call("private/info")
        after_stream = store.next_nonce(c.key or "")
        s.call("private/info")
    assert fake.calls[0]["nonce"] < after_stream < fake.calls[1]["nonce"]


def fake_secret() -> str:
    from .fakeserver import SECRET

    return SECRET


def test_call_timeout(fake: FakeStreamServer) -> None:
    fake.answer = lambda inner: None
    with (
        client(fake) as c,
        c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket")) as s,
        pytest.raises(mtgox.APITimeoutError, match="private/info"),
    ):
        s.call("private/info", timeout=0.2)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_private_channel_via_idkey(fake: FakeStreamServer, transport: str) -> None:
    with client(fake) as c, c.stream(spec=SPEC, transport=transport, stream_url=stream_url(fake, transport)) as s:
        s.subscribe_private()
        take_until(s, lambda m: m == Subscribed(PRIVATE))
        assert {"op": "mtgox.subscribe", "key": "idkey-1"} in fake.ops
        fake.publish(None, "user_order", {"oid": "o1", "status": "open"}, private=True)
        fake.publish(None, "wallet", {"op": "spent", "balance": {"value_int": "5"}}, private=True)
        seen = take_until(s, lambda m: isinstance(m, Wallet))
        assert UserOrder("o1", "open") in seen and Wallet("spent", 5) in seen


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_reconnect_resubscribes_and_resyncs_the_book(fake: FakeStreamServer, transport: str) -> None:
    fake.set_level("bid", 9000000, 100, publish=False)
    with (
        client(fake) as c,
        c.stream(spec=SPEC, transport=transport, stream_url=stream_url(fake, transport), backoff_base=0.01) as s,
    ):
        book = s.order_book("BTCUSD")
        s.subscribe_private()
        wait_until(lambda: book.synced)
        fake.set_level("ask", 9100000, 7)
        wait_until(lambda: book.levels() == (fake.book["bid"], fake.book["ask"]))
        fake.kill()
        # while down: changes the client cannot see
        fake.set_level("bid", 9000000, 0, publish=False)
        fake.set_level("bid", 8900000, 3, publish=False)
        events = take_until(s, lambda m: isinstance(m, Reconnected))
        assert isinstance(events[-1], Reconnected) and events[-1].attempts >= 1
        wait_until(lambda: book.synced and book.levels() == (fake.book["bid"], fake.book["ask"]))
        assert book.snapshots == 2
        wait_until(
            lambda: [o for o in fake.ops if o == {"op": "mtgox.subscribe", "channel": "depth.BTCUSD"}].__len__() == 2
        )
        wait_until(lambda: sum(1 for o in fake.ops if "key" in o) == 2)
        best = book.best_bid()
        assert best is not None and str(best.price) == "89" and best.amount_int == 3


def test_book_depth_messages_are_typed_too(fake: FakeStreamServer) -> None:
    with client(fake) as c, c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket")) as s:
        fake.set_level("ask", 9100000, 7)
        (depth,) = [m for m in take_until(s, lambda m: isinstance(m, Depth)) if isinstance(m, Depth)]
        assert depth == Depth("depth.BTCUSD", "ask", 9100000, 7, "USD")


def test_non_json_frames_are_skipped_with_a_warning(fake: FakeStreamServer) -> None:
    with client(fake) as c, c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket")) as s:
        fake.wait_connections(1)
        fake.send_raw("this is not json")
        fake.send_raw(json.dumps({"op": "subscribe", "channel": "c"}))
        skipped, subscribed = take_until(s, lambda m: isinstance(m, Subscribed))
        assert subscribed == Subscribed("c") and s.connected
        assert isinstance(skipped, Skipped) and isinstance(skipped.error, InvalidMessageError)
        assert skipped.excerpt == "'this is not json'" and skipped.resync == ()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_idkey_refresh_does_not_stall_the_reader_while_a_call_holds_the_key(
    fake: FakeStreamServer, transport: str
) -> None:
    """The refresh's signed HTTP request waits for the key's ordering lock, held by a stream call
    until its answer: fetched on the reader thread, it kept the answer from being read."""
    fake.reply_delay = 1.0  # the refresh (every 0.2 s) falls due while the call waits
    with (
        client(fake) as c,
        c.stream(spec=SPEC, transport=transport, stream_url=stream_url(fake, transport), idkey_refresh_s=0.2) as s,
    ):
        s.subscribe_private()
        result: object = s.call("private/info", timeout=10)
        assert result == {"call": "private/info", "params": {}}
        wait_until(lambda: fake.idkeys >= 2 and {"op": "mtgox.subscribe", "key": "idkey-2"} in fake.ops)


def test_subscribe_private_raises_what_fetching_the_idkey_raised(fake: FakeStreamServer) -> None:
    with (
        mtgox.Client(base_url=fake.api_url) as c,  # no key: the idkey request cannot be signed
        c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket")) as s,
        pytest.raises(mtgox.ConfigurationError, match="needs an API key"),
    ):
        s.subscribe_private()


def test_the_iterator_raises_when_reconnecting_gives_up(fake: FakeStreamServer) -> None:
    url = stream_url(fake, "websocket")
    with (
        client(fake) as c,
        c.stream(spec=SPEC, stream_url=url, max_reconnects=2, backoff_base=0.01, open_timeout=2) as s,
    ):
        fake.stop_streaming()
        with pytest.raises(mtgox.APIConnectionError, match="stopped reconnecting"):
            for _ in s:
                pass
        assert s.session.phase == "closed"
