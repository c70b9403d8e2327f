"""`GET /openapi.json`: the catalogue's OpenAPI 3.1 document (mtgox_catalogue.openapi), with this
sandbox as its first server, so that Swagger UI, Prism or Schemathesis pointed at the URL call
the sandbox that answered.

The server's URL is the authority the client asked for (its Host header) when that is a plain
`host[:port]`; anything else in the header (a path, a user, spaces, a quote) is never written
into the document, and the address the socket was bound to is used instead. The document is
built once (on the first request); an authority changes only its `servers`, and the encoded
document is kept for the few authorities a sandbox is reached by.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mtgox_catalogue.model import Catalogue
from mtgox_catalogue.openapi import openapi_document, servers

from .http import respond
from .types import Receive, Scope, Send, header

PATH = "/openapi.json"
#: Authorities kept encoded; past it the oldest is dropped (a client can name any host).
MAX_KEPT = 8
#: `localhost:8080`, `127.0.0.1`, `[::1]:80`: a host name or address, an optional port.
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


def authority(scope: Scope) -> str:
    """Where the client reached this server: its Host header when well formed, else the socket's."""
    host = header(scope, b"host")
    if host is not None and _AUTHORITY.fullmatch(host.strip()):
        return host.strip()
    server = scope.get("server") or ("127.0.0.1", None)
    address, port = str(server[0]), server[1]
    address = f"[{address}]" if ":" in address else address
    return address if port is None else f"{address}:{port}"


class OpenApi:
    """Answers `GET`/`HEAD /openapi.json` (the mount table sends only that path here) with the
    document of `catalogue`."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._document: dict[str, Any] | None = None
        self._encoded: dict[str, bytes] = {}

    def body(self, origin: str) -> bytes:
        """The document with `origin` as its first server."""
        body = self._encoded.get(origin)
        if body is None:
            if self._document is None:
                self._document = openapi_document(self.catalogue)
            document = {**self._document, "servers": servers(self.catalogue.api, origin)}
            body = json.dumps(document, ensure_ascii=False).encode("utf-8")
            if len(self._encoded) >= MAX_KEPT:
                del self._encoded[next(iter(self._encoded))]
            self._encoded[origin] = body
        return body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        if method not in ("GET", "HEAD"):
            body = json.dumps({"error": f"{method} not allowed: GET {PATH}"}).encode()
            await respond(send, 405, body, b"application/json", [(b"allow", b"GET, HEAD")])
            return
        body = self.body(f"http://{authority(scope)}")
        await respond(send, 200, body, b"application/json", head=method == "HEAD")
