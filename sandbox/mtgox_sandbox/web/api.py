"""The HTTP API on the wire: `/api/<version prefix><path>[?raw][&pretty]` (api/requests.py says
how a request becomes a call), answered in the version's envelope (api/envelope.py).

Whatever no other mount takes ends here too: `GET /` describes the sandbox as JSON, any other
path outside `/api/` is a 404 that says where the API is.
"""

from __future__ import annotations

import logging
from typing import Any

from mtgox_catalogue.model import Version

from ..api.context import Text
from ..api.dispatch import Dispatcher
from ..api.envelope import encode, encode_answer, error_answer
from ..api.errors import internal_error, not_found, too_large
from ..api.requests import ApiRequests, parse_query
from ..core.errors import SandboxError
from .http import BodyTooLarge, read_body, respond
from .types import Receive, Scope, Send, header

log = logging.getLogger("mtgox_sandbox")

_JSON = b"application/json"


class ApiApp:
    def __init__(self, requests: ApiRequests, dispatcher: Dispatcher, max_body_bytes: int) -> None:
        self.requests = requests
        self.dispatcher = dispatcher
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        raw_path: bytes = scope.get("raw_path") or path.encode("utf-8")
        query = parse_query(scope.get("query_string", b""))
        flags = {k.lower() for k, _ in query}
        pretty = "pretty" in flags
        method: str = scope["method"]
        version, relative, raw_relative = self.requests.split(path, raw_path)
        if version is None:
            if path in ("", "/") and method == "GET":
                await respond(send, 200, encode(self.requests.about(), pretty=pretty), _JSON)
            else:
                await self._error(send, None, not_found(path, self.requests.hint(path, header(scope, b"host"))), pretty)
            return
        match = self.requests.route(version, relative, method)
        if isinstance(match, SandboxError):
            await self._error(send, version, match, pretty)
            return
        try:
            body = await read_body(scope, receive, self.max_body_bytes)
        except BodyTooLarge as exc:
            await self._error(send, version, too_large(str(exc)), pretty, close=True)
            return
        if body is None:  # the client went away: nothing to answer, nothing to do
            return
        prepared = self.requests.prepare(match, raw_relative, method, query, body, scope["headers"], path=path)
        if isinstance(prepared, SandboxError):
            await self._error(send, version, prepared, pretty)
            return
        try:
            result = await self.dispatcher.answer(prepared)
        except Exception:
            log.exception("internal error answering %s %s", method, path)
            result = internal_error()
        await self._answer(send, version, result, pretty=pretty, raw="raw" in flags)

    async def _answer(self, send: Send, version: Version, result: Any, *, pretty: bool, raw: bool) -> None:
        if isinstance(result, SandboxError):
            await self._error(send, version, result, pretty)
        elif isinstance(result, Text):
            await respond(send, 200, result.body.encode("utf-8"), result.content_type.encode())
        else:
            await respond(send, 200, encode_answer(version, result, raw=raw, pretty=pretty), _JSON)

    @staticmethod
    async def _error(
        send: Send, version: Version | None, error: SandboxError, pretty: bool, *, close: bool = False
    ) -> None:
        status, body = error_answer(version, error)
        await respond(send, status, encode(body, pretty=pretty), _JSON, close=close)
