"""Whole HTTP bodies, in and out: a request body read never past a limit in bytes, an answer
sent with its length.

A body announced larger than the limit (`Content-Length`) is refused before a byte of it is
read; a chunked one once it passes the limit. The time a body may take is the protocol's
(limits.py): past it, the client is answered and disconnected, and `receive` says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from .types import Receive, Scope, Send


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a body of at most {limit} bytes")
        self.limit = limit


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body (None when the client left first); BodyTooLarge past `limit` bytes."""
    for name, value in scope["headers"]:
        # a 10 GB Content-Length is refused before a byte of it is read
        digits = value.strip()
        if name == b"content-length" and (not digits.isdigit() or len(digits) > 18 or int(digits) > limit):
            raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: Iterable[tuple[bytes, bytes]] = (),
    *,
    close: bool = False,
    head: bool = False,
) -> None:
    """Send a whole answer; `close` when the request was not read to its end (the connection
    cannot carry another request), `head` for a HEAD request (the length, not the body)."""
    out = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers]
    if close:
        out.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": b"" if head else body})
