"""Shared test material: a hand-made catalogue, endpoint specs, client classes and helpers.

Nothing here depends on generated code: the runtime must work for any catalogue.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mtgox_runtime import (
    AsyncClientBase,
    CatalogueInfo,
    CurrencyInfo,
    Endpoint,
    ErrorRule,
    SyncClientBase,
    VersionInfo,
)

KEY = "0b3a1f2c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SECRET_BYTES = bytes(range(7, 7 + 64))
SECRET = base64.b64encode(SECRET_BYTES).decode()
BASE = "https://mtgox.test/api"
ROOT = Path(__file__).resolve().parents[2]
RUNTIME_DIR = ROOT / "runtime"

CATALOGUE = CatalogueInfo(
    api_name="Mt. Gox (test)",
    base_url=BASE,
    user_agent="mtgox-sdk",
    catalogue_hash="test",
    versions={
        0: VersionInfo(number=0, prefix="0/", envelope="plain"),
        1: VersionInfo(number=1, prefix="1/", envelope="return"),
        2: VersionInfo(number=2, prefix="2/", envelope="data"),
    },
    currencies={
        "BTC": CurrencyInfo("BTC", 100_000_000, 8, 2),
        "USD": CurrencyInfo("USD", 100_000, 5, 2),
        "JPY": CurrencyInfo("JPY", 1_000, 3, 0),
    },
    pairs={"BTCUSD": ("BTC", "USD"), "BTCJPY": ("BTC", "JPY")},
    error_rules=(
        ErrorRule("NonceError", token="login_error_invalid_nonce"),
        ErrorRule("AuthenticationError", token_prefix="login_error_"),
        ErrorRule("PermissionDeniedError", token="permission_denied"),
        ErrorRule("InsufficientFundsError", token="insufficient_funds"),
        ErrorRule("OrderNotFoundError", message_prefix="Order not found"),
        ErrorRule("RateLimitedError", message_prefix="Too many orders placed"),
        ErrorRule("RateLimitedError", status=429),
        ErrorRule("ServerError", status=500),
        ErrorRule("ServerError", status=502),
        ErrorRule("ServerError", status=503),
    ),
)


class Client(SyncClientBase):
    _catalogue = CATALOGUE


class AsyncClient(AsyncClientBase):
    _catalogue = CATALOGUE


# Hand-made endpoint specs (what the generator would emit).
V0_FUNDS = Endpoint(0, "get_funds", "POST", "body_hmac", idempotent=True)
V0_TICKER = Endpoint(0, "ticker", "GET", "none", idempotent=True, cacheable=True)
V0_BUY = Endpoint(0, "buy_btc", "POST", "body_hmac", idempotent=False)
V1_TICKER = Endpoint(1, "ticker", "GET", "none", idempotent=True, cacheable=True)
V1_INFO = Endpoint(1, "info", "POST", "body_hmac", idempotent=True)
V1_ORDER_ADD = Endpoint(1, "order_add", "POST", "body_hmac", idempotent=False)
V1_HISTORY_CSV = Endpoint(1, "wallet_history_csv", "POST", "body_hmac", idempotent=True, response_format="csv")
V1_TEXT = Endpoint(1, "lag_text", "GET", "none", idempotent=True, response_format="text")
V2_TICKER = Endpoint(2, "ticker", "GET", "none", idempotent=True, cacheable=True)
V2_DEPTH = Endpoint(2, "depth_fetch", "GET", "none", idempotent=True, cacheable=True)
V2_PUBLIC_POST = Endpoint(2, "order_quote", "POST", "none", idempotent=True)
V2_INFO = Endpoint(2, "info", "POST", "path_body_hmac", idempotent=True)
V2_ORDER_ADD = Endpoint(2, "order_add", "POST", "path_body_hmac", idempotent=False)
V2_ORDER_CANCEL = Endpoint(2, "order_cancel", "POST", "path_body_hmac", idempotent=False)


#: The `make_client` / `make_async_client` fixtures (conftest.py): build a test client.
MakeClient = Callable[..., Client]
MakeAsyncClient = Callable[..., AsyncClient]


def ok(data: Any, version: int = 2) -> dict[str, Any]:
    """A success envelope of `version`."""
    if version == 0:
        return data  # type: ignore[no-any-return]
    return {"result": "success", ("data" if version == 2 else "return"): data}


def err(message: str, token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"result": "error", "error": message}
    if token is not None:
        body["token"] = token
    return body


def identity(payload: Any) -> Any:
    return payload


class Sleeps(list[float]):
    """Records the waits of a transport instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


