"""One bad message never ends the stream, over a real socket: it is skipped with a typed
`Skipped` warning the iterator yields, books it may have put out of date resync from a new
snapshot, and `connected` says whether a live reader serves the connection (not merely whether the last
connection was opened).
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest

import mtgox
from mtgox_runtime.stream import Disconnected, InvalidMessageError, Reconnected, Skipped

from .fakeserver import FakeStreamServer
from .parser import SPEC, Subscribed
from .support import async_client, client, stream_url, take_until, wait_until

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
#: A catalogued op whose payload is nested past the parser's depth.
DEEP_TICKER = '{"op":"private","private":"ticker","channel":"x","ticker":' + DEEP_ARRAY + "}"
#: Nested less than the JSON reader's limit, more than any message: it reaches the typed parser.
NESTED_TICKER = '{"op":"private","private":"ticker","channel":"x","ticker":' + "[" * 900 + "]" * 900 + "}"
ACK = json.dumps({"op": "subscribe", "channel": "after"})

pytestmark = pytest.mark.integration


def _frame(text: str, transport: str) -> str:
    return f"4::/mtgox:{text}" if transport == "socketio" else text


def _is_ack(message: object) -> bool:
    return getattr(message, "channel", None) == "after" and type(message).__name__ == "Subscribed"


@pytest.mark.parametrize("transport", ["websocket", "socketio"])
def test_deeply_nested_messages_are_skipped_and_the_stream_goes_on(fake: FakeStreamServer, transport: str) -> None:
    """With the generated parser: nothing a peer nests can end the reader."""
    with client(fake) as c, c.stream(transport=transport, stream_url=stream_url(fake, transport)) as s:
        fake.wait_connections(1)
        wait_until(lambda: s.connected)
        for text in (DEEP_ARRAY, DEEP_TICKER, NESTED_TICKER, ACK):
            fake.send_raw(_frame(text, transport))
        seen = take_until(s, _is_ack)
        skipped = [m for m in seen if isinstance(m, Skipped)]
        assert len(skipped) == 2 and all(isinstance(m.error, InvalidMessageError) for m in skipped)
        assert all(len(m.excerpt) < 200 for m in skipped)  # never the whole message
        assert s.connected and s.session.skipped == 2 and s.session.connections == 1
        assert s.call("private/info", timeout=10) is not None  # and it still answers calls


def test_the_async_stream_skips_them_too(fake: FakeStreamServer) -> None:
    async def run() -> list[object]:
        async with async_client(fake) as c, c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket")) as s:
            await asyncio.to_thread(fake.wait_connections, 1)
            for text in (DEEP_ARRAY, "not json", "[1]", ACK):
                await asyncio.to_thread(fake.send_raw, text)
            seen = []
            async for message in s:
                seen.append(message)
                if message == Subscribed("after"):
                    break
            assert s.connected
            return seen

    seen = asyncio.run(run())
    assert [type(m).__name__ for m in seen] == ["Skipped", "Skipped", "Skipped", "Subscribed"]


def _depth(price_int: int, **fields: Any) -> dict[str, Any]:
    return {
        "price": str(price_int / 1e5),
        "type": 2,
        "type_str": "bid",
        "price_int": str(price_int),
        "volume_int": "300000000",
        "item": "BTC",
        "currency": "USD",
        **fields,
    }


def test_a_depth_message_without_its_total_resyncs_the_book(fake: FakeStreamServer) -> None:
    fake.set_level("bid", 9000000, 5, publish=False)
    with client(fake) as c, c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket"), snapshot_wait_s=0.2) as s:
        book = s.order_book("BTCUSD")
        wait_until(lambda: book.synced)
        first = fake.snapshots
        fake.book["bid"][9100000] = 300000000  # the server's book has it; the message lacks its total
        fake.publish("depth.BTCUSD", "depth", _depth(9100000))
        (warning,) = [m for m in take_until(s, lambda m: isinstance(m, Skipped)) if isinstance(m, Skipped)]
        assert warning.resync == ("BTCUSD",) and "total_volume_int" in str(warning.error)
        assert isinstance(warning.error, mtgox.InvalidResponseError)
        wait_until(lambda: book.synced and fake.snapshots > first)
        assert book.levels()[0] == {9000000: 5, 9100000: 300000000}  # from the new snapshot
        fake.set_level("bid", 9000000, 0)  # and depth messages apply again
        wait_until(lambda: book.levels()[0] == {9100000: 300000000})
        assert s.connected


def test_a_depth_message_without_price_or_side_is_skipped_too(fake: FakeStreamServer) -> None:
    with client(fake) as c, c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket"), snapshot_wait_s=0.2) as s:
        book = s.order_book("BTCUSD")
        wait_until(lambda: book.synced)
        for bad in (
            {k: v for k, v in _depth(1, total_volume_int="1").items() if k != "price_int"},
            {k: v for k, v in _depth(2, total_volume_int="1").items() if k not in ("type", "type_str")},
            _depth(3, total_volume_int=["not", "a", "number"]),
            _depth(4, total_volume_int="1", type=["unhashable"], type_str=None),
        ):
            fake.publish("depth.BTCUSD", "depth", bad)
        fake.publish("depth.BTCUSD", "depth", _depth(5, total_volume_int="7"))
        wait_until(lambda: s.session.skipped == 4)
        wait_until(lambda: book.synced and book.levels()[0] == {5: 7}, timeout=20)
        assert s.connected


def test_snapshot_levels_without_amount_int(fake: FakeStreamServer) -> None:
    """Read from `amount` when it is exact; refused (warned, fetched again) when nothing is."""
    fake.set_level("ask", 9300000, 150000000, publish=False)
    fake.snapshot_entry = lambda p, v: {"price_int": str(p), "amount": str(Decimal(v) / 10**8)}
    with client(fake) as c, c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket"), snapshot_wait_s=0.2) as s:
        book = s.order_book("BTCUSD")
        wait_until(lambda: book.synced)
        assert book.levels() == ({}, {9300000: 150000000})

    fake.snapshot_entry = lambda p, v: {"price_int": str(p)}
    with client(fake) as c, c.stream(spec=SPEC, stream_url=stream_url(fake, "websocket"), snapshot_wait_s=0.2) as s:
        book = s.order_book("BTCUSD")
        (warning,) = [m for m in take_until(s, lambda m: isinstance(m, Skipped)) if isinstance(m, Skipped)]
        assert "amount_int" in str(warning.error) and warning.resync == ("BTCUSD",) and not book.synced
        fake.snapshot_entry = lambda p, v: {"price_int": str(p), "amount_int": str(v)}
        wait_until(lambda: book.synced)  # fetched again a second later
        assert book.levels() == ({}, {9300000: 150000000}) and s.connected


def test_connected_is_false_while_reconnecting_and_after_the_reader_stops(fake: FakeStreamServer) -> None:
    options: dict[str, Any] = {
        "spec": SPEC,
        "stream_url": stream_url(fake, "websocket"),
        "backoff_base": 0.5,
        "backoff_cap": 0.5,
    }
    with client(fake) as c, c.stream(**options) as s:
        fake.wait_connections(1)
        wait_until(lambda: s.connected)
        fake.kill()
        dropped = take_until(s, lambda m: isinstance(m, Disconnected))[-1]
        assert isinstance(dropped, Disconnected) and dropped.retry_in_s is not None
        back = take_until(s, lambda m: isinstance(m, Reconnected))[-1]
        assert isinstance(back, Reconnected) and s.connected

        def broken(text: str | bytes, now: float) -> Any:
            raise RuntimeError("a bug in the reader")

        s._received = broken  # type: ignore[method-assign]
        fake.send_raw(ACK)
        with pytest.raises(mtgox.APIConnectionError, match="reader failed"):
            for _ in s:
                pass
        assert not s.connected


def test_the_async_stream_reports_connected_truthfully(fake: FakeStreamServer) -> None:
    async def run() -> None:
        options: dict[str, Any] = {
            "spec": SPEC,
            "stream_url": stream_url(fake, "websocket"),
            "backoff_base": 0.5,
            "backoff_cap": 0.5,
        }
        async with async_client(fake) as c, c.stream(**options) as s:
            await asyncio.to_thread(fake.wait_connections, 1)
            assert s.connected
            await asyncio.to_thread(fake.kill)
            async for message in s:
                if isinstance(message, Disconnected):
                    assert not s.connected
                if isinstance(message, Reconnected):
                    assert s.connected
                    break

            def broken(text: str | bytes, now: float) -> Any:
                raise RuntimeError("a bug in the reader")

            s._received = broken  # type: ignore[method-assign]
            await asyncio.to_thread(fake.send_raw, ACK)
            with pytest.raises(mtgox.APIConnectionError, match="reader failed"):
                async for _ in s:
                    pass
            assert not s.connected

    asyncio.run(run())
