"""Stream connections against a real `mtgox-sandbox serve`: they take their own slots, not HTTP's
connections, so HTTP answers however many are open; their cap and each address's share are
options; a peer that answers no ping (RFC 6455), or moves no byte (Hixie), is closed; a flood of
Socket.IO handshakes from one address leaves another's handshake room; PubNub polls waiting
hold stream slots, not HTTP connections."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from mtgox_sandbox.core.catalogue import default_catalogue_path, load
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.stream.socketio import MAX_PENDING_PER_PEER

from ..sandbox.sandbox_helpers import Api
from .floods import TEXT, RawWebSocket, connect, frame, read_head, socketio_handshake, socketio_sid
from .hixie import HixieClient
from .streams import private

_STREAM = load(default_catalogue_path()).stream
assert _STREAM is not None and _STREAM.transports.pubnub is not None
SUB = _STREAM.transports.pubnub.subscribe_key
DEPTH_BTCUSD = _STREAM.channel("depth.BTCUSD").id


@contextlib.contextmanager
def sockets() -> Iterator[list[RawWebSocket]]:
    held: list[RawWebSocket] = []
    try:
        yield held
    finally:
        for ws in held:
            ws.close()


@pytest.mark.integration
def test_http_is_answered_while_256_idle_stream_connections_are_open(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "idle.db") as sandbox, sockets() as held:
        for _ in range(256):
            held.append(RawWebSocket(sandbox.host, sandbox.port, "/mtgox?Channel=trade.lag"))
        assert [ws.status for ws in held] == [101] * 256
        with httpx.Client(base_url=sandbox.url, timeout=10) as http:
            assert http.get("/api/2/BTCUSD/money/ticker").status_code == 200
        # one address's share is full; another's is not
        refused = RawWebSocket(sandbox.host, sandbox.port)
        assert refused.status == 503 and b"too_many_streams" in refused.sock.recv(4096)
        refused.close()
        held.append(RawWebSocket(sandbox.host, sandbox.port, source="127.0.0.2"))
        assert held[-1].status == 101


@pytest.mark.integration
def test_the_stream_caps_are_options_and_free_with_their_connections(tmp_path: Path) -> None:
    caps = ("--max-stream-connections", "3", "--max-stream-connections-per-peer", "2")
    with Sandbox(tmp_path / "caps.db", extra_args=caps) as sandbox, sockets() as held:
        host, port = sandbox.host, sandbox.port
        held += [RawWebSocket(host, port) for _ in range(2)]
        third = RawWebSocket(host, port)  # past this address's share
        held += [third, RawWebSocket(host, port, source="127.0.0.2")]
        past_all = RawWebSocket(host, port, source="127.0.0.3")  # past the cap
        held.append(past_all)
        assert [ws.status for ws in held] == [101, 101, 503, 101, 503]
        hixie = HixieClient(host, port, "/mtgox", draft=76)  # the old handshake counts the same
        assert hixie.status == 503
        hixie.sock.close()
        held[0].close()
        deadline = time.monotonic() + 10
        while (again := RawWebSocket(host, port, source="127.0.0.3")).status != 101:
            again.close()  # the server may not have seen the close yet
            assert time.monotonic() < deadline, "a closed stream's slot was never given back"
            time.sleep(0.05)
        held.append(again)


@pytest.mark.integration
def test_a_peer_that_answers_no_ping_is_closed_and_one_that_does_stays(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "ping.db", extra_args=("--stream-idle-timeout", "1")) as sandbox:
        key, secret = sandbox.add_account(fund={"USD": "1000"})
        silent = RawWebSocket(sandbox.host, sandbox.port)  # sends nothing, reads nothing
        url = f"ws://{sandbox.host}:{sandbox.port}/mtgox?Channel=depth.BTCUSD"
        with ws_connect(url, open_timeout=20) as quiet:  # sends nothing; its library answers pings
            time.sleep(3)  # three idle timeouts
            assert silent.closed_within(5), "a peer that answered no ping is still held"
            silent.close()
            api = Api(sandbox.base_url, key, secret)
            api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 100_000_000, "price_int": 1_000_000})
            api.close()
            while not private("depth")(message := json.loads(quiet.recv(timeout=10))):
                assert message["op"] == "subscribe"


@pytest.mark.integration
def test_a_hixie_stream_with_no_traffic_either_way_is_closed(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "hixie.db", extra_args=("--stream-idle-timeout", "1")) as sandbox:
        client = HixieClient(sandbox.host, sandbox.port, "/mtgox?Channel=trade.lag", draft=76)
        assert client.status == 101
        assert client.recv()["op"] == "subscribe"
        began = time.monotonic()
        with pytest.raises(ConnectionError):
            client.recv_text(timeout=10)  # closed, not timed out
        assert time.monotonic() - began < 9
        client.sock.close()


def _handshakes(sandbox: Sandbox, count: int, source: str | None = None) -> list[int]:
    return [socketio_handshake(sandbox.host, sandbox.port, source=source)[0] for _ in range(count)]


@pytest.mark.integration
def test_a_handshake_flood_from_one_address_leaves_others_room(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "sio.db") as sandbox:
        statuses = _handshakes(sandbox, 1100)
        assert statuses.count(200) == MAX_PENDING_PER_PEER
        assert statuses.count(503) == 1100 - MAX_PENDING_PER_PEER
        # a fresh client from another address gets in at once, websocket and all
        status, body = socketio_handshake(sandbox.host, sandbox.port, source="127.0.0.2")
        assert status == 200
        path = f"/socket.io/1/websocket/{socketio_sid(body)}?Channel=trade.lag"
        ws = RawWebSocket(sandbox.host, sandbox.port, path, source="127.0.0.2")
        assert ws.status == 101 and ws.read_frame() == (1, b"1::")
        ws.send_text("1::/mtgox")
        assert ws.read_frame() == (1, b"1::/mtgox")
        assert json.loads(ws.read_frame()[1].split(b":", 3)[3])["op"] == "subscribe"
        ws.close()


def _poll(sandbox: Sandbox, token: str, source: str | None = None) -> socket.socket:
    """A subscribe long-poll sent on a raw socket (the answer left unread)."""
    sock = connect(sandbox.host, sandbox.port, source)
    target = f"/subscribe/{SUB}/{DEPTH_BTCUSD}/0/{token}"
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {sandbox.host}\r\n\r\n".encode())
    return sock


def _waiting_polls(sandbox: Sandbox, token: str, count: int) -> list[socket.socket]:
    """`count` polls that wait. A connection is HTTP's until its request shows it is a poll, so
    each is sent once the one before is seen waiting (no answer within 0.2 s)."""
    polls: list[socket.socket] = []
    while len(polls) < count:
        sock = _poll(sandbox, token)
        ready, _, _ = select.select([sock], [], [], 0.2)
        if ready:
            head = read_head(sock)
            sock.close()
            for held in polls:
                held.close()
            raise AssertionError(f"poll {len(polls) + 1} was answered, not left waiting: {head!r}")
        polls.append(sock)
    return polls


def _token(sandbox: Sandbox) -> str:
    answer = httpx.get(f"{sandbox.url}/subscribe/{SUB}/{DEPTH_BTCUSD}/0/0", timeout=10)
    token: str = answer.json()[1]
    return token


@pytest.mark.integration
def test_waiting_pubnub_polls_never_starve_http(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "polls.db", extra_args=("--max-connections", "8")) as sandbox:
        token = _token(sandbox)
        polls = _waiting_polls(sandbox, token, 16)  # twice the HTTP cap
        try:
            with httpx.Client(base_url=sandbox.url, timeout=10) as http:
                assert http.get("/api/2/BTCUSD/money/ticker").status_code == 200
            for sock in polls:  # all still waiting: nothing answered them yet
                sock.setblocking(False)
                with pytest.raises(BlockingIOError):
                    sock.recv(1)
        finally:
            for sock in polls:
                sock.close()


@pytest.mark.integration
def test_one_address_holds_only_its_share_of_waiting_polls(tmp_path: Path) -> None:
    share = ("--max-stream-connections-per-peer", "16")
    with Sandbox(tmp_path / "share.db", extra_args=share) as sandbox:
        token = _token(sandbox)
        polls = _waiting_polls(sandbox, token, 16)
        try:
            with _poll(sandbox, token) as refused:
                head = read_head(refused)
                assert head.startswith(b"HTTP/1.1 503 "), head
            transport = httpx.HTTPTransport(local_address="127.0.0.2")
            with httpx.Client(transport=transport, timeout=10) as http:  # another address still polls
                assert http.get(f"{sandbox.url}/subscribe/{SUB}/{DEPTH_BTCUSD}/0/0").status_code == 200
        finally:
            for sock in polls:
                sock.close()


@pytest.mark.integration
def test_refusals_and_closes_of_streams_are_in_the_access_log(tmp_path: Path) -> None:
    args = ("--access-log", "--max-stream-connections-per-peer", "1", "--stream-idle-timeout", "1")
    with Sandbox(tmp_path / "log.db", extra_args=args) as sandbox, sockets() as held:
        held.append(RawWebSocket(sandbox.host, sandbox.port))  # answers no ping: closed 1011
        refused = RawWebSocket(sandbox.host, sandbox.port, "/mtgox?Channel=trade.lag")
        assert refused.status == 503
        held.append(refused)
        big = RawWebSocket(sandbox.host, sandbox.port, source="127.0.0.2")
        held.append(big)
        big.send(frame(TEXT, b"x" * (65 * 1024)))
        wanted = (
            '"WebSocket /mtgox?Channel=trade.lag" 503 (too_many_streams: Too many stream connections from one address',
            '"WebSocket /mtgox" closed 1011: no pong within 0.5 s',
            '"WebSocket /mtgox" closed 1009: frame with 66560 bytes exceeds limit of 65536 bytes',
        )
        deadline = time.monotonic() + 10
        while not all(line in (log := sandbox.log_text()) for line in wanted):
            assert time.monotonic() < deadline, f"not logged: {[w for w in wanted if w not in log]}\n{log[-2000:]}"
            time.sleep(0.1)
