"""Socket.IO revision 1 on the wire (stream/socketio.py holds the protocol): the handshake over
HTTP and the websocket that follows it."""

from __future__ import annotations

import asyncio

from ..stream.service import StreamService
from ..stream.session import Session, parse_query
from ..stream.socketio import SocketIoSessions, split_frame
from .http import BodyTooLarge, read_body, respond
from .types import Receive, Scope, Send
from .websocket import receive_text

#: A handshake carries no body worth reading: a POST's is read up to this and dropped.
MAX_HANDSHAKE_BODY = 4096
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
        answer = self.sessions.open(scope.get("query_string", b""))
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

        async def write(text: str) -> None:
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

        async def read() -> str | None:
            while (frame := await _next_frame(receive)) is not None:
                if frame[0] in ("3", "4"):
                    return frame[2]
            return None

        async def close() -> None:
            await write(f"0::{namespace}")
            await send({"type": "websocket.close", "code": 1000})

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
