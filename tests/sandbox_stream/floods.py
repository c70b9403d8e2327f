"""Raw-socket attackers of the stream server: an RFC 6455 client that builds its own frames (pings,
1-byte fragments, junk, never reading), Socket.IO handshakes by the thousand, and the server
process's resident memory, as an outsider would measure it."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import struct
import time
from pathlib import Path

TIMEOUT = 20.0

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def rss_kib(pid: int) -> int:
    """The process's resident set (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """One masked client frame (RFC 6455 5.2); the mask is zero, so the payload goes as it is."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    if size < 126:
        head += bytes([0x80 | size])
    elif size < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack(">H", size)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", size)
    return head + b"\0\0\0\0" + payload


def connect(host: str, port: int, source: str | None = None, timeout: float = TIMEOUT) -> socket.socket:
    return socket.create_connection((host, port), timeout, source_address=(source, 0) if source else None)


def read_head(sock: socket.socket) -> bytes:
    """The answer's status line and headers (and nothing after them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        byte = sock.recv(1)
        if not byte:
            break
        data += byte
    return data


class RawWebSocket:
    """An RFC 6455 client on a bare socket: it reads only what it is told to."""

    def __init__(self, host: str, port: int, path: str = "/mtgox", *, source: str | None = None) -> None:
        self.sock = connect(host, port, source)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.head = read_head(self.sock)
        self.status = int(self.head.split(b" ", 2)[1]) if self.head.startswith(b"HTTP/1.1 ") else 0

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_text(self, text: str) -> None:
        self.sock.sendall(frame(TEXT, text.encode()))

    def read_frame(self, timeout: float = TIMEOUT) -> tuple[int, bytes]:
        """The next server frame (opcode, payload)."""
        self.sock.settimeout(timeout)
        first, second = self._exact(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack(">H", self._exact(2))
        elif size == 127:
            (size,) = struct.unpack(">Q", self._exact(8))
        return first & 0x0F, self._exact(size)

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def closed_within(self, seconds: float) -> bool:
        """Whether the server closes the connection within `seconds` (what it sends is discarded)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                return False
            except OSError:
                return True
        return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def socketio_handshake(host: str, port: int, *, source: str | None = None) -> tuple[int, bytes]:
    """One Socket.IO handshake on its own connection: (status, body)."""
    with connect(host, port, source) as sock:
        sock.sendall(f"GET /socket.io/1/ HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return status, body


def socketio_sid(body: bytes) -> str:
    """The sid of a handshake's (chunked) answer: `HEX\\r\\nsid:60:60:websocket\\r\\n0\\r\\n\\r\\n`."""
    lines = body.split(b"\r\n")
    return lines[1].split(b":")[0].decode()


def socketio_websocket(host: str, port: int, *, source: str | None = None) -> RawWebSocket | None:
    """A handshake, then its websocket joined to `/mtgox`; None when the handshake is refused."""
    status, body = socketio_handshake(host, port, source=source)
    if status != 200:
        return None
    ws = RawWebSocket(host, port, f"/socket.io/1/websocket/{socketio_sid(body)}", source=source)
    ws.send_text("1::/mtgox")
    return ws
