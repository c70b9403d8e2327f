"""What every HTTP request must hold before any mount sees it: a bounded head, and one framing.

Request line and headers that came in one piece are measured here (h11 bounds those that
trickle in: limits.py); a path too long or too deep for any route is refused before routing,
so no request's routing work grows with an attacker's path. Refusals use the v1 error shape,
as the protocol's own refusals do.
"""

from __future__ import annotations

from ..api.envelope import encode, error_answer
from ..api.errors import headers_too_large, uri_too_long
from ..core.errors import SandboxError
from .http import respond
from .types import ASGIApp, Message, Receive, Scope, Send

#: The longest catalogued path is under 80 bytes and 8 segments; anything far longer is refused.
MAX_PATH_BYTES = 1024
MAX_SEGMENTS = 32


def _framed_twice(scope: Scope) -> bool:
    """Both Content-Length and Transfer-Encoding: a request two parsers may split differently
    (request smuggling). RFC 9112 6.1: answer it by Transfer-Encoding, then close."""
    names = {name for name, _ in scope["headers"]}
    return b"content-length" in names and b"transfer-encoding" in names


def _closing(send: Send) -> Send:
    async def closing(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != b"connection"]
            message = {**message, "headers": [*headers, (b"connection", b"close")]}
        await send(message)

    return closing


class RequestLimits:
    def __init__(self, app: ASGIApp, max_header_bytes: int) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                status, body = error_answer(None, refusal[0])
                await respond(send, status, encode(body), b"application/json", close=refusal[1])
                return
            if _framed_twice(scope):
                await self.app(scope, receive, _closing(send))
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[SandboxError, bool] | None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        query_string: bytes = scope.get("query_string", b"")
        head = len(raw_path) + len(query_string) + sum(len(n) + len(v) + 4 for n, v in scope["headers"])
        if head > self.max_header_bytes:
            return headers_too_large(self.max_header_bytes), True
        if len(raw_path) > MAX_PATH_BYTES or raw_path.count(b"/") > MAX_SEGMENTS:
            return uri_too_long(MAX_PATH_BYTES, MAX_SEGMENTS), False
        return None
