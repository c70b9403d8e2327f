"""Hixie's websocket drafts 75 and 76 beside RFC 6455 on the same port: the plain stream at
`/mtgox` and Socket.IO's websocket, as Mt. Gox's 2011 server and its own PHP client spoke them;
refused upgrades say so, and `--access-log` logs every upgrade."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.web.hixie import HandshakeError, challenge_answer, key_number

from ..sandbox.sandbox_helpers import Api
from .hixie import HixieClient
from .streams import Raw, packed_call


@pytest.mark.parametrize("draft", [75, 76])
def test_the_plain_stream_over_hixie_gets_its_subscriptions_and_answers_calls(
    sandbox: Sandbox, traders: tuple[Api, Api], draft: int
) -> None:
    trader, _ = traders
    assert trader.key and trader.secret
    client = HixieClient(sandbox.host, sandbox.port, "/mtgox?Channel=depth.BTCUSD", draft=draft, origin="null")
    assert client.status == 101, client.status_line
    if draft == 75:
        assert client.status_line == "HTTP/1.1 101 Web Socket Protocol Handshake"
        assert client.headers["websocket-origin"] == "null"
        assert client.headers["websocket-location"] == f"ws://{sandbox.host}:{sandbox.port}/mtgox?Channel=depth.BTCUSD"
    else:
        assert client.headers["sec-websocket-location"].startswith(f"ws://{sandbox.host}:{sandbox.port}/mtgox")
    assert client.recv()["op"] == "subscribe"
    params = {"type": "bid", "amount_int": 10_000_000, "price_int": 5_000_000}
    client.send(packed_call(trader.key, trader.secret, "order/add", params, "h", nonce=time.time_ns() // 1000))
    answer = client.recv()
    assert answer["op"] == "result" and answer["id"] == "h"
    assert client.recv()["depth"]["total_volume_int"] == "10000000"
    client.send_text("not json, é")  # non-JSON text: a remark echoing it
    assert client.recv()["debug"] == {"data_raw": "not json, é"}
    client.close()


@pytest.mark.parametrize("draft", [75, 76])
def test_socketio_upgrades_over_hixie_like_the_official_php_client(sandbox: Sandbox, draft: int) -> None:
    handshake = httpx.get(f"{sandbox.url}/socket.io/1")
    sid = handshake.text.split(":")[0]
    client = HixieClient(sandbox.host, sandbox.port, f"/socket.io/1/websocket/{sid}", draft=draft)
    assert client.status == 101
    assert client.recv_text() == "1::"
    client.send_text("1::/mtgox")
    assert client.recv_text() == "1::/mtgox"
    first = client.recv_text()
    assert first.startswith('4::/mtgox:{"op":"subscribe"'), first
    client.close()


def test_refused_hixie_upgrades_are_answered_not_dropped(sandbox: Sandbox) -> None:
    unknown_sid = HixieClient(sandbox.host, sandbox.port, "/socket.io/1/websocket/nosuchsid", draft=75)
    assert unknown_sid.status == 403
    unknown_sid.close()
    no_such_stream = HixieClient(sandbox.host, sandbox.port, "/nowhere", draft=76)
    assert no_such_stream.status == 403
    no_such_stream.close()
    # draft 76 keys whose numbers do not divide by their spaces
    sock = socket.create_connection((sandbox.host, sandbox.port), timeout=10)
    request = (
        "GET /mtgox HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: x\r\n"
        "Sec-WebSocket-Key1: 1 2 3\r\nSec-WebSocket-Key2: 7\r\n\r\n12345678"
    )
    sock.sendall(request.encode())
    answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 400 ") and "draft-76 handshake" in answer
    sock.close()
    # the RFC 6455 stream on the same port is untouched
    raw = Raw(sandbox, "/mtgox", "Channel=ticker.BTCUSD")
    assert raw.recv()["op"] == "subscribe"
    raw.close()


def test_a_frame_past_the_limit_closes_the_connection(sandbox: Sandbox) -> None:
    client = HixieClient(sandbox.host, sandbox.port, "/mtgox?Channel=ticker.BTCUSD", draft=75)
    assert client.recv()["op"] == "subscribe"
    chunk = b"x" * (1 << 20)

    def endless_frame() -> None:
        client.sock.sendall(b"\x00")
        for _ in range(40):  # 40 MiB, past the 16 MiB limit
            client.sock.sendall(chunk)
        client.recv_text(timeout=10)

    with pytest.raises((ConnectionError, OSError)):
        endless_frame()
    client.sock.close()


@pytest.mark.integration
def test_access_log_names_accepted_and_refused_upgrades(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "a.db", extra_args=("--access-log",)) as server:
        ok = HixieClient(server.host, server.port, "/mtgox", draft=75)
        assert ok.status == 101
        ok.close()
        refused = HixieClient(server.host, server.port, "/socket.io/1/websocket/nope", draft=76)
        assert refused.status == 403
        refused.close()
        raw = socket.create_connection((server.host, server.port))
        raw.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
        raw.sendall(b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 403")
        raw.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            log = server.log_text()
            if '"WebSocket /nowhere" 403' in log:
                break
            time.sleep(0.1)
    assert '"WebSocket /mtgox" 101 (draft 75)' in log
    assert '"WebSocket /socket.io/1/websocket/nope" 403 (draft 76)' in log
    assert '"WebSocket /nowhere" 403' in log


def test_draft_76_keys() -> None:
    # the draft's own example: "4 @1  46546xW%0l 1 5" / "12998 5 Y3 1  .P00", "^n:ds[4U" -> "8jKS'y:G*Co,Wxa-"
    answer = challenge_answer(b"4 @1  46546xW%0l 1 5", b"12998 5 Y3 1  .P00", b"^n:ds[4U")
    assert answer == b"8jKS'y:G*Co,Wxa-"
    assert key_number(b"1 2") == 12 and key_number(b"1 2 4") == 62
    for bad in (b"123", b"1 2 5", b"   "):
        with pytest.raises(HandshakeError):
            key_number(bad)
