"""Pieces of the sandbox stream without a server: idkeys, the hub's bounded queues."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest

from mtgox_sandbox.core import idkey
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.stream.hub import ENTRY_BYTES, Hub, Outgoing
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
    for sid, expiry, query in (("old", now - 1, {}), ("new", now + 30, {"currency": "EUR"})):
        sio._sessions[sid] = (expiry, "127.0.0.1", query)
    sio._by_peer = {"127.0.0.1": 2}
    assert sio.take("/socket.io/1/websocket/old") is None
    assert sio.take("/socket.io/1/websocket/new/") == {"currency": "EUR"}
    assert sio.take("/socket.io/1/websocket/new") is None  # single use
    assert sio.pending("127.0.0.1") == 0
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
    peers = [f"10.0.{i // 256}.{i % 256}" for i in range(MAX_PENDING_SESSIONS)]
    sio._sessions = {f"s{i}": (now + 30, peer, {}) for i, peer in enumerate(peers)}
    sio._by_peer = dict.fromkeys(peers, 1)
    assert not sio._admit(now, "10.9.9.9")  # full: a flood of handshakes cannot grow the table
    sio._sessions["s0"] = (now - 1, peers[0], {})  # the oldest (inserted first) has expired
    assert sio._admit(now, "10.9.9.9") and "s0" not in sio._sessions  # the expired one made room
    assert sio.pending(peers[0]) == 0 and sio.pending(peers[1]) == 1


def test_one_peer_cannot_hold_more_than_its_share_of_pending_socketio_sessions() -> None:
    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.stream.socketio import MAX_PENDING_PER_PEER, SocketIoSessions

    stream = load().stream
    assert stream is not None
    sio = SocketIoSessions(stream.transports.socketio)
    answers = [sio.open(b"", "127.0.0.1") for _ in range(MAX_PENDING_PER_PEER + 100)]
    assert sum(a is not None for a in answers) == MAX_PENDING_PER_PEER
    assert all(a is None for a in answers[MAX_PENDING_PER_PEER:])
    other = sio.open(b"Currency=EUR", "127.0.0.2")  # another address is not locked out
    assert other is not None
    assert sio.take(f"/socket.io/1/websocket/{other.split(':')[0]}") == {"currency": "EUR"}
    first = answers[0]
    assert first is not None
    sio.take(f"/socket.io/1/websocket/{first.split(':')[0]}")  # an upgrade frees its place
    assert sio.open(b"", "127.0.0.1") is not None


def test_a_queue_is_bounded_in_bytes_held_messages_included() -> None:
    async def scenario() -> None:
        hub = Hub(limit=4096, limit_bytes=10_000)
        big, held = hub.join(), hub.join()
        for sub in (big, held):
            hub.subscribe(sub, "c")
        held.hold()  # as while a call's answer is awaited
        hub.publish([Outgoing("c", "x" * 4000)] * 2)
        assert not big.overflowed.is_set() and not held.overflowed.is_set()
        assert big.queued_bytes == held.held_bytes == 2 * (4000 + ENTRY_BYTES)
        hub.publish([Outgoing("c", "x" * 4000)])  # three messages, far under the count, past the bytes
        assert big.overflowed.is_set() and held.overflowed.is_set()
        assert not big.queue and held.held is None and big.queued_bytes == held.held_bytes == 0
        assert not hub.wants("c")

    asyncio.run(scenario())


def test_what_is_drained_or_released_no_longer_counts() -> None:
    async def scenario() -> None:
        hub = Hub(limit=4096, limit_bytes=10_000)
        sub = hub.join()
        hub.subscribe(sub, "c")
        for _ in range(10):  # 40 KB through a 10 KB queue, read as it comes
            hub.publish([Outgoing("c", "x" * 4000)])
            assert sub.drain() == ["x" * 4000]
        sub.hold()
        hub.publish([Outgoing("c", "y" * 4000)])
        sub.release("answer")
        assert sub.drain() == ["answer", "y" * 4000] and sub.queued_bytes == sub.held_bytes == 0
        assert not sub.overflowed.is_set()

    asyncio.run(scenario())


def test_a_junk_frame_is_quoted_by_its_start_only(tmp_path: Path) -> None:
    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.server.app import App
    from mtgox_sandbox.stream.session import ECHO_CHARS

    async def scenario() -> None:
        app = App(load(), tmp_path / "echo.db")
        assert app.services.stream is not None
        session = Session(app.services.stream, {"channel": "trade.lag"})
        session.open()
        session.sub.drain()
        await session.handle("\x01" * 60_000)
        await session.handle('{"op": "nonsense", "junk": "' + "z" * 60_000 + '"}')
        junk, unknown = (json.loads(text) for text in session.sub.drain())
        assert junk["debug"]["data_raw"] == "\x01" * ECHO_CHARS and junk["message"] == "Invalid JSON"
        assert unknown["message"] == "Unknown operation" and len(unknown["debug"]["data_raw"]) == ECHO_CHARS
        session.close()

    asyncio.run(scenario())


def test_a_query_costs_a_bounded_number_of_patterns_and_subscribes_each_channel_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fnmatch

    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.server.app import App
    from mtgox_sandbox.stream.session import MAX_QUERY_NAMES, MAX_WILDCARDS

    translated: list[str] = []
    translate = fnmatch.translate

    def counted(pattern: str) -> str:
        translated.append(pattern)
        return translate(pattern)

    monkeypatch.setattr(fnmatch, "translate", counted)

    async def scenario() -> None:
        app = App(load(), tmp_path / "query.db")
        service = app.services.stream
        assert service is not None
        patterns = [f"*{uuid.uuid4().hex[:6]}*" for _ in range(1550)]  # never seen before: no cache helps
        session = Session(service, {"channel": "/".join(["*", "**", "depth.BTCUSD", "x" * 5000, *patterns])})
        session.open()
        messages = [json.loads(text) for text in session.sub.drain()]
        acks = [m["channel"] for m in messages if m["op"] == "subscribe"]
        assert sorted(acks) == sorted(c.id for c in service.stream.channels)  # each once
        (note,) = [m for m in messages if m["op"] == "remark"]
        assert f"at most {MAX_QUERY_NAMES} channels" in note["message"]
        assert f"at most {MAX_WILDCARDS} wildcard patterns" in note["message"]
        session.close()
        currencies = Session(service, {"currency": ",".join(["usd"] * 3000 + ["EUR"])})
        assert currencies.currencies == ["USD", "EUR"]

    asyncio.run(scenario())
    assert len(translated) <= MAX_WILDCARDS


def _socketio_conversation(
    tmp_path: Path, frames: list[tuple[float, str]], *, heartbeat_s: int = 1
) -> tuple[list[str], bool, float]:
    """A Socket.IO websocket served in-process: the client sends `frames` (each after a pause),
    then nothing (and never leaves). What the server wrote, whether it closed, and when."""
    import dataclasses

    from mtgox_sandbox.core.catalogue import load
    from mtgox_sandbox.server.app import App
    from mtgox_sandbox.stream.socketio import SocketIoSessions
    from mtgox_sandbox.web.socketio import SocketIoApp

    async def scenario() -> tuple[list[str], bool, float]:
        app = App(load(), tmp_path / "sio.db")
        stream = app.services.stream
        assert stream is not None
        spec = dataclasses.replace(stream.stream.transports.socketio, heartbeat_timeout_s=heartbeat_s)
        sessions = SocketIoSessions(spec)
        answer = sessions.open(b"Channel=trade.lag", "127.0.0.1")
        assert answer is not None
        scope = {"type": "websocket", "path": f"/socket.io/1/websocket/{answer.split(':')[0]}", "query_string": b""}
        incoming: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        incoming.put_nowait({"type": "websocket.connect"})
        incoming.put_nowait({"type": "websocket.receive", "text": "1::/mtgox"})
        written: list[str] = []
        closed = False

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal closed
            if message["type"] == "websocket.send":
                written.append(str(message["text"]))
            elif message["type"] == "websocket.close":
                closed = True

        async def client() -> None:
            for pause, text in frames:
                await asyncio.sleep(pause)
                incoming.put_nowait({"type": "websocket.receive", "text": text})

        began = time.monotonic()
        talking = asyncio.create_task(client())
        serving = asyncio.create_task(SocketIoApp(stream, sessions)(scope, incoming.get, send))
        done, _ = await asyncio.wait({serving}, timeout=3 * heartbeat_s + sum(p for p, _ in frames))
        took = time.monotonic() - began
        for task in (serving, talking):
            task.cancel()
        return written, closed and serving in done, took

    return asyncio.run(scenario())


def test_a_socketio_client_silent_for_the_heartbeat_timeout_is_closed(tmp_path: Path) -> None:
    written, closed, took = _socketio_conversation(tmp_path, [])
    assert written[:2] == ["1::", "1::/mtgox"]
    assert "2::" in written  # asked for a heartbeat after half the timeout
    assert closed and written[-1] == "0::/mtgox"
    assert took < 2.5


def test_a_socketio_client_that_answers_heartbeats_stays(tmp_path: Path) -> None:
    written, closed, took = _socketio_conversation(tmp_path, [(0.3, "2::")] * 8)  # 2.4 s of heartbeats
    assert written[:2] == ["1::", "1::/mtgox"]
    assert took > 2.4  # it outlived the 1 s timeout twice over, then went silent and was closed
    assert closed and written[-1] == "0::/mtgox"
