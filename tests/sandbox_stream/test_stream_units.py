"""Pieces of the sandbox stream without a server: idkeys, the hub's bounded queues."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from mtgox_sandbox.core import idkey
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.stream.hub import Hub, Outgoing
from mtgox_sandbox.stream.messages import dumps, raw_number
from mtgox_sandbox.stream.session import Session


def test_an_idkey_opens_its_account_channel_until_it_expires(tmp_path: Path) -> None:
    conn = connect(tmp_path / "k.db")
    account = str(uuid.uuid4())
    with transaction(conn) as tx:
        key = idkey.issue(tx, account)
        assert len(key) == 75 and "=" not in key
        assert idkey.verify(tx, key, 86_400) == account
        assert idkey.verify(tx, key, -1) is None  # expired
        forged = key[:40] + ("A" if key[40] != "A" else "B") + key[41:]
        assert idkey.verify(tx, forged, 86_400) is None
        assert idkey.verify(tx, "not base64!", 86_400) is None
    conn.close()


def test_a_full_queue_cuts_its_subscriber_off_and_no_one_else() -> None:
    async def scenario() -> None:
        hub = Hub(limit=3)
        slow, fast = hub.join(), hub.join()
        for sub in (slow, fast):
            hub.subscribe(sub, "c")
        for n in range(5):
            hub.publish([Outgoing("c", str(n))])
            fast.drain()
        assert slow.overflowed.is_set() and not slow.queue and slow not in hub.subscribers
        assert not fast.overflowed.is_set() and hub.wants("c")
        hub.publish([Outgoing("c", "after")])
        assert fast.drain() == ["after"] and slow.high_water == 3
        hub.unsubscribe(fast, "c")
        assert not hub.wants("c")

    asyncio.run(scenario())


def test_json_numbers_are_written_from_their_exact_decimal_text() -> None:
    text = dumps({"amount": raw_number("12345678.12345678"), "price": raw_number("0.1"), "s": "x"})
    assert text == '{"amount":12345678.12345678,"price":0.1,"s":"x"}'


def test_a_socketio_sid_expires_and_serves_once(tmp_path: Path) -> None:
    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.stream.socketio import SocketIoSessions

    stream = load().stream
    assert stream is not None
    sio = SocketIoSessions(stream.transports.socketio)
    now = time.monotonic()
    sio._sessions = {"old": (now - 1, {}), "new": (now + 30, {"currency": "EUR"})}
    assert sio.take("/socket.io/1/websocket/old") is None
    assert sio.take("/socket.io/1/websocket/new/") == {"currency": "EUR"}
    assert sio.take("/socket.io/1/websocket/new") is None  # single use
    assert sio.owns("/socket.io/1") and sio.owns("/socket.io/1/") and not sio.owns("/socket.io/10")


def test_open_streams_end_with_their_exchange(tmp_path: Path) -> None:
    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.server.app import App

    async def scenario() -> None:
        app = App(load(), tmp_path / "end.db")
        assert app.services.stream is not None
        conn = Session(app.services.stream, {"channel": "trade.lag"})
        conn.open()
        written: list[str] = []
        closed = asyncio.Event()
        never = asyncio.Event()

        async def read() -> str | None:
            await never.wait()
            return None

        async def write(text: str) -> None:
            written.append(text)

        async def close() -> None:
            closed.set()

        running = asyncio.create_task(conn.run(read, write, lambda text: text, close))
        while not written:
            await asyncio.sleep(0)
        app.services.hub.end_all()  # what App.shutdown does, as a reset replaces the exchange
        await asyncio.wait_for(running, 10)
        assert closed.is_set() and len(written) == 1 and '"op":"subscribe"' in written[0]
        assert not app.services.hub.subscribers

    asyncio.run(scenario())


def test_pending_socketio_sessions_are_bounded_and_expire_oldest_first(tmp_path: Path) -> None:
    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.stream.socketio import MAX_PENDING_SESSIONS, SocketIoSessions

    stream = load().stream
    assert stream is not None
    sio = SocketIoSessions(stream.transports.socketio)
    now = time.monotonic()
    sio._sessions = {f"s{i}": (now + 30, {}) for i in range(MAX_PENDING_SESSIONS)}
    assert not sio._admit(now)  # full: a flood of handshakes cannot grow the table
    sio._sessions = {"old": (now - 1, {}), **{f"s{i}": (now + 30, {}) for i in range(MAX_PENDING_SESSIONS - 1)}}
    assert sio._admit(now) and "old" not in sio._sessions  # the expired one made room
