"""PubNub's REST on the wire, on the sandbox's own port (stream/pubnub.py holds the protocol):

    GET /subscribe/SUB_KEY/CHANNELS/CALLBACK/TIMETOKEN    the long-poll (CALLBACK `0`: plain JSON)
    GET /time/CALLBACK                                    `[TIMETOKEN]`
    GET /v2/presence/sub-key/SUB_KEY/channel/CHANNELS/leave    acknowledged (clients send it
                                                          when they unsubscribe)

Answers are gzip-encoded when the client accepts it, as PubNub's were; refusals are PubNub's
error objects (`{"message", "error": true, "status", ...}`) with that status. A client that
goes away while its poll waits stops the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from urllib.parse import parse_qsl, unquote

from ..stream.pubnub import PubNubService, Refused, answer_text, jsonp
from .http import respond
from .types import Receive, Scope, Send, header

_JS = b"text/javascript; charset=UTF-8"
_CORS = (b"access-control-allow-origin", b"*")
#: Bodies smaller than this are not worth compressing.
GZIP_FROM = 256


class PubNubApp:
    def __init__(self, service: PubNubService) -> None:
        self.service = service
        self.path = service.spec.path.rstrip("/")

    @property
    def prefixes(self) -> tuple[str, ...]:
        return (self.path + "/", "/time/", "/v2/presence/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parts = [unquote(p) for p in scope["path"][len(self.path) :].split("/")] if self._subscribe(scope) else []
        query = dict(parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1")))
        gzip_ok = "gzip" in (header(scope, b"accept-encoding") or "").lower()
        if scope["method"] not in ("GET", "HEAD"):
            await self._error(send, 405, "Method Not Allowed", gzip_ok)
        elif parts:
            await self._subscribe_poll(parts, query, receive, send, gzip_ok)
        elif scope["path"].startswith("/time/"):
            callback = scope["path"][len("/time/") :] or "0"
            await self._answer(send, json.dumps([self.service.clock.now_token()]), callback, gzip_ok)
        elif scope["path"].endswith("/leave"):
            ack = {"status": 200, "message": "OK", "action": "leave", "service": "Presence"}
            await self._answer(send, json.dumps(ack), query.get("callback", "0"), gzip_ok)
        else:
            await self._error(send, 404, "Not Found", gzip_ok)

    def _subscribe(self, scope: Scope) -> bool:
        return bool(scope["path"].startswith(self.path + "/"))

    async def _subscribe_poll(
        self, parts: list[str], query: dict[str, str], receive: Receive, send: Send, gzip_ok: bool
    ) -> None:
        # ["", SUB_KEY, CHANNELS, CALLBACK, TIMETOKEN]
        if len(parts) != 5:
            usage = f"Invalid subscribe path: {self.path}/SUB_KEY/CHANNELS/CALLBACK/TIMETOKEN"
            await self._error(send, 400, usage, gzip_ok)
            return
        _, sub_key, channels, callback, token = parts
        poll = asyncio.ensure_future(self.service.poll(sub_key, channels, token, query.get("auth")))
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            await asyncio.wait({poll, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not poll.done():
                poll.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poll
        if poll.cancelled():
            return  # the client left: nothing to answer
        try:
            answer = poll.result()
        except Refused as refused:
            await self._error(send, refused.status, refused.message, gzip_ok, refused.channels)
            return
        await self._answer(send, answer_text(answer, "," in channels), callback, gzip_ok)

    async def _answer(self, send: Send, body: str, callback: str, gzip_ok: bool, status: int = 200) -> None:
        text = jsonp(callback, body)
        if text is None:
            await self._error(send, 400, "Invalid JSONP callback", gzip_ok)
            return
        data = text.encode("utf-8")
        headers = [_CORS, (b"cache-control", b"no-cache")]
        if gzip_ok and len(data) >= GZIP_FROM:
            data = gzip.compress(data, compresslevel=5)
            headers.append((b"content-encoding", b"gzip"))
        await respond(send, status, data, _JS, headers)

    async def _error(
        self, send: Send, status: int, message: str, gzip_ok: bool, channels: tuple[str, ...] = ()
    ) -> None:
        body: dict[str, object] = {"message": message, "error": True, "service": "Access Manager", "status": status}
        if channels:
            body["payload"] = {"channels": list(channels)}
        await self._answer(send, json.dumps(body), "0", gzip_ok, status)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
