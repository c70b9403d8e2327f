"""The mount table: which adapter answers which path, looked up in order, first match wins.

    /api/...                  http       the Mt. Gox HTTP API
    /socket.io/...            http, ws   Socket.IO's handshake and its websocket
    /mtgox, /mtgox/, /        ws         the plain websocket stream (RFC 6455, or Hixie: upgrade.py)
    /subscribe/..., /time/... http       PubNub's long-poll (and /v2/presence/.../leave)
    /_dashboard/..., / (html) http       the dashboard
    anything else             http       the fallback (the API adapter: `GET /` and 404s)

The API comes first, so an API request costs one prefix test before its adapter.

A request target in absolute form (`GET http://host/subscribe/... HTTP/1.1`, as PubNub's
JavaScript client of 2013 sends it) is routed by its path, as RFC 9112 3.2.2 asks of a server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class Mount:
    """`app` answers the requests of `kinds` whose path starts with `prefix` or is one of `paths`
    (and, when given, that `accepts`)."""

    app: ASGIApp
    kinds: frozenset[str]
    prefix: str | None = None
    paths: frozenset[str] = field(default_factory=frozenset)
    accepts: Callable[[Scope], bool] | None = None

    def matches(self, scope: Scope) -> bool:
        if scope["type"] not in self.kinds:
            return False
        path: str = scope["path"]
        if not ((self.prefix is not None and path.startswith(self.prefix)) or path in self.paths):
            return False
        return self.accepts is None or self.accepts(scope)


class Mounts:
    def __init__(self, mounts: Iterable[Mount], fallback: ASGIApp) -> None:
        self.mounts = tuple(mounts)
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            return
        path: str = scope["path"]
        if path.startswith(("http://", "https://")):
            _origin_form(scope)
        for mount in self.mounts:
            if mount.matches(scope):
                await mount.app(scope, receive, send)
                return
        if kind == "http":
            await self.fallback(scope, receive, send)
        else:
            await receive()
            await send({"type": "websocket.close", "code": 1008})  # no such stream: 403


HTTP = frozenset({"http"})
WEBSOCKET = frozenset({"websocket"})
BOTH = HTTP | WEBSOCKET


def _origin_form(scope: Scope) -> None:
    """`http://host/a/b` -> `/a/b` (path and raw path), in place."""
    for key in ("path", "raw_path"):
        value = scope.get(key)
        if isinstance(value, str):
            rest = value.split("://", 1)[1]
            scope[key] = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        elif isinstance(value, bytes) and b"://" in value:
            rest_b = value.split(b"://", 1)[1]
            scope[key] = b"/" + rest_b.split(b"/", 1)[1] if b"/" in rest_b else b"/"
