"""The ASGI application: parse the request, route it, authenticate, run it in one transaction,
write the answer in the version's envelope.

    /api/<version prefix><path>[?raw][&pretty]

- v0 answers the payload itself; v1 `{"result": "success", "return": ...}`; v2
  `{"result": "success", "data": ...}`; `?raw` answers the bare payload on v1 and v2 (errors
  keep their envelope); `?pretty` indents. JSON escapes non-ASCII (`\\u00a0`), as PHP did.
- Public endpoints answer GET and POST (a signature, if any, is ignored); private ones need
  POST (GET: 405). A public call's parameters come from the query string and, for POST, the
  form body (the body wins).
- A private call acts on signed bytes only: its parameters come from the signed body alone.
  A query string on it may hold only the formatting flags `raw` and `pretty`; any other
  name is refused (`unsigned_parameter`) before authentication, since anyone on the path could
  add `?price_int=1` to a signed order without breaking its signature.
- A private request is one write transaction (shared with the requests that arrived with it,
  each in its savepoint: worker.py): authentication (nonce consumed), then the handler inside
  a savepoint, so a refused call still spends its nonce; a public one is a read transaction.
  An unexpected exception rolls that request back and answers 500.

Statuses and error bodies: see errors.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from mtgox_catalogue.model import Catalogue, Endpoint, Version

from . import params as param_checks
from .auth import Authenticator
from .canned import Canned
from .context import Call, Exchange, Text
from .dashboard import Dashboard
from .db import Synchronous, Tx, savepoint
from .errors import (
    SandboxError,
    headers_too_large,
    internal_error,
    not_found,
    too_large,
    unsigned_parameters,
    uri_too_long,
)
from .handlers import Handler, handler_for
from .lifespan import lifespan
from .limits import Limits
from .routing import Router
from .stream.service import StreamService
from .stream.socketio import SocketIo
from .stream.websocket import serve_websocket
from .worker import Worker

log = logging.getLogger("mtgox_sandbox")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Form fields in one body: parsing and parameter look-ups stay linear and small.
MAX_FIELDS = 1000
#: The longest catalogued path is under 80 bytes and 8 segments; anything far longer is refused
#: before routing (414), so no request's routing work grows with an attacker's path.
MAX_PATH_BYTES = 1024
MAX_SEGMENTS = 32
_JSON = b"application/json"
#: Made once: `json.dumps` with options builds a new encoder on every call. Answers are trees
#: the handlers build fresh, never cyclic, so the encoder skips its cycle bookkeeping.
_COMPACT = json.JSONEncoder(separators=(",", ":"), check_circular=False)
_PRETTY = json.JSONEncoder(indent=4, check_circular=False)
#: Query-string names that format the answer and change nothing else; the only ones a signed call may carry.
FORMAT_FLAGS = frozenset({"raw", "pretty"})


@dataclass(slots=True)
class Prepared:
    """What the database worker needs to answer one routed request."""

    endpoint: Endpoint
    path_params: dict[str, str]
    params: dict[str, str]
    body_fields: dict[str, str]
    rest_key: str | None
    rest_sign: str | None
    message: bytes


class App:
    """`App(catalogue, db_path)` is an ASGI 3 application (http and lifespan)."""

    def __init__(
        self,
        catalogue: Catalogue,
        db_path: str | Path,
        *,
        synchronous: Synchronous = "NORMAL",
        background: list[Callable[[App], Coroutine[Any, Any, None]]] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.catalogue = catalogue
        #: Body size and time limits (the connection-level ones are the server's: limits.py).
        self.limits = limits or Limits()
        self.exchange = Exchange(catalogue)
        self.router = Router(catalogue)
        self.db = Worker(db_path, synchronous)
        self.auth = Authenticator(catalogue.tonce_window_seconds)
        self.canned = Canned(catalogue)
        self.handlers: dict[str, Handler] = {}
        #: Endpoints the catalogue marks stateful that have no handler (answered shape-only).
        self.unimplemented: list[str] = []
        for endpoint in catalogue.endpoints:
            if endpoint.sandbox != "stateful":
                continue
            handler = handler_for(endpoint)
            if handler is None:
                self.unimplemented.append(endpoint.key)
            else:
                self.handlers[endpoint.key] = handler
        self._versions = sorted(catalogue.versions.values(), key=lambda v: -len(v.prefix))
        #: The Streaming API on the same port (stream/): plain websocket and socket.io.
        self.stream: StreamService | None = None
        self.socketio: SocketIo | None = None
        if catalogue.stream is not None:
            self.stream = StreamService(self, catalogue.stream)
            self.socketio = SocketIo(self.stream, catalogue.stream.transports.socketio)
            self.db.recorder = self.stream
        self._background = background or []
        self._tasks: list[asyncio.Task[None]] = []
        #: The web page at `/` and its `/_dashboard/` endpoints (dashboard/http.py).
        self.dashboard = Dashboard(self)

    # -- lifespan ----------------------------------------------------------------------------

    async def startup(self) -> None:
        await self.db.start()
        if self.stream is not None:
            self.stream.start()
        for job in self._background:
            self._tasks.append(asyncio.create_task(job(self)))

    async def shutdown(self) -> None:
        self.exchange.hub.end_all()  # open streams end with their exchange
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("background task failed")
        await self.db.stop()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await lifespan(receive, send, self.startup, self.shutdown)

    # -- http --------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path: str = scope["path"]
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        if self.dashboard.serves(scope):
            await self.dashboard(scope, receive, send)
            return
        if self.socketio is not None and self.socketio.owns(path):
            await self.socketio.handshake(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or path.encode("utf-8")
        query_string: bytes = scope.get("query_string", b"")
        query = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []
        flags = {k.lower() for k, _ in query}
        pretty = "pretty" in flags
        version, relative, raw_relative = self._split(path, raw_path)
        # h11 bounds headers that trickle in (limits.py); headers that came in one piece are measured here
        head = len(raw_path) + len(query_string) + sum(len(n) + len(v) + 4 for n, v in scope["headers"])
        if head > self.limits.max_header_bytes:
            await self._error(send, version, headers_too_large(self.limits.max_header_bytes), pretty, close=True)
            return
        if len(raw_path) > MAX_PATH_BYTES or raw_path.count(b"/") > MAX_SEGMENTS:
            await self._error(send, version, uri_too_long(MAX_PATH_BYTES, MAX_SEGMENTS), pretty)
            return
        if version is None:
            if path in ("", "/") and scope["method"] == "GET":
                await self._json(send, 200, self._about(), pretty)
                return
            await self._error(send, None, not_found(path, self._hint(scope, path)), pretty)
            return
        match = self.router.match(version.key, relative)
        if match is None:
            await self._error(send, version, not_found(relative), pretty)
            return
        endpoint = match.endpoint
        method = scope["method"]
        if method not in ("GET", "POST") or (endpoint.signed and method != "POST"):
            error = SandboxError(f"Method {method} not allowed: use POST", "method_not_allowed", "method")
            await self._error(send, version, error, pretty)
            return
        body = await self._body(scope, receive)
        if isinstance(body, SandboxError):
            await self._error(send, version, body, pretty, close=True)
            return
        if body is None:  # the client went away: nothing to answer, nothing to do
            return
        body_fields: dict[str, str] = {}
        if method == "POST" and body:
            try:
                fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
            except ValueError:
                await self._error(send, version, too_large(f"at most {MAX_FIELDS} form fields"), pretty)
                return
            body_fields = dict(fields)
        if endpoint.signed:
            unsigned = sorted({name for name, _ in query if name.lower() not in FORMAT_FLAGS})
            if unsigned:
                await self._error(send, version, unsigned_parameters(unsigned), pretty)
                return
            params = dict(body_fields)
        else:
            params = {**dict(query), **body_fields}
        rest_key = rest_sign = None
        message = b""
        if endpoint.signed:
            for name, value in scope["headers"]:
                if name == b"rest-key" and rest_key is None:
                    rest_key = value.decode("latin-1")
                elif name == b"rest-sign" and rest_sign is None:
                    rest_sign = value.decode("latin-1")
            style = self.catalogue.auth_styles.get(endpoint.auth)
            message = raw_relative + b"\0" + body if style and style.message == "path_nul_body" else body
        prepared = Prepared(endpoint, match.path_params, params, body_fields, rest_key, rest_sign, message)
        try:
            result = await self.answer(prepared)
        except SandboxError as exc:
            await self._error(send, version, exc, pretty)
            return
        except Exception:
            log.exception("internal error answering %s %s", method, path)
            await self._error(send, version, internal_error(), pretty)
            return
        if isinstance(result, SandboxError):
            await self._error(send, version, result, pretty)
        elif isinstance(result, Text):
            await self._send(send, 200, result.body.encode("utf-8"), result.content_type.encode())
        else:
            raw = "raw" in flags
            await self._json(send, 200, result if raw else self._envelope(version, result), pretty)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if self.stream is not None and self.socketio is not None:
            if self.socketio.owns(path):
                await self.socketio.serve(scope, receive, send)
                return
            if path in self.stream.stream.transports.websocket_paths:
                await serve_websocket(self.stream, scope, receive, send)
                return
        await receive()
        await send({"type": "websocket.close", "code": 1008})  # no such stream: 403

    async def answer(self, prepared: Prepared) -> Any:
        """Run one routed call (HTTP, or a signed stream call) in its transaction."""
        return await self.db.run(lambda tx: self._process(tx, prepared), write=prepared.endpoint.signed)

    def _split(self, path: str, raw_path: bytes) -> tuple[Version | None, str, bytes]:
        """(version, path after its prefix, the same as sent on the wire) for /api/<prefix>..."""
        if path[:5].lower() != "/api/":
            return None, "", b""
        # `/api//1/...`: the wiki's Perl example joined its base URL and path with two slashes
        rest = path[5:].lstrip("/")
        lowered = rest.lower()
        for version in self._versions:
            if lowered.startswith(version.prefix.lower()):
                raw_rest = raw_path[5:].lstrip(b"/")
                return version, rest[len(version.prefix) :], raw_rest[len(version.prefix) :]
        return None, "", b""

    async def _body(self, scope: Scope, receive: Receive) -> bytes | SandboxError | None:
        """The whole body; a SandboxError past the size limit; None if the client left.

        The time limit is the protocol's (limits.py): past it, the client is answered and
        disconnected, and `receive` says so.
        """
        limit = self.limits.max_body_bytes
        for name, value in scope["headers"]:
            # a 10 GB Content-Length is refused before a byte of it is read
            digits = value.strip()
            if name == b"content-length" and (not digits.isdigit() or len(digits) > 18 or int(digits) > limit):
                return too_large(f"a body of at most {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large(f"a body of at most {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    # -- the transaction ---------------------------------------------------------------------

    def _process(self, tx: Tx, req: Prepared) -> Any:
        """Runs inside the request's transaction (worker.py: on the loop or the database thread)."""
        endpoint = req.endpoint
        if not endpoint.signed:
            return self._dispatch(tx, req, 0, frozenset())
        info = self.auth.authenticate(tx, req.rest_key, req.rest_sign, req.message, req.body_fields)
        # From here on the nonce is spent: an error undoes the handler's work, not the nonce.
        try:
            with savepoint(tx):
                self.auth.check_rights(info, endpoint.rights)
                return self._dispatch(tx, req, info.account_id, info.rights)
        except SandboxError as exc:
            return exc

    def _dispatch(self, tx: Tx, req: Prepared, account_id: int, rights: frozenset[str]) -> Any:
        param_checks.check(req.endpoint, req.params)
        handler = self.handlers.get(req.endpoint.key)
        if handler is None:
            return self.canned.answer(req.endpoint, req.path_params)
        call = Call(self.exchange, tx, req.endpoint, req.path_params, req.params, account_id, rights)
        return handler(call)

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _envelope(version: Version, payload: Any) -> Any:
        if version.envelope == "return":
            return {"result": "success", "return": payload}
        if version.envelope == "data":
            return {"result": "success", "data": payload}
        return payload

    def _hint(self, scope: Scope, path: str) -> str:
        """Where the API is, for a path outside it (`/2/money/info` pasted on the printed URL)."""
        versions = ", ".join(sorted("/api/" + v.prefix for v in self.catalogue.versions.values()))
        if path[:5].lower() == "/api/":
            return f"the versions are {versions}"
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "HOST:PORT")
        return f"the API is under /api/: use the base URL http://{host}/api (versions {versions})"

    def _about(self) -> dict[str, Any]:
        return {
            "sandbox": "mtgox-sandbox",
            "api": self.catalogue.api.name,
            "versions": {v.key: "/api/" + v.prefix for v in self.catalogue.versions.values()},
            "endpoints": len(self.catalogue.endpoints),
        }

    async def _error(
        self, send: Send, version: Version | None, error: SandboxError, pretty: bool, *, close: bool = False
    ) -> None:
        body: dict[str, Any]
        if version is not None and version.envelope == "plain":
            body = {"error": error.message}
        else:
            body = {"result": "error", "error": error.message}
        if error.token:
            body["token"] = error.token
        await self._json(send, error.status(version.key if version else "v1"), body, pretty, close=close)

    async def _json(self, send: Send, status: int, payload: Any, pretty: bool, *, close: bool = False) -> None:
        text = (_PRETTY if pretty else _COMPACT).encode(payload)
        await self._send(send, status, text.encode("ascii"), _JSON, close=close)

    @staticmethod
    async def _send(send: Send, status: int, body: bytes, content_type: bytes, *, close: bool = False) -> None:
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        if close:  # the body was not read to its end: the connection cannot carry another request
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
