"""The plain WebSocket transport (RFC 6455, through uvicorn): one JSON object per text frame,
both ways, no application heartbeat; any Origin or none. Paths: the catalogue's
`websocket_paths` (`/mtgox`, `/mtgox/`, `/`)."""

from __future__ import annotations

from ..stream.service import StreamService
from ..stream.session import Session, parse_query
from .types import Receive, Scope, Send


async def receive_text(receive: Receive) -> str | None:
    """The next text (or UTF-8 bytes) frame; None once the client has gone."""
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return None
        if message["type"] == "websocket.receive":
            if message.get("text") is not None:
                return str(message["text"])
            if message.get("bytes") is not None:
                return bytes(message["bytes"]).decode("utf-8", "replace")


class WebSocketApp:
    def __init__(self, service: StreamService) -> None:
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connect = await receive()
        if connect["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        session = Session(self.service, parse_query(scope.get("query_string", b"")), scope["path"])
        session.open()

        async def write(text: str) -> None:
            await send({"type": "websocket.send", "text": text})

        async def close() -> None:
            await send({"type": "websocket.close", "code": 1000})

        await session.run(lambda: receive_text(receive), write, lambda text: text, close)
