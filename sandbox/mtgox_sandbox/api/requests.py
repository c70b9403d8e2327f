"""An HTTP request to `/api/<version prefix><path>[?raw][&pretty]` as a call: its version, its
endpoint, its parameters and what was signed. Transport-free: the web layer reads the bytes.

- Public endpoints answer GET and POST (a signature, if any, is ignored); private ones need
  POST (GET: 405). A public call's parameters come from the query string and, for POST, the
  form body (the body wins).
- A private call acts on signed bytes only: its parameters come from the signed body alone.
  A query string on it may hold only the formatting flags `raw` and `pretty`; any other name
  is refused (`unsigned_parameter`) before authentication, since anyone on the path could add
  `?price_int=1` to a signed order without breaking its signature.
- The signed message is the body (auth style `body`), or `path + NUL + body`
  (`path_nul_body`, v2), where path is everything after the version prefix exactly as sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from mtgox_catalogue.model import Catalogue, Version

from ..core.errors import SandboxError
from .dispatch import Prepared
from .errors import method_not_allowed, not_found, too_large, unsigned_parameters
from .routing import Match, Router

#: Form fields in one body: parsing and parameter look-ups stay linear and small.
MAX_FIELDS = 1000
#: Query-string names that format the answer and change nothing else; the only ones a signed call may carry.
FORMAT_FLAGS = frozenset({"raw", "pretty"})

Headers = Iterable[tuple[bytes, bytes]]


def parse_query(query_string: bytes) -> list[tuple[str, str]]:
    return parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []


class ApiRequests:
    def __init__(self, catalogue: Catalogue, router: Router) -> None:
        self.catalogue = catalogue
        self.router = router
        self._versions = sorted(catalogue.versions.values(), key=lambda v: -len(v.prefix))

    def split(self, path: str, raw_path: bytes) -> tuple[Version | None, str, bytes]:
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

    def route(self, version: Version, relative: str, method: str) -> Match | SandboxError:
        match = self.router.match(version.key, relative)
        if match is None:
            return not_found(relative)
        if method not in ("GET", "POST") or (match.endpoint.signed and method != "POST"):
            return method_not_allowed(method)
        return match

    def prepare(
        self,
        match: Match,
        raw_relative: bytes,
        method: str,
        query: list[tuple[str, str]],
        body: bytes,
        headers: Headers,
        *,
        path: str = "",
    ) -> Prepared | SandboxError:
        """The call a routed request makes; `path` (as sent) is what faults are scoped by."""
        endpoint = match.endpoint
        body_fields: dict[str, str] = {}
        if method == "POST" and body:
            try:
                fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
            except ValueError:
                return too_large(f"at most {MAX_FIELDS} form fields")
            body_fields = dict(fields)
        if not endpoint.signed:
            params = {**dict(query), **body_fields}
            return Prepared(endpoint, match.path_params, params, body_fields, None, None, b"", (path,))
        unsigned = sorted({name for name, _ in query if name.lower() not in FORMAT_FLAGS})
        if unsigned:
            return unsigned_parameters(unsigned)
        rest_key = rest_sign = None
        for name, value in headers:
            if name == b"rest-key" and rest_key is None:
                rest_key = value.decode("latin-1")
            elif name == b"rest-sign" and rest_sign is None:
                rest_sign = value.decode("latin-1")
        style = self.catalogue.auth_styles.get(endpoint.auth)
        message = raw_relative + b"\0" + body if style and style.message == "path_nul_body" else body
        return Prepared(
            endpoint, match.path_params, dict(body_fields), body_fields, rest_key, rest_sign, message, (path,)
        )

    def hint(self, path: str, host: str | None) -> str:
        """Where the API is, for a path outside it (`/2/money/info` pasted on the printed URL)."""
        versions = ", ".join(sorted("/api/" + v.prefix for v in self.catalogue.versions.values()))
        if path[:5].lower() == "/api/":
            return f"the versions are {versions}"
        return f"the API is under /api/: use the base URL http://{host or 'HOST:PORT'}/api (versions {versions})"

    def about(self) -> dict[str, Any]:
        """What `GET /` answers a client that is not a browser."""
        return {
            "sandbox": "mtgox-sandbox",
            "api": self.catalogue.api.name,
            "versions": {v.key: "/api/" + v.prefix for v in self.catalogue.versions.values()},
            "endpoints": len(self.catalogue.endpoints),
        }
