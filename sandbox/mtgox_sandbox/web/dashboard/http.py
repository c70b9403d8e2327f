"""The dashboard's HTTP side: the page at `/`, its files and its JSON under `/_dashboard/`.

    GET  /                              the page (to a browser: `Accept: text/html`; other
                                        clients keep the sandbox's JSON description)
    GET  /_dashboard/static/<file>      the page's CSS, JavaScript and the vendored charts
    GET  /_dashboard/config             pairs, currencies, whether the stream and the operator panel are there
    GET  /_dashboard/accounts           the accounts                      (loopback only)
    GET  /_dashboard/accounts/<id>      balances, open orders, wallet history (loopback only)
    POST /_dashboard/operator/account   add an account {name?, fee?, funds?} (loopback only)
    POST /_dashboard/operator/deposit   fund one {account, funds}            (loopback only)
    POST /_dashboard/operator/seed      seed a market {pairs?}               (loopback only)

Loopback only means: the client's address is a loopback one (a sandbox served with
`--allow-remote` still shows its market to others, never its accounts or its operator panel),
and, so that a web page from elsewhere cannot use the visitor's browser for it, the Host header
names a loopback host (no DNS rebinding), an Origin header if any is the page's own, and
operator requests are JSON (a cross-site form cannot send that without a CORS preflight,
which is never granted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ...api.routing import Router
from ...core.db import Transactions, Tx
from ...core.exchange import Exchange
from ..http import BodyTooLarge, read_body, respond
from ..netaddr import local_request
from ..types import Receive, Scope, Send, header
from . import operator, views
from .assets import Asset, load_assets

PREFIX = "/_dashboard/"
MAX_BODY = 64 * 1024
_ACCOUNT = re.compile(r"accounts/([0-9]{1,18})")
_OPERATIONS: dict[str, Callable[[Tx, Exchange, dict[str, Any]], dict[str, Any]]] = {
    "operator/account": operator.add_account,
    "operator/deposit": operator.deposit,
    "operator/seed": operator.seed_market,
}
#: The page loads nothing from elsewhere; the charts set inline styles, the stream is same-origin.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self';"
        b" frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class Dashboard:
    def __init__(self, exchange: Exchange, router: Router, transactions: Transactions, *, stream: bool) -> None:
        self.exchange = exchange
        self.transactions = transactions
        #: Whether the sandbox serves the streaming API (the page polls HTTP when it does not).
        self.stream = stream
        self.assets: dict[str, Asset] = load_assets()
        try:
            self.accounts: views.AccountView | None = views.AccountView(exchange, router)
        except LookupError:  # a catalogue without Mt. Gox's v2 account endpoints (a clone's)
            self.accounts = None

    # -- who may do what ---------------------------------------------------------------------

    def serves(self, scope: Scope) -> bool:
        """The requests this answers (the rest is the Mt. Gox API's)."""
        path: str = scope["path"]
        if path.startswith(PREFIX):
            return True
        return path == "/" and scope["method"] in ("GET", "HEAD") and "text/html" in (header(scope, b"accept") or "")

    @staticmethod
    def local(scope: Scope) -> bool:
        """A loopback client, asking by a loopback name, from this page or no page at all."""
        return local_request(scope)

    # -- requests ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        relative = "index.html" if path == "/" else path[len(PREFIX) :]
        local = self.local(scope)
        if method in ("GET", "HEAD"):
            if relative == "index.html" or relative.startswith("static/"):
                asset = self.assets.get(relative.removeprefix("static/"))
                if asset is None:
                    await self._json(send, 404, {"error": f"no such file: {relative}"})
                    return
                await respond(
                    send, 200, asset.body, asset.content_type.encode(), _SECURITY_HEADERS, head=method == "HEAD"
                )
                return
            if relative == "config":
                payload = views.config(self.exchange, stream=self.stream, operator=local)
                await self._json(send, 200, payload)
                return
        if relative == "config" or relative.startswith("static/") or relative == "index.html":
            await self._json(send, 405, {"error": f"{method} not allowed here"})
            return
        if not local:
            await self._json(send, 403, {"error": "the dashboard's accounts and operator panel answer loopback only"})
            return
        if method == "GET" and relative == "accounts":
            await self._json(send, 200, await self.transactions.run(views.accounts, write=False))
            return
        account = _ACCOUNT.fullmatch(relative)
        if method == "GET" and account:
            render = self.accounts
            if render is None:
                await self._json(send, 404, {"error": "this catalogue has no v2 account endpoints to show"})
                return
            view = await self.transactions.run(lambda tx: render(tx, int(account.group(1))), write=False)
            if view is None:
                await self._json(send, 404, {"error": "no such account"})
            else:
                await self._json(send, 200, view)
            return
        operation = _OPERATIONS.get(relative)
        if operation is None:
            await self._json(send, 404, {"error": f"no such dashboard path: {path}"})
            return
        if method != "POST":
            await self._json(send, 405, {"error": "use POST"})
            return
        await self._operate(scope, receive, send, operation)

    async def _operate(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        operation: Callable[[Tx, Exchange, dict[str, Any]], dict[str, Any]],
    ) -> None:
        if (header(scope, b"content-type") or "").split(";")[0].strip().lower() != "application/json":
            await self._json(send, 415, {"error": "send JSON (Content-Type: application/json)"})
            return
        try:
            body = await read_body(scope, receive, MAX_BODY)
        except BodyTooLarge:
            body = None
        try:
            request = json.loads(body) if body is not None else None
        except (ValueError, RecursionError):
            request = None
        if not isinstance(request, dict):
            await self._json(send, 400, {"error": "expected a JSON object (at most 64 KiB)"})
            return
        ex = self.exchange
        try:
            result = await self.transactions.run(lambda tx: operation(tx, ex, request))
        except operator.OperatorError as exc:
            await self._json(send, 400, {"error": str(exc)})
            return
        await self._json(send, 200, result)

    @staticmethod
    async def _json(send: Send, status: int, payload: Any) -> None:
        await respond(send, status, json.dumps(payload).encode(), b"application/json", _SECURITY_HEADERS)
