"""The websocket of 2010-2011 (Hixie's drafts 75 and 76), served beside RFC 6455 on the same port.

Mt. Gox's 2011 websocket server and its Socket.IO host accepted it, and the exchange's own PHP
client (`php5.3/SocketIO.class.php`) speaks nothing else: an upgrade without
`Sec-WebSocket-Key`, answered `HTTP/1.1 101 Web Socket Protocol Handshake`, then text frames
`0x00 <utf-8> 0xFF` both ways. uvicorn and the `websockets` package know only RFC 6455, so the
h11 protocol (upgrade.py) hands such an upgrade to this protocol, which runs the same ASGI
websocket app (the plain stream, Socket.IO's websocket) over the old framing:

- draft 75: no keys; the answer names `WebSocket-Origin` and `WebSocket-Location`;
- draft 76: `Sec-WebSocket-Key1`/`Key2` and 8 bytes after the headers; the answer names
  `Sec-WebSocket-Origin`/`Location` and ends with the MD5 of the two keys' numbers and the
  8 bytes; the closing handshake is `0xFF 0x00`.

The app's `websocket.accept` sends the 101; a `websocket.close` before it answers 403. The first
frame leaves `FIRST_FRAME_GAP_S` after the 101, in a segment of its own: the official client
reads the answer's lines with `fgets` and its frames with `fread`, and PHP 8's `fread` waits for
a further packet (60 s) when the first frame came in the same segment as the answer. What a
peer can make us hold is bounded: a frame past `max_frame` bytes closes the connection, the
frames waiting for the app are few (reading pauses past them), writing waits while the
transport's buffer is full, and draft 76's 8 bytes must come within `key_timeout` seconds.

The connection takes a stream slot (slots.py) for its life. The drafts have no ping, and the
plain stream's clients of the era sent nothing, judging the server by its silence (the
reference, 5.5; Mt. Gox sent tickers several times a second): a connection with nothing sent
either way for `idle_timeout` seconds is closed. Socket.IO's clients send heartbeats, which
count.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import struct
from collections import deque
from typing import Any

from .closing import abort_if_stuck
from .netaddr import peer_of, where
from .slots import StreamSlots
from .types import ASGIApp, Message, Scope

access = logging.getLogger("uvicorn.access")
log = logging.getLogger("mtgox_sandbox")

#: Frames read ahead of the app before reading pauses.
READ_AHEAD = 16
#: The first frame waits this long after the handshake's answer (module docstring).
FIRST_FRAME_GAP_S = 0.2
_BEGIN, _END = b"\x00", b"\xff"
_CLOSE = b"\xff\x00"


class HandshakeError(ValueError):
    pass


def key_number(key: bytes) -> int:
    """Draft 76: the digits of a key divided by its number of spaces (a whole number)."""
    digits = bytes(c for c in key if 0x30 <= c <= 0x39)
    spaces = key.count(b" ")
    if not digits or spaces == 0:
        raise HandshakeError("a Sec-WebSocket-Key needs digits and spaces")
    number = int(digits)
    if number % spaces or number // spaces > 0xFFFFFFFF:
        raise HandshakeError("a Sec-WebSocket-Key's number is not a multiple of its spaces")
    return number // spaces


def challenge_answer(key1: bytes, key2: bytes, key3: bytes) -> bytes:
    """Draft 76: MD5 of the two key numbers (big-endian 32-bit) and the 8 bytes after the headers."""
    return hashlib.md5(struct.pack(">II", key_number(key1), key_number(key2)) + key3, usedforsecurity=False).digest()


def is_hixie(headers: list[tuple[bytes, bytes]]) -> bool:
    """A websocket upgrade without RFC 6455's key: one of Hixie's drafts."""
    return not any(name == b"sec-websocket-key" for name, _ in headers)


class HixieProtocol(asyncio.Protocol):
    """One draft 75/76 connection, from its upgrade request (already parsed by h11) to its close."""

    def __init__(
        self,
        app: ASGIApp,
        scope: Scope,
        *,
        trailing: bytes,
        max_frame: int,
        key_timeout: float,
        access_log: bool,
        connections: set[Any],
        tasks: set[asyncio.Task[None]],
        slots: StreamSlots | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        self.app = app
        self.headers: dict[bytes, bytes] = dict(scope["headers"])
        self.scope: Scope = {**scope, "type": "websocket", "scheme": "ws", "subprotocols": []}
        self.draft = 76 if b"sec-websocket-key1" in self.headers else 75
        self.max_frame = max_frame
        self.key_timeout = key_timeout
        self.access_log = access_log
        self.connections = connections
        self.tasks = tasks
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray(trailing)
        self._key3: asyncio.Future[bytes] | None = None
        self._frames: deque[Message] = deque()
        self._arrived = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._paused = False
        self._accepted = False
        self._first_frame_at: float | None = None
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.slots = slots
        client = scope.get("client")
        self.peer = peer_of(client[0] if client else None)
        self._slot_taken = False
        self.idle_timeout = idle_timeout
        self._idle_timer: asyncio.TimerHandle | None = None
        #: When a byte last went either way (the loop's clock).
        self._traffic_at = 0.0
        self._abort: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.connections.add(self)
        if self.slots is not None:
            self.slots.take(self.peer)
            self._slot_taken = True
        loop = asyncio.get_running_loop()
        self._traffic_at = loop.time()
        if self.idle_timeout is not None:
            self._idle_timer = loop.call_later(self.idle_timeout, self._idle_check)
        if self.draft == 76:
            self._key3 = loop.create_future()
        self._task = loop.create_task(self._run())
        self.tasks.add(self._task)
        self._task.add_done_callback(self.tasks.discard)
        self._consume()

    def data_received(self, data: bytes) -> None:
        self._traffic_at = asyncio.get_running_loop().time()
        self._buffer += data
        self._consume()

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        if self._slot_taken and self.slots is not None:
            self._slot_taken = False
            self.slots.give_back(self.peer)
        for timer in (self._idle_timer, self._abort):
            if timer is not None:
                timer.cancel()
        self._idle_timer = self._abort = None
        self._closed = True
        self._frames.append({"type": "websocket.disconnect", "code": 1006})
        self._arrived.set()
        self._writable.set()
        if self._key3 is not None and not self._key3.done():
            self._key3.set_exception(ConnectionError("closed before the handshake's 8 bytes"))

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def shutdown(self) -> None:
        """The server stops: close the stream (the app sees a disconnect)."""
        self._close(going_away=True)

    def _idle_check(self) -> None:
        self._idle_timer = None
        if self._closed or self.idle_timeout is None:
            return
        loop = asyncio.get_running_loop()
        left = self._traffic_at + self.idle_timeout - loop.time()
        if left > 0:
            self._idle_timer = loop.call_later(left, self._idle_check)
            return
        self._log(f"closed: idle for {self.idle_timeout:g} s")
        self._close(going_away=True)

    # -- reading -------------------------------------------------------------------------------

    def _consume(self) -> None:
        buffer = self._buffer
        if self._key3 is not None and not self._key3.done():
            if len(buffer) < 8:
                return
            self._key3.set_result(bytes(buffer[:8]))
            del buffer[:8]
        if not self._accepted:
            if len(buffer) > self.max_frame:
                self._close()
            return  # frames are read once the app has accepted
        while buffer and not self._closed:
            if buffer[0] == 0x00:
                end = buffer.find(_END)
                if end < 0:
                    if len(buffer) > self.max_frame + 1:
                        log.warning("a draft-%d websocket frame passed %d bytes: closed", self.draft, self.max_frame)
                        self._close()
                    return
                text = bytes(buffer[1:end]).decode("utf-8", "replace")
                del buffer[: end + 1]
                self._frames.append({"type": "websocket.receive", "text": text})
                self._arrived.set()
            elif buffer[:2] == _CLOSE:
                self._close()
                return
            else:  # a length-prefixed (binary) frame or garbage: the drafts' clients send neither
                log.warning("a draft-%d websocket sent a frame type 0x%02x: closed", self.draft, buffer[0])
                self._close()
                return
        if len(self._frames) >= READ_AHEAD and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    async def _receive(self) -> Message:
        if not self._frames:
            self._arrived.clear()
            await self._arrived.wait()
        message = self._frames.popleft()
        if self._paused and len(self._frames) < READ_AHEAD // 2 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        if message["type"] == "websocket.disconnect":
            self._frames.appendleft(message)  # every later receive says so too
        return message

    # -- the app -------------------------------------------------------------------------------

    async def _run(self) -> None:
        connected = False

        async def receive() -> Message:
            nonlocal connected
            if not connected:
                connected = True
                return {"type": "websocket.connect"}
            return await self._receive()

        try:
            await self.app(self.scope, receive, self._send)
        except Exception:
            log.exception("the stream app failed on a draft-%d websocket", self.draft)
        finally:
            if not self._accepted and not self._closed:
                self._refuse(403, "Forbidden")
            else:
                self._close()

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            if not self._accepted and not self._closed:
                await self._accept()
        elif kind == "websocket.send":
            if not self._accepted or self._closed:
                return
            text = message.get("text")
            data = text.encode("utf-8") if text is not None else bytes(message.get("bytes") or b"")
            if self._first_frame_at is not None:
                first_at, self._first_frame_at = self._first_frame_at, None
                await asyncio.sleep(max(0.0, first_at - asyncio.get_running_loop().time()))
            await self._writable.wait()
            if self.transport is not None and not self._closed:
                self.transport.write(_BEGIN + data + _END)
                self._traffic_at = asyncio.get_running_loop().time()
        elif kind == "websocket.close":
            if self._accepted:
                self._close()
            elif not self._closed:
                self._refuse(403, "Forbidden")

    async def _accept(self) -> None:
        host = self.headers.get(b"host", b"localhost").decode("latin-1")
        target = self.scope.get("raw_path") or self.scope["path"].encode()
        query = self.scope.get("query_string") or b""
        location = f"ws://{host}{bytes(target).decode('latin-1')}" + (f"?{query.decode('latin-1')}" if query else "")
        origin = self.headers.get(b"origin", b"null").decode("latin-1")
        if self.draft == 76:
            assert self._key3 is not None
            try:
                key3 = await asyncio.wait_for(asyncio.shield(self._key3), self.key_timeout)
                keys = self.headers[b"sec-websocket-key1"], self.headers[b"sec-websocket-key2"]
                answer = challenge_answer(*keys, key3)
            except (TimeoutError, ConnectionError, HandshakeError, KeyError) as exc:
                self._refuse(400, "Bad Request", f"draft-76 handshake: {exc or 'no 8 bytes in time'}")
                return
            head = [
                "HTTP/1.1 101 WebSocket Protocol Handshake",
                "Upgrade: WebSocket",
                "Connection: Upgrade",
                f"Sec-WebSocket-Origin: {origin}",
                f"Sec-WebSocket-Location: {location}",
            ]
            protocol = self.headers.get(b"sec-websocket-protocol")
            if protocol:
                head.append(f"Sec-WebSocket-Protocol: {protocol.decode('latin-1')}")
        else:
            answer = b""
            head = [
                "HTTP/1.1 101 Web Socket Protocol Handshake",
                "Upgrade: WebSocket",
                "Connection: Upgrade",
                f"WebSocket-Origin: {origin}",
                f"WebSocket-Location: {location}",
            ]
        if self.transport is None or self._closed:
            return
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer)
        self._accepted = True
        self._first_frame_at = asyncio.get_running_loop().time() + FIRST_FRAME_GAP_S
        self._log(101)
        self._consume()  # frames that came with the handshake

    # -- ending --------------------------------------------------------------------------------

    def _refuse(self, status: int, reason: str, detail: str = "") -> None:
        """An HTTP answer instead of the upgrade (before any 101), logged like a request."""
        if self.transport is not None and not self._closed:
            body = (detail or reason).encode("utf-8")
            head = (
                f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
            )
            self.transport.write(head.encode("latin-1") + body)
        self._log(status)
        self._close(quiet=True)

    def _close(self, *, going_away: bool = False, quiet: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        transport = self.transport
        if transport is not None and not transport.is_closing():
            if self._accepted and self.draft == 76 and not quiet:
                transport.write(_CLOSE)
            transport.close()
            self._abort = abort_if_stuck(transport)  # a peer that reads nothing is not waited for
        self._frames.append({"type": "websocket.disconnect", "code": 1001 if going_away else 1000})
        self._arrived.set()
        self._writable.set()

    def _log(self, status: int | str) -> None:
        if not self.access_log:
            return
        query = bytes(self.scope.get("query_string") or b"").decode("latin-1")
        path = self.scope["path"] + (f"?{query}" if query else "")
        access.info('%s - "WebSocket %s" %s (draft %d)', where(self.scope.get("client")), path, status, self.draft)
