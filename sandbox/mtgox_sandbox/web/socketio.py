"""Socket.IO revision 1 on the wire (stream/socketio.py holds the protocol): the handshake over
HTTP and the websocket that follows it.

Handshakes waiting for their upgrade are counted by peer (netaddr.py), so one address's flood
is refused (503) without locking anyone else out. A client that sends nothing for the
heartbeat timeout is gone, as socket.io 0.9's server judged it: after half of it the server
sends a heartbeat (`2::`, which clients echo), after all of it the connection is closed.
"""

from __future__ import annotations

import asyncio

from ..stream.service import StreamService
from ..stream.session import Session, parse_query
from ..stream.socketio import SocketIoSessions, split_frame
from .http import BodyTooLarge, read_body, respond
from .limits import MAX_HANDSHAKE_BODY
from .netaddr import peer_of
from .types import Receive, Scope, Send
from .websocket import receive_text

_TEXT = b"text/plain"


class SocketIoApp:
    def __init__(self, service: StreamService, sessions: SocketIoSessions) -> None:
        self.service = service
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.serve(scope, receive, send)
        else:
            await self.handshake(scope, receive, send)

    # -- 1. handshake ------------------------------------------------------------------------

    async def handshake(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if await read_body(scope, receive, MAX_HANDSHAKE_BODY) is None:
                return  # the client left
        except BodyTooLarge:
            await respond(send, 413, b"7:::1+0", _TEXT, close=True)
            return
        path: str = scope["path"]
        if path.rstrip("/") != self.sessions.path or scope["method"] not in ("GET", "POST"):
            await respond(send, 404, b"7:::1+0", _TEXT)  # socket.io's "transport not supported"
            return
        client = scope.get("client")
        answer = self.sessions.open(scope.get("query_string", b""), peer_of(client[0] if client else None))
        if answer is None:
            await respond(send, 503, b"7:::1+0", _TEXT)  # too many handshakes not yet upgraded
            return
        # No content-length: uvicorn sends it chunked, as Mt. Gox did (goxtool parses the chunk).
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", _TEXT), (b"access-control-allow-origin", b"*")],
            }
        )
        await send({"type": "http.response.body", "body": answer.encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    # -- 2. the websocket --------------------------------------------------------------------

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        connect = await receive()
        if connect["type"] != "websocket.connect":
            return
        query = self.sessions.take(scope["path"])
        if query is None:
            await send({"type": "websocket.close", "code": 1008})  # unknown or expired sid: 403
            return
        query.update(parse_query(scope.get("query_string", b"")))
        await send({"type": "websocket.accept"})

        closing = False  # once the server's disconnect is sent, nothing follows it

        async def write(text: str) -> None:
            if not closing:
                await send({"type": "websocket.send", "text": text})

        spec = self.sessions.spec
        namespace = self.sessions.namespace
        await write("1::")
        try:  # a client that never joins the namespace is let go after the close timeout
            joined = await asyncio.wait_for(_join_namespace(namespace, receive, query), spec.close_timeout_s)
        except TimeoutError:
            joined = False
        if not joined:
            await send({"type": "websocket.close", "code": 1000})
            return
        await write(f"1::{namespace}")
        session = Session(self.service, query, scope["path"])
        session.open()
        prefix = f"4::{namespace}:"

        async def close() -> None:
            nonlocal closing
            if closing:
                return
            await write(f"0::{namespace}")
            closing = True
            await send({"type": "websocket.close", "code": 1000})

        silence = spec.heartbeat_timeout_s / 2

        async def read() -> str | None:
            quiet = 0  # halves of the heartbeat timeout the client has let pass without a frame
            while True:
                try:
                    frame = await asyncio.wait_for(_next_frame(receive), silence)
                except TimeoutError:
                    quiet += 1
                    if quiet >= 2:  # silent for the whole heartbeat timeout: gone
                        await close()
                        return None
                    await write("2::")
                    continue
                if frame is None:
                    return None
                quiet = 0
                if frame[0] in ("3", "4"):
                    return frame[2]

        heartbeat = (spec.heartbeat_timeout_s / 2, "2::")
        await session.run(read, write, lambda text: prefix + text, close, idle=heartbeat)


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
    kind, _, endpoint, data = split_frame(text)
    return None if kind == "0" else (kind, endpoint, data)
