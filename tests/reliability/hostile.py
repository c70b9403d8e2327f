"""A hostile stream server on 127.0.0.1, byte for byte: raw sockets and threads, nothing mocked.

`HostileServer(handle)` reads each connection's HTTP request head and hands it to `handle` (in a
thread of its own), which answers as badly as the test wants with the helpers here: `upgrade`
(the websocket's 101, with or without permessage-deflate), `frame` (any server frame, reserved
bits included), `deflate_bomb`, `endless_chunks` and `trickle` (an HTTP answer that never ends,
or arrives a byte at a time), and `redirect`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from .wire import Listener

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]


Handler = Callable[[socket.socket, Request, "HostileServer"], None]


class HostileServer(Listener):
    """`with HostileServer(handle) as server:`; `server.requests` lists every request head read."""

    def __init__(self, handle: Handler, host: str = "127.0.0.1") -> None:
        self.handle = handle
        self.host = host
        self.requests: list[Request] = []
        self.port = self._listen(host, 0, "hostile-server")

    @property
    def stop(self) -> threading.Event:
        """Set when the server is leaving: a handler's loops end on it."""
        return self._stop

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/mtgox"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk or len(data) > 65536:
                    return
                data += chunk
            head = data.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            request = Request(method, path, headers)
            self.requests.append(request)
            self.handle(conn, request, self)


def upgrade(conn: socket.socket, request: Request, *, deflate: bool = False) -> None:
    """Accept the websocket (permessage-deflate without context takeover when `deflate`)."""
    accept = base64.b64encode(hashlib.sha1(request.headers["sec-websocket-key"].encode() + _GUID).digest())  # noqa: S324
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept.decode()}",
    ]
    if deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover")
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())


def frame(payload: bytes, *, opcode: int = 1, rsv1: bool = False, fin: bool = True) -> bytes:
    """One unmasked server frame; `rsv1` marks it compressed (permessage-deflate)."""
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", first, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, 126, size)
    else:
        head = struct.pack("!BBQ", first, 127, size)
    return head + payload


def deflate_bomb(inflated_mib: int, unit: bytes = b" " * 1024) -> bytes:
    """A permessage-deflate payload (raw deflate, its 00 00 ff ff tail removed) that inflates to
    `inflated_mib` MiB of spaces (JSON whitespace); about 1 KiB of it per MiB inflated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = unit * 1024
    parts = [packer.compress(block) for _ in range(inflated_mib)]
    parts.append(packer.flush(zlib.Z_SYNC_FLUSH))
    body = b"".join(parts)
    return body[:-4] if body.endswith(b"\x00\x00\xff\xff") else body


def endless_chunks(conn: socket.socket, server: HostileServer, chunk: bytes = b"x" * 65536) -> None:
    """A 200 answer whose chunked body never ends (until the client hangs up)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    with contextlib.suppress(OSError):
        while not server.stop.is_set():
            conn.sendall(piece)


def trickle(conn: socket.socket, server: HostileServer, data: bytes, interval: float = 1.0) -> None:
    """`data` a byte every `interval` seconds, then silence until the client hangs up."""
    with contextlib.suppress(OSError):
        for byte in data:
            conn.sendall(bytes([byte]))
            if server.stop.wait(interval):
                return
    hold(conn, server)


def redirect(conn: socket.socket, location: str, status: int = 302) -> None:
    conn.sendall(f"HTTP/1.1 {status} Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode())


def hold(conn: socket.socket, server: HostileServer, *, answer_close: bool = False) -> None:
    """Keep the connection open, reading and dropping what the client sends, until it hangs up
    (or, with `answer_close`, until it sends a websocket close frame: then hang up at once)."""
    conn.settimeout(0.1)
    while not server.stop.is_set():
        try:
            data = conn.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return
        if not data or (answer_close and data[0] & 0x0F == 8):
            return


def elapsed(start: float) -> float:
    return round(time.monotonic() - start, 3)
