"""The HTTP faults (api/faults.py) on the wire, as Mt. Gox's front end showed them: middleware in
front of every mount but the sandbox's own pages (`/_sandbox/`, `/_dashboard/`, the page at
`/`), which stay reachable to clear what was injected.

    http-502     502 and an HTML "Bad Gateway" page, as the front end sent while the servers
                 behind it were down (Mt. Gox's own words in April 2013: "502 error pages")
    http-503     503 and the version's JSON error (`unknown_error`): an application server's
                 refusal, sent with a 5xx status as Mt. Gox did
    anti-ddos    429 and an HTML refusal page with `Retry-After`: the anti-DDoS filter the wiki
                 warned fast pollers about
    maintenance  503 and an HTML maintenance page with `Retry-After` when it ends; a stream
                 handshake is refused (the stream's own connections are dropped: stream/service.py)
    timeout      the request runs (an order is placed) but its answer is held `seconds` of real
                 time, longer than the client waits

A fault scoped to an account covers the requests signed with that account's keys (`Rest-Key`).
With no fault in force a request costs one dict lookup here.
"""

from __future__ import annotations

import asyncio
import math

from ..api.envelope import encode, error_answer
from ..api.errors import unavailable
from ..api.faults import Fault, Faults
from ..api.requests import ApiRequests
from ..core.clock import ExchangeClock
from .http import respond
from .types import ASGIApp, Message, Receive, Scope, Send, header

#: Paths no fault touches: the control surface, the dashboard.
EXEMPT_PREFIXES = ("/_sandbox/", "/_dashboard/")
HTTP_KINDS = ("maintenance", "anti-ddos", "http-502", "http-503", "timeout")
#: Retry-After of an anti-DDoS refusal without a life of its own.
ANTI_DDOS_RETRY_S = 60

_HTML = b"text/html; charset=utf-8"
_BAD_GATEWAY = (
    b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head><title>502 Bad Gateway</title></head>'
    b"<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p>"
    b"</body></html>\n"
)
_ANTI_DDOS = (
    b"<!DOCTYPE html>\n<html><head><title>Access denied</title></head><body><h1>Access denied</h1>"
    b"<p>Your address sent too many requests and was blocked by the anti-DDoS filter.</p>"
    b"<p>Slow down: every API answer is cached for 10 seconds.</p></body></html>\n"
)
_MAINTENANCE = (
    b"<!DOCTYPE html>\n<html><head><title>Mt. Gox - Maintenance</title></head><body>"
    b"<h1>Down for maintenance</h1><p>The exchange is being upgraded and will be back shortly.</p>"
    b"</body></html>\n"
)


def _retry_after(fault: Fault, clock: ExchangeClock, default: int | None) -> list[tuple[bytes, bytes]]:
    """Until the fault ends, in the client's (wall clock) seconds; `default` when it has no end."""
    if fault.until_us is None:
        seconds = default
    else:
        seconds = max(1, math.ceil(clock.wall_seconds((fault.until_us - clock.now_us()) / 1e6)))
    return [] if seconds is None else [(b"retry-after", str(seconds).encode())]


class FaultInjection:
    def __init__(self, app: ASGIApp, faults: Faults, requests: ApiRequests) -> None:
        self.app = app
        self.faults = faults
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        path: str = scope.get("path", "")
        if not self.faults or kind not in ("http", "websocket") or _exempt(scope, path):
            await self.app(scope, receive, send)
            return
        if kind == "websocket":
            if self.faults.find(("maintenance",), (path,), hit=False) is not None:
                await receive()  # the handshake
                await send({"type": "websocket.close", "code": 1013})  # before accepting: HTTP 403
                return
            await self.app(scope, receive, send)
            return
        fault = self.faults.find(HTTP_KINDS, (path,), key=header(scope, b"rest-key"))
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "timeout":
            await self._held(fault, scope, receive, send)
        else:
            await self._refuse(fault, scope, send)

    async def _refuse(self, fault: Fault, scope: Scope, send: Send) -> None:
        clock = self.faults.clock
        if fault.kind == "http-502":
            await respond(send, 502, _BAD_GATEWAY, _HTML)
        elif fault.kind == "anti-ddos":
            await respond(send, 429, _ANTI_DDOS, _HTML, _retry_after(fault, clock, ANTI_DDOS_RETRY_S))
        elif fault.kind == "maintenance":
            await respond(send, 503, _MAINTENANCE, _HTML, _retry_after(fault, clock, None))
        else:  # http-503
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
            version, _, _ = self.requests.split(scope["path"], raw_path)
            status, body = error_answer(version, unavailable())
            await respond(send, status, encode(body), b"application/json")

    async def _held(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request; send its answer only `fault.delay` seconds later (if the client stayed)."""
        held: list[Message] = []

        async def keep(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, keep)
        await asyncio.sleep(fault.delay)
        for message in held:
            await send(message)


def _exempt(scope: Scope, path: str) -> bool:
    if path.startswith(EXEMPT_PREFIXES):
        return True
    return path == "/" and "text/html" in (header(scope, b"accept") or "")
