"""The SDK's stream as the victim of a hostile server, over real loopback sockets.

A server may send a compressed frame that inflates a thousandfold, an endless or trickled
Socket.IO handshake, messages built to cost memory, or a redirect to another host. The stream
holds a bounded amount (`max_message_bytes`, compression only when asked, the handshake's cap,
the queue's weight), `open()` ends within its one `open_timeout` (+ 2 s) with a typed error,
and no redirect is followed. Peak memory is read in a child process (`_stream_victim.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mtgox

from .hostile import HostileServer, Request, elapsed, frame, hold, redirect, trickle, upgrade
from .support import child_json, record

MODES = ["sync", "async"]
OPEN_TIMEOUT = 2.0
#: The bound of the issue: the whole client process, interpreter and server thread included.
PEAK_LIMIT_MIB = 256


def _victim(case: str, mode: str) -> dict[str, Any]:
    return child_json("tests.reliability._stream_victim", case, mode)


@pytest.mark.integration
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("case", "error", "events"),
    [
        ("bomb", "InvalidResponseError", []),  # an extension it did not offer: the handshake is refused
        ("bomb-raw", "none", ["Skipped", "InvalidResponseError"]),  # a compressed frame, not negotiated
        ("bomb-asked", "none", ["Skipped", "ResponseTooLargeError"]),  # asked for: max_message_bytes holds
        ("endless", "ResponseTooLargeError", []),  # the Socket.IO handshake's cap
    ],
)
def test_memory_stays_bounded_against_a_hostile_server(case: str, error: str, events: list[str], mode: str) -> None:
    """Each attack ends with a typed error or a `Skipped` warning, the whole process under 256 MiB
    (the figures are recorded: `pytest -v` prints them)."""
    result = _victim(case, mode)
    peak_mib = result["maxrss_kib"] / 1024
    record(f"stream victim {case} ({mode}): peak MiB", round(peak_mib))
    record(f"stream victim {case} ({mode}): seconds", result["seconds"])
    assert (result["error"], result["events"]) == (error, events)
    assert peak_mib < PEAK_LIMIT_MIB, f"peak memory {peak_mib:.0f} MiB"
    assert result["seconds"] < 15


@pytest.mark.integration
@pytest.mark.parametrize("mode", MODES)
def test_unread_messages_built_to_cost_memory_are_bounded_by_weight(mode: str) -> None:
    """1 MiB messages of `{}`s, twenty times that as Python objects, left unread: the queue
    weighs them as the memory they take, not by their size, so it holds only a few."""
    result = _victim("flood", mode)
    peak_mib = result["maxrss_kib"] / 1024
    record(f"stream victim flood ({mode}): peak MiB", round(peak_mib))
    (counts,) = result["events"]
    queued, dropped = (int(part.split("=")[1]) for part in counts.split())
    assert queued + dropped == 60 and dropped > 0
    assert peak_mib < PEAK_LIMIT_MIB, f"peak memory {peak_mib:.0f} MiB"


@pytest.mark.integration
def test_connected_is_false_when_the_refused_message_is_told() -> None:
    """The connection a refused message closed is not reported connected while the warning is read."""

    def handle(conn: socket.socket, request: Request, server: HostileServer) -> None:
        upgrade(conn, request)
        conn.sendall(frame(b"x" * 70_000))
        hold(conn, server, answer_close=True)

    with (
        HostileServer(handle) as server,
        mtgox.Client(base_url=f"{server.http_url}/api") as client,
        client.stream(stream_url=server.ws_url, max_message_bytes=65536, backoff_base=30.0) as stream,
    ):
        warning = next(iter(stream))
        assert type(warning).__name__ == "Skipped" and not stream.connected
        assert isinstance(getattr(warning, "error", None), mtgox.ResponseTooLargeError)


# -- one deadline for open() ----------------------------------------------------------------------

_HANDSHAKE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\nsid1:60:60:websocket" + b" " * 20
)


def _trickled_handshake(conn: socket.socket, request: Request, server: HostileServer) -> None:
    trickle(conn, server, _HANDSHAKE)


def _trickled_body(conn: socket.socket, request: Request, server: HostileServer) -> None:
    conn.sendall(_HANDSHAKE[:-40])
    trickle(conn, server, _HANDSHAKE[-40:])


def _trickled_upgrade(conn: socket.socket, request: Request, server: HostileServer) -> None:
    head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    trickle(conn, server, head)


def _never_joined(conn: socket.socket, request: Request, server: HostileServer) -> None:
    """A quick handshake and websocket, then no `1::`: the namespace is never joined."""
    if "/websocket/" not in request.path:
        conn.sendall(_HANDSHAKE)
        hold(conn, server)
        return
    upgrade(conn, request)
    hold(conn, server)


def _slow_everywhere(conn: socket.socket, request: Request, server: HostileServer) -> None:
    """Each step alone fits in open_timeout; together they do not."""
    if "/websocket/" not in request.path:
        time.sleep(OPEN_TIMEOUT * 0.7)
        conn.sendall(_HANDSHAKE)
        hold(conn, server)
        return
    time.sleep(OPEN_TIMEOUT * 0.7)
    upgrade(conn, request)
    hold(conn, server)


SLOW = {
    "trickled socket.io handshake": (_trickled_handshake, "socketio"),
    "trickled socket.io body": (_trickled_body, "socketio"),
    "trickled websocket upgrade": (_trickled_upgrade, "websocket"),
    "socket.io namespace never joined": (_never_joined, "socketio"),
    "each step slow, all too slow": (_slow_everywhere, "socketio"),
}


def _open(server: HostileServer, transport: str, mode: str) -> None:
    url = server.ws_url if transport == "websocket" else server.http_url
    options: dict[str, Any] = {"transport": transport, "stream_url": url, "open_timeout": OPEN_TIMEOUT}
    base = f"{server.http_url}/api"
    if mode == "sync":
        with mtgox.Client(base_url=base, nonce_store="memory") as client, client.stream(**options):
            return

    async def run() -> None:
        async with mtgox.AsyncClient(base_url=base, nonce_store="memory") as client, client.stream(**options):
            return

    asyncio.run(run())


@pytest.mark.integration
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(SLOW))
def test_open_ends_within_its_timeout_with_a_typed_error(case: str, mode: str) -> None:
    """Each step's own timeout restarted on every byte: one deadline covers them all."""
    handle, transport = SLOW[case]
    with HostileServer(handle) as server:
        start = time.monotonic()
        with pytest.raises(mtgox.APITimeoutError, match="open"):
            _open(server, transport, mode)
        took = elapsed(start)
    record(f"stream open refused: {case} ({mode}) s", took)
    assert took < OPEN_TIMEOUT + 2, f"open() took {took} s with open_timeout={OPEN_TIMEOUT}"


