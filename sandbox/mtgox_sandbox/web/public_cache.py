"""Mt. Gox's cache of public answers: "All API methods are cached for 10 seconds" (the wiki). Off
unless asked for (`serve --public-cache 10`, the fixture's `public_cache_s`), so a test sees
its own trades at once.

A GET to the API that no one signed is answered from the cache while its answer is younger
than the cache's age; the answer kept is the first 200 for the same path and query. Private
calls are POSTs and never cached. Bounded in bytes: the oldest answers go first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from .types import ASGIApp, Message, Receive, Scope, Send

#: Bytes of answers kept at most, and the largest answer worth keeping.
MAX_BYTES = 16 << 20
MAX_ANSWER_BYTES = 4 << 20

_Kept = tuple[float, int, list[tuple[bytes, bytes]], bytes]  # (made at, status, headers, body)


class PublicCache:
    def __init__(self, app: ASGIApp, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.seconds = seconds
        self.clock = clock
        self.size = 0
        self._kept: OrderedDict[tuple[bytes, bytes], _Kept] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or any(n == b"rest-key" for n, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        key = (scope.get("raw_path") or scope["path"].encode(), scope.get("query_string", b""))
        now = self.clock()
        kept = self._kept.get(key)
        if kept is not None and 0 <= now - kept[0] < self.seconds:  # (a replay may set the clock back)
            _, status, headers, body = kept
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: list[Message] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.append(message)
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False) and start and start[0]["status"] == 200:
                    self._keep(key, now, start[0], b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(self, key: tuple[bytes, bytes], now: float, start: Message, body: bytes) -> None:
        if len(body) > MAX_ANSWER_BYTES:
            return
        old = self._kept.pop(key, None)
        if old is not None:
            self.size -= len(old[3])
        self._kept[key] = (now, int(start["status"]), list(start.get("headers", [])), body)
        self.size += len(body)
        while self.size > MAX_BYTES or (self._kept and now - next(iter(self._kept.values()))[0] >= self.seconds):
            _, dropped = self._kept.popitem(last=False)
            self.size -= len(dropped[3])