# --- A local Mt. Gox-like server that checks signatures and nonce order --------------------------


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # a hundred concurrent connections must not overflow the backlog
    daemon_threads = True


class VerifyingServer:
    """A threaded stdlib HTTP/1.1 server on 127.0.0.1 that verifies Rest-Sign and refuses any
    nonce not larger than the last one of its key, as Mt. Gox did.

    Paths: POST /api/{0,1,2}/... (signed; answers the nonce it accepted), GET
    /api/2/BTCUSD/money/ticker (public), POST /api/2/slow (answers after `slow_seconds`).
    """

    def __init__(self, secret_bytes: bytes = SECRET_BYTES, *, tonce_window_us: int = 10_000_000) -> None:
        self.secret_bytes = secret_bytes
        self.tonce_window_us = tonce_window_us
        self.lock = threading.Lock()
        self.last_nonce: dict[str, int] = {}
        self.seen_tonces: set[tuple[str, int]] = set()
        self.accepted: list[int] = []
        self.rejected: list[str] = []
        self.reject_next_nonces = 0
        self.slow_seconds = 0.5
        self.hits: dict[str, int] = {}
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api"

    def start(self) -> VerifyingServer:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                owner._count(self.path)
                if self.path.startswith("/api/2/BTCUSD/money/ticker"):
                    self._reply(200, {"result": "success", "data": {"last": {"value": "100.5", "currency": "USD"}}})
                else:
                    self._reply(404, {"result": "error", "error": "Not found"})

            def do_POST(self) -> None:
                owner._count(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, payload = owner.handle_signed(self.path, self.headers, body)
                if self.path == "/api/2/slow":
                    time.sleep(owner.slow_seconds)
                self._reply(status, payload)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="verifying-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _count(self, path: str) -> None:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1

    def handle_signed(self, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        version, _, relative = path[len("/api/") :].partition("/")
        wrapper = "data" if version == "2" else "return"
        key = headers.get("Rest-Key", "")
        message = relative.encode() + b"\0" + body if version == "2" else body
        expected = base64.b64encode(hmac.new(self.secret_bytes, message, hashlib.sha512).digest()).decode()
        given = "".join(headers.get("Rest-Sign", "").split())
        denied = "Identification required to access private API"
        if not hmac.compare_digest(expected, given):
            with self.lock:
                self.rejected.append("sign")
            return 403, {"result": "error", "error": denied, "token": "login_error_invalid_rest_sign"}
        form = dict(urllib.parse.parse_qsl(body.decode()))
        with self.lock:
            if "nonce" in form:
                nonce = int(form["nonce"])
                if self.reject_next_nonces > 0 or nonce <= self.last_nonce.get(key, 0):
                    self.reject_next_nonces = max(0, self.reject_next_nonces - 1)
                    self.rejected.append(f"nonce {nonce}")
                    return 403, {"result": "error", "error": denied, "token": "login_error_invalid_nonce"}
                self.last_nonce[key] = nonce
            elif "tonce" in form:
                nonce = int(form["tonce"])
                if abs(nonce - time.time_ns() // 1000) > self.tonce_window_us or (key, nonce) in self.seen_tonces:
                    self.rejected.append(f"tonce {nonce}")
                    return 403, {"result": "error", "error": denied, "token": "login_error_invalid_tonce"}
                self.seen_tonces.add((key, nonce))
            else:
                self.rejected.append("no nonce")
                return 403, {"result": "error", "error": denied, "token": "login_error_missing_nonce"}
            self.accepted.append(nonce)
        return 200, {"result": "success", wrapper: {"nonce": nonce, "params": form}}
