"""Stream connections against a real `mtgox-sandbox serve`: a flood of Socket.IO handshakes from
one address leaves another's handshake room."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.stream.socketio import MAX_PENDING_PER_PEER

from .floods import RawWebSocket, socketio_handshake, socketio_sid


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