# -- no redirect is followed ----------------------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[HostileServer]:
    """Another host (127.0.0.2 is loopback too) that would accept a websocket: it must see nothing."""

    def accept(conn: socket.socket, request: Request, server: HostileServer) -> None:
        if "/websocket/" in request.path or request.path.startswith("/mtgox"):
            upgrade(conn, request)
            conn.sendall(b"\x81\x03" + b"1::")
            hold(conn, server)
        else:
            conn.sendall(_HANDSHAKE)

    with HostileServer(accept, host="127.0.0.2") as server:
        yield server


def _redirecting(target: Callable[[Request], str]) -> Callable[[socket.socket, Request, HostileServer], None]:
    def handle(conn: socket.socket, request: Request, server: HostileServer) -> None:
        redirect(conn, target(request))

    return handle


@pytest.mark.integration
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("transport", ["websocket", "socketio"])
def test_a_redirect_to_another_host_is_refused(elsewhere: HostileServer, transport: str, mode: str) -> None:
    """websockets follows redirects to any host; the stream's signed calls would go there."""
    handle = _redirecting(lambda request: f"{elsewhere.http_url if transport == 'socketio' else elsewhere.ws_url}")
    with HostileServer(handle) as server:
        start = time.monotonic()
        with pytest.raises(mtgox.InvalidResponseError, match=r"redirected to .*127\.0\.0\.2") as info:
            _open(server, transport, mode)
        record(f"stream redirect refused ({transport}, {mode}) s", elapsed(start))
    assert "check base_url or stream_url" in str(info.value)
    assert elsewhere.requests == [], "the redirect was followed"


# -- any frame sequence, over the wire ------------------------------------------------------------

FUZZ_MAX_MESSAGE = 64 * 1024
MARKER = b'{"op":"subscribe","channel":"after-the-fuzz"}'

