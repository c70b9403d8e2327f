"""Property tests of the stream server's frames, over real sockets against a running sandbox.

Any sequence of frames a client can send (text, binary, ping, pong, continuation fragments,
close, junk and deeply nested JSON, messages past the size limit, bytes that are no frame at all)
to `/mtgox`, or to a Socket.IO websocket joined to `/mtgox`, gives a typed outcome: every text frame the server sends back is a JSON object with
an `op`, and the connection ends, if it ends, with a close code of RFC 6455 that says why (or is
still open). The server's resident memory stays bounded across all of them, and after each one a
fresh client is still served. The same holds for Hixie's framing (`0x00 ... 0xFF`).
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import struct
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.web.limits import Limits

from ..sandbox_stream.floods import (
    BINARY,
    CLOSE,
    CONT,
    PING,
    PONG,
    TEXT,
    RawWebSocket,
    frame,
    rss_kib,
    socketio_websocket,
)
from ..sandbox_stream.hixie import HixieClient
from .support import record

#: The server's message size limit (web/limits.py's default).
MESSAGE_LIMIT = 64 * 1024
#: Close codes the server may end a connection with, each a reason a client can act on.
CLOSE_CODES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011}
#: What the whole run may grow the server by.
GROWTH_LIMIT_KIB = 64 * 1024
#: How long the server may stay quiet before an example's answers are taken as complete.
QUIET_S = 0.3

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=_HEALTH, database=None)
STRESS_EXAMPLES = 300


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("frames") / "frames.db") as box:
        yield box


# -- what a client sends ---------------------------------------------------------------------


def _nested(depth: int) -> bytes:
    return b'{"op":' * depth + b"1" + b"}" * depth


_texts = st.one_of(
    st.text(max_size=200).map(str.encode),
    st.sampled_from(
        [
            b'{"op":"unsubscribe","channel":"dbf1dee9-4f2e-4a08-8cb7-748919a71b21"}',
            b'{"op":"mtgox.subscribe","type":"ticker"}',
            b'{"op":"call"}',
            b'{"op":"call","call":"bm9wZQ=="}',
            b"[]",
            b"null",
            b'{"op":',
            b"\xff\xfe",  # not UTF-8
        ]
    ),
    st.integers(1, 100_000).map(_nested),
    st.integers(1, 2000).map(lambda n: b"[" * n),
)

_frames = st.one_of(
    st.tuples(st.just(TEXT), _texts).map(lambda t: frame(*t)),
    st.tuples(st.sampled_from([b"3:::", b"4:::", b"5:::", b"1::/mtgox", b"2::", b"0::", b"9::"]), _texts).map(
        lambda t: frame(TEXT, t[0] + t[1])  # Socket.IO's frames, and junk in them
    ),
    st.binary(max_size=300).map(lambda b: frame(BINARY, b)),
    st.binary(max_size=125).map(lambda b: frame(PING, b)),
    st.binary(max_size=125).map(lambda b: frame(PONG, b)),
    # a fragmented message: its first part, then 1-byte continuations (the last one may end it)
    st.tuples(st.integers(1, 3000), st.booleans()).map(
        lambda t: frame(TEXT, b"{", fin=False) + frame(CONT, b" ", fin=False) * t[0] + frame(CONT, b"}", fin=t[1])
    ),
    st.binary(max_size=20).map(lambda b: frame(CONT, b)),  # a continuation of nothing
    st.integers(MESSAGE_LIMIT - 16, 3 * MESSAGE_LIMIT).map(lambda n: frame(TEXT, b"x" * n)),  # huge
    st.tuples(st.sampled_from([1000, 1001, 1002, 4000, 999, 5000]), st.binary(max_size=20)).map(
        lambda t: frame(CLOSE, struct.pack(">H", t[0]) + t[1])
    ),
    st.binary(min_size=1, max_size=40),  # whatever bytes: reserved bits, bad opcodes, unmasked
)


# -- what the server sends back --------------------------------------------------------------


def _drain(sock: socket.socket) -> tuple[list[tuple[int, bytes]], bool]:
    """The server's frames until it closes or stays quiet for QUIET_S: (frames, closed)."""
    buffer = b""
    closed = False
    while True:
        ready, _, _ = select.select([sock], [], [], QUIET_S)
        if not ready:
            break
        try:
            chunk = sock.recv(1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            closed = True
            break
        buffer += chunk
        assert len(buffer) < 8 << 20, "the server answered a few frames with megabytes"
    frames: list[tuple[int, bytes]] = []
    while len(buffer) >= 2:
        first, second = buffer[0], buffer[1]
        assert not second & 0x80, "a server frame is never masked"
        size, start = second & 0x7F, 2
        if size == 126:
            (size,), start = struct.unpack(">H", buffer[2:4]), 4
        elif size == 127:
            (size,), start = struct.unpack(">Q", buffer[2:10]), 10
        if len(buffer) < start + size:
            break  # cut off by the close
        frames.append((first & 0x0F, buffer[start : start + size]))
        buffer = buffer[start + size :]
    return frames, closed


def _message(payload: bytes, socketio: bool) -> object:
    """The JSON message a text frame carries (Socket.IO's `4::/mtgox:` ones unwrapped); None for
    Socket.IO's own frames (connect, heartbeat, disconnect), which must be well formed."""
    if not socketio:
        return json.loads(payload)
    match = re.fullmatch(rb"([0-8]):([^:]*):([^:]*)(?::(.*))?", payload, re.DOTALL)
    assert match is not None, payload[:80]
    return json.loads(match[4]) if match[1] == b"4" else None


def _outcome(frames: list[tuple[int, bytes]], closed: bool, socketio: bool = False) -> str:
    """What the example came to; fails on anything untyped."""
    outcome = "open"
    for opcode, payload in frames:
        if opcode == TEXT:
            message = _message(payload, socketio)
            if message is None:
                continue
            assert isinstance(message, dict) and isinstance(message.get("op"), str), message
            if message["op"] == "remark":
                assert isinstance(message.get("message"), str) and len(payload) < 4096, message
        elif opcode == CLOSE:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
            # or the client's own close code echoed (RFC 6455 5.5.1): the range only peers choose
            assert code in CLOSE_CODES | {1005} or 3000 <= code < 5000, f"close code {code}"
            outcome = f"close {code}"
        else:
            assert opcode in (PING, PONG), f"opcode {opcode}"
    if closed and outcome == "open":
        outcome = "dropped"
    return outcome


def _still_serves(server: Sandbox) -> None:
    probe = RawWebSocket(server.host, server.port, "/mtgox?Channel=trade.lag")
    try:
        assert probe.status == 101
        assert json.loads(probe.read_frame(timeout=10)[1])["op"] == "subscribe"
    finally:
        probe.close()


def _send(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the server closed first: its answer says why
        sock.sendall(data)


def _websocket_frames(server: Sandbox, sequences: list[bytes], name: str, *, socketio: bool = False) -> None:
    ws = socketio_websocket(server.host, server.port) if socketio else RawWebSocket(server.host, server.port)
    assert ws is not None and ws.status == 101
    ws.sock.settimeout(10)
    try:
        for data in sequences:
            _send(ws.sock, data)
        outcome = _outcome(*_drain(ws.sock), socketio=socketio)
    finally:
        ws.close()
    record(name, {outcome: 1})
    _still_serves(server)


def _hixie_frames(server: Sandbox, chunks: list[bytes], name: str) -> None:
    client = HixieClient(server.host, server.port, "/mtgox", draft=76)
    assert client.status == 101
    try:
        for data in chunks:
            _send(client.sock, data)
        buffer, closed = client.buffer, False
        while True:
            ready, _, _ = select.select([client.sock], [], [], QUIET_S)
            if not ready:
                break
            try:
                chunk = client.sock.recv(1 << 16)
            except OSError:  # reset: the server closed with our bytes unread
                chunk = b""
            if not chunk:
                closed = True
                break
            buffer += chunk
            assert len(buffer) < 8 << 20
    finally:
        client.sock.close()
    ended = False  # draft 76's closing frame, 0xFF 0x00, came
    while buffer and not ended:
        if buffer.startswith(b"\xff\x00"):
            ended = True
            break
        assert buffer.startswith(b"\x00"), buffer[:40]
        text, mark, buffer = buffer[1:].partition(b"\xff")
        if not mark:
            break  # cut off by the close
        message = json.loads(text)
        assert isinstance(message, dict) and isinstance(message.get("op"), str), message
    record(name, {"closed" if closed or ended else "open": 1})
    _still_serves(server)


_hixie_chunks = st.one_of(
    _texts.map(lambda t: b"\x00" + t.replace(b"\xff", b"") + b"\xff"),
    st.integers(MESSAGE_LIMIT - 16, 3 * MESSAGE_LIMIT).map(lambda n: b"\x00" + b"x" * n),  # no end
    st.binary(min_size=1, max_size=60),
    st.just(b"\xff\x00"),
)


# -- the properties --------------------------------------------------------------------------


def _run(server: Sandbox, examples: int) -> None:
    before = rss_kib(_pid(server))

    @settings(SETTINGS, max_examples=examples)
    @given(sequences=st.lists(_frames, min_size=1, max_size=12))
    def websocket(sequences: list[bytes]) -> None:
        _websocket_frames(server, sequences, "stream frame outcomes")

    @settings(SETTINGS, max_examples=max(examples // 3, 5))
    @given(chunks=st.lists(_hixie_chunks, min_size=1, max_size=8))
    def hixie(chunks: list[bytes]) -> None:
        _hixie_frames(server, chunks, "hixie frame outcomes")

    @settings(SETTINGS, max_examples=max(examples // 3, 5))
    @given(sequences=st.lists(_frames, min_size=1, max_size=12))
    def socketio(sequences: list[bytes]) -> None:
        _websocket_frames(server, sequences, "socket.io frame outcomes", socketio=True)

    websocket()
    socketio()
    hixie()
    time.sleep(0.5)  # what was sent last is still being read
    grown = rss_kib(_pid(server)) - before
    record("stream frames: server growth KiB (peak of runs)", grown)
    assert grown < GROWTH_LIMIT_KIB, f"the server grew by {grown} KiB over the examples"


def _pid(server: Sandbox) -> int:
    assert server.process is not None
    return server.process.pid


def test_any_frame_sequence_gets_a_typed_outcome_and_the_server_serves_on(server: Sandbox) -> None:
    _run(server, SETTINGS.max_examples)


@pytest.mark.stress
def test_any_frame_sequence_gets_a_typed_outcome_and_the_server_serves_on_long(server: Sandbox) -> None:
    _run(server, STRESS_EXAMPLES)


def test_huge_frames_straddle_the_servers_limit() -> None:
    assert Limits().max_stream_message_bytes == MESSAGE_LIMIT
