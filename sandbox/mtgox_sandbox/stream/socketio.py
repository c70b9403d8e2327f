"""Socket.IO protocol revision 1 (the socket.io 0.9 era), namespace `/mtgox`, built here because
the 0.9 server package no longer runs (reference 1.3).

1. Handshake: GET or POST `/socket.io/1` or `/socket.io/1/` (optionally with the MtGox query)
   answers `sid:heartbeat:close:websocket`, chunked as Mt. Gox sent it; the sid must be used
   within `session_expiry_s`.
2. Upgrade (RFC 6455, on the same keep-alive connection or a new one) at
   `/socket.io/1/websocket/<sid>`: the server sends `1::`; the client `1::/mtgox`,
   `1::/mtgox:` or `1::/mtgox?Currency=EUR`; the server echoes `1::/mtgox`; data flows.
3. Frames `type:id:endpoint:data`: server data as `4::/mtgox:{json}`; client data as `4::` (JSON)
   or `3::` (text holding JSON); `2::` heartbeats (the server sends one after
   `heartbeat_timeout_s / 2` without output, and ignores the client's, which only answer or
   keep alive); `0::` disconnects.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from mtgox_catalogue.model import SocketIoTransport

from .connection import Connection, parse_query
from .websocket import receive_text

if TYPE_CHECKING:
    from .service import StreamService

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


#: Handshakes waiting for their websocket upgrade (each for at most the session expiry, 30 s).
MAX_PENDING_SESSIONS = 1024


class SocketIo:
    def __init__(self, service: StreamService, spec: SocketIoTransport) -> None:
        self.service = service
        self.spec = spec
        self.path = "/" + spec.path.strip("/")
        self.namespace = spec.namespace
        #: sid -> (expiry on the monotonic clock, the handshake's query)
        self._sessions: dict[str, tuple[float, dict[str, str]]] = {}

    def owns(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + "/")

    # -- 1. handshake ------------------------------------------------------------------------

    async def handshake(self, scope: Message, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        while (await receive()).get("more_body", False):
            pass
        if path.rstrip("/") != self.path or scope["method"] not in ("GET", "POST"):
            await self._plain(send, 404, b"7:::1+0")  # socket.io's "transport not supported"
            return
        if not self._admit(time.monotonic()):
            await self._plain(send, 503, b"7:::1+0")  # too many handshakes not yet upgraded
            return
        now = time.monotonic()
        sid = secrets.token_hex(10)
        self._sessions[sid] = (now + self.spec.session_expiry_s, parse_query(scope.get("query_string", b"")))
        body = f"{sid}:{self.spec.heartbeat_timeout_s}:{self.spec.close_timeout_s}:websocket".encode()
        # No content-length: uvicorn sends it chunked, as Mt. Gox did (goxtool parses the chunk).
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"access-control-allow-origin", b"*")],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def _admit(self, now: float) -> bool:
        """Drop expired sessions and say whether one more fits. Every session lives the same time,
        so insertion order is expiry order: only the oldest are looked at, O(1) amortised per
        handshake, and at most MAX_PENDING_SESSIONS wait for their upgrade."""
        sessions = self._sessions
        while sessions:
            oldest = next(iter(sessions))
            if sessions[oldest][0] > now:
                break
            del sessions[oldest]
        return len(sessions) < MAX_PENDING_SESSIONS

    @staticmethod
    async def _plain(send: Send, status: int, body: bytes) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    # -- 2. the websocket --------------------------------------------------------------------

    def _session(self, path: str) -> dict[str, str] | None:
        head = self.path + "/websocket/"
        if not path.startswith(head):
            return None
        found = self._sessions.pop(path[len(head) :].strip("/"), None)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    async def serve(self, scope: Message, receive: Receive, send: Send) -> None:
        connect = await receive()
        if connect["type"] != "websocket.connect":
            return
        query = self._session(scope["path"])
        if query is None:
            await send({"type": "websocket.close", "code": 1008})  # unknown or expired sid: 403
            return
        query.update(parse_query(scope.get("query_string", b"")))
        await send({"type": "websocket.accept"})

        async def write(text: str) -> None:
            await send({"type": "websocket.send", "text": text})

        await write("1::")
        try:  # a client that never joins the namespace is let go after the close timeout
            joined = await asyncio.wait_for(_join_namespace(self.namespace, receive, query), self.spec.close_timeout_s)
        except TimeoutError:
            joined = False
        if not joined:
            await send({"type": "websocket.close", "code": 1000})
            return
        await write(f"1::{self.namespace}")
        conn = Connection(self.service, query)
        conn.open()
        prefix = f"4::{self.namespace}:"

        async def read() -> str | None:
            while (frame := await _next_frame(receive)) is not None:
                if frame[0] in ("3", "4"):
                    return frame[2]
            return None

        async def close() -> None:
            await write(f"0::{self.namespace}")
            await send({"type": "websocket.close", "code": 1000})

        heartbeat = (self.spec.heartbeat_timeout_s / 2, "2::")
        await conn.run(read, write, lambda text: prefix + text, close, idle=heartbeat)


async def _join_namespace(namespace: str, receive: Receive, query: dict[str, str]) -> bool:
    """Wait for `1::/mtgox[?query][:]`; False when the client leaves first."""
    while (frame := await _next_frame(receive)) is not None:
        kind, endpoint, _ = frame
        if kind == "1" and endpoint.startswith(namespace):
            query.update(parse_query(endpoint[len(namespace) :].rstrip(":")))
            return True
    return False


async def _next_frame(receive: Receive) -> tuple[str, str, str] | None:
    """The next frame as (type, endpoint, data); None once the client has gone or sent `0`."""
    text = await receive_text(receive)
    if text is None:
        return None
    kind, _, endpoint, data = _split(text)
    return None if kind == "0" else (kind, endpoint, data)


def _split(frame: str) -> tuple[str, str, str, str]:
    """`4:1+:/mtgox:{...}` -> ("4", "1+", "/mtgox", "{...}"); missing parts are empty."""
    parts = frame.split(":", 3)
    parts += [""] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]