_texts = st.one_of(
    st.text(max_size=30).map(str.encode),
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
    st.sampled_from(
        [
            b'{"op":"private","private":"depth","depth":{"type_str":"bid","price_int":"1"}}',
            b'{"op":"private","private":"ticker","ticker":{"last":1e99999}}',
            b'{"op":"remark","message":"\\u001b]0;x\\u0007","id":"nobody"}',
            b"[1,2,3]",
        ]
    ),
)
_frames = st.one_of(
    _texts.map(lambda t: frame(t)),
    _texts.map(lambda t: frame(t, opcode=2)),  # binary
    _texts.map(lambda t: frame(t[: len(t) // 2], fin=False) + frame(t[len(t) // 2 :], opcode=0)),  # fragmented
    _texts.map(lambda t: frame(t, rsv1=True)),  # compressed bit, never negotiated
    st.just(frame(b"x" * (FUZZ_MAX_MESSAGE + 1))),  # one byte past max_message_bytes
    st.just(frame(b"\xff\xfe\xfd")),  # text that is not UTF-8
    st.binary(max_size=20).map(lambda b: frame(b, opcode=9)),  # ping
    st.binary(max_size=20).map(lambda b: frame(b, opcode=10)),  # unsolicited pong
    st.sampled_from([3, 7, 11, 15]).map(lambda op: frame(b"?", opcode=op)),  # reserved opcodes
    st.binary(min_size=0, max_size=6).map(lambda b: frame(b, opcode=8)),  # close, any code
    st.binary(min_size=1, max_size=12),  # bytes that are no frame at all
)


def _fuzz_server(sequence: list[bytes]) -> Callable[[socket.socket, Request, HostileServer], None]:
    """The first connection gets `sequence` then is closed; every later one gets MARKER and is held."""
    served: list[int] = []

    def handle(conn: socket.socket, request: Request, server: HostileServer) -> None:
        upgrade(conn, request)
        served.append(1)
        if len(served) == 1:
            with contextlib.suppress(OSError):
                for data in sequence:
                    conn.sendall(data)
                time.sleep(0.1)
            return
        conn.sendall(frame(MARKER))
        hold(conn, server, answer_close=True)

    return handle


def _fuzz_options(server: HostileServer) -> dict[str, Any]:
    return {
        "stream_url": server.ws_url,
        "max_message_bytes": FUZZ_MAX_MESSAGE,
        "max_queued_bytes": 256 * 1024,
        "backoff_base": 0.05,
        "backoff_cap": 0.1,
        "open_timeout": 5,
    }


def _check_events(events: list[object], stream: Any) -> None:
    from mtgox_runtime import Model
    from mtgox_runtime.stream import Disconnected, Reconnected, Skipped, Unknown, Unparsed

    assert all(isinstance(e, Model | Unknown | Unparsed | Skipped | Disconnected | Reconnected) for e in events)
    assert stream.failure is None and stream.connected
    assert stream.session.queued_bytes <= 256 * 1024


@pytest.mark.integration
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(sequence=st.lists(_frames, max_size=8))
def test_any_frame_sequence_leaves_the_reader_alive(sequence: list[bytes]) -> None:
    """Whatever frames a server sends (broken, compressed, oversized, fragmented, control frames,
    bytes that are no frame), the reader survives: typed events only, the stream connected again
    and reading the next connection's messages, nothing held past its bounds."""
    with (
        HostileServer(_fuzz_server(sequence)) as server,
        mtgox.Client(base_url=f"{server.http_url}/api", nonce_store="memory") as client,
        client.stream(**_fuzz_options(server)) as stream,
    ):
        events: list[object] = []
        deadline = time.monotonic() + 20
        for message in stream:
            events.append(message)
            if getattr(message, "channel", None) == "after-the-fuzz":
                break
            assert time.monotonic() < deadline, events[-5:]
        _check_events(events, stream)
    record("stream fuzz: frame sequences", 1)


@pytest.mark.integration
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(sequence=st.lists(_frames, max_size=8))
def test_any_frame_sequence_leaves_the_async_reader_alive(sequence: list[bytes]) -> None:
    async def run() -> None:
        async with (
            mtgox.AsyncClient(base_url=f"{server.http_url}/api", nonce_store="memory") as client,
            client.stream(**_fuzz_options(server)) as stream,
        ):
            events: list[object] = []
            async with asyncio.timeout(20):
                async for message in stream:
                    events.append(message)
                    if getattr(message, "channel", None) == "after-the-fuzz":
                        break
            _check_events(events, stream)

    with HostileServer(_fuzz_server(sequence)) as server:
        asyncio.run(run())
