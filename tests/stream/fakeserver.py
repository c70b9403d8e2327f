"""A small stream server for the client's tests: both transports on one loopback port
(websockets.asyncio.server), plus an HTTP API (full depth, idkey) on another.

It keeps a book; `set_level` changes it and publishes the depth message. The test thread drives
it; the server runs its own event loop in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from mtgox_runtime import unpack_call

from .parser import CHANNELS

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = base64.b64encode(bytes(range(64))).decode()
PRIVATE = "7fd6b1a1-0000-4000-8000-000000000001"
BY_NAME = {c.name: c.id for c in CHANNELS}
KIND = {"trades": "trade.BTC", "lag": "trade.lag", "ticker": "ticker.BTCUSD", "depth": "depth.BTCUSD"}


@dataclass(eq=False)
class Conn:
    ws: ServerConnection
    sio: bool
    channels: set[str] = field(default_factory=set)
    private: bool = False


def default_answer(inner: dict[str, Any]) -> dict[str, Any]:
    if inner["call"] == "order/cancel":
        return {"op": "remark", "success": False, "message": "Order not found"}
    if inner["call"] == "order/add" and inner["params"].get("amount_int", 1) > 10**12:
        return {"op": "remark", "success": False, "message": "Too many orders placed, please wait"}
    return {"op": "result", "result": {"call": inner["call"], "params": inner["params"]}}


class FakeStreamServer:
    def __init__(self, *, heartbeat: int = 60, ack_subscriptions: bool = True) -> None:
        self.heartbeat = heartbeat
        self.ack = ack_subscriptions
        self.conns: set[Conn] = set()
        self.ops: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.frames: list[str] = []  # every text frame received, raw
        self.paths: list[str] = []
        self.answer: Callable[[dict[str, Any]], dict[str, Any] | None] = default_answer
        self.reply_delay = 0.0  # seconds before a call's answer is sent
        self.book: dict[str, dict[int, int]] = {"bid": {}, "ask": {}}
        #: How a level of the full-depth snapshot is written (a test may leave fields out).
        self.snapshot_entry: Callable[[int, int], dict[str, Any]] = lambda p, v: {
            "price_int": str(p),
            "amount_int": str(v),
            "stamp": "1",
        }
        self.snapshots = 0
        self.idkeys = 0
        self.handshakes = 0
        self.connected = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._http: ThreadingHTTPServer | None = None

    # -- running --------------------------------------------------------------------------------

    def start(self) -> FakeStreamServer:
        self._thread.start()

        async def start() -> Server:
            return await serve(self._handler, "127.0.0.1", 0, process_request=self._process_request)

        self._server = self.run(start())
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._api_handler())
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._server is not None:
            self._server.close()
            self.run(self._server.wait_closed())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def stop_streaming(self) -> None:
        """Close the websocket side for good (connections and the listening socket)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            self.run(server.wait_closed())

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def api_url(self) -> str:
        assert self._http is not None
        return f"http://127.0.0.1:{self._http.server_address[1]}/api"

    # -- socket.io handshake and the websocket side --------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path
        if path.startswith("/socket.io/1") and "/websocket/" not in path:
            self.handshakes += 1
            body = f"sid{self.handshakes}:{self.heartbeat}:60:websocket,xhr-polling"
            return connection.respond(HTTPStatus.OK, body)
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else "/"
        self.paths.append(path)
        conn = Conn(ws, sio=path.startswith("/socket.io/1/websocket/"))
        if not conn.sio and "Channel=" not in path:
            conn.channels |= {BY_NAME["trade.BTC"], BY_NAME["ticker.BTCUSD"], BY_NAME["depth.BTCUSD"]}
        self.conns.add(conn)
        with self.connected:
            self.connected.notify_all()
        try:
            if conn.sio:
                await ws.send("1::")
            async for text in ws:
                assert isinstance(text, str)
                self.frames.append(text)
                if conn.sio:
                    kind, _, endpoint, data = [*text.split(":", 3), "", "", ""][:4]
                    if kind == "1" and endpoint == "/mtgox":
                        await ws.send("1::/mtgox")
                        conn.channels |= {BY_NAME["trade.BTC"], BY_NAME["ticker.BTCUSD"], BY_NAME["depth.BTCUSD"]}
                    if kind not in ("3", "4"):
                        continue
                    text = data
                await self._op(conn, json.loads(text))
        finally:
            self.conns.discard(conn)

    async def _send(self, conn: Conn, obj: dict[str, Any]) -> None:
        text = json.dumps(obj)
        await conn.ws.send(f"4::/mtgox:{text}" if conn.sio else text)

    async def _op(self, conn: Conn, obj: dict[str, Any]) -> None:
        self.ops.append(obj)
        op = obj.get("op")
        if op == "mtgox.subscribe":
            if "key" in obj:
                conn.private = True
                channel = PRIVATE
            else:
                channel = BY_NAME[obj["channel"]] if "channel" in obj else BY_NAME[KIND[obj["type"]]]
                conn.channels.add(channel)
            if self.ack:
                await self._send(conn, {"op": "subscribe", "channel": channel})
        elif op == "unsubscribe":
            conn.channels.discard(obj["channel"])
            await self._send(conn, {"op": "unsubscribe", "channel": obj["channel"]})
        elif op == "call":
            key, signature, body = unpack_call(obj["call"])
            expected = hmac.new(base64.b64decode(SECRET), body, hashlib.sha512).digest()
            if key != KEY or not hmac.compare_digest(signature, expected):
                await self._send(conn, {"op": "remark", "success": False, "message": "Invalid call", "id": obj["id"]})
                return
            inner = json.loads(body)
            self.calls.append(inner)
            await asyncio.sleep(self.reply_delay)
            reply = self.answer(inner)
            if reply is not None:
                await self._send(conn, {**reply, "id": obj["id"]})

    # -- what the test does --------------------------------------------------------------------

    def publish(self, channel_name: str | None, kind: str, payload: dict[str, Any], *, private: bool = False) -> None:
        obj: dict[str, Any] = {"op": "private", "origin": "broadcast", "private": kind, kind: payload}
        if private:
            obj["channel"] = PRIVATE
        else:
            assert channel_name is not None
            obj["channel"], obj["channel_name"] = BY_NAME[channel_name], channel_name

        async def go() -> None:
            for conn in list(self.conns):
                if (conn.private if private else obj["channel"] in conn.channels) and conn.ws.state.name == "OPEN":
                    await self._send(conn, obj)

        self.run(go())

    def set_level(self, side: str, price_int: int, total: int, *, publish: bool = True) -> None:
        previous = self.book[side].get(price_int, 0)
        if total:
            self.book[side][price_int] = total
        else:
            self.book[side].pop(price_int, None)
        if publish:
            depth = {
                "price": str(price_int / 1e5),
                "type": 1 if side == "ask" else 2,
                "type_str": side,
                "volume": "0",
                "price_int": str(price_int),
                "volume_int": str(total - previous),
                "total_volume_int": str(total),
                "item": "BTC",
                "currency": "USD",
                "now": "1385000000123456",
            }
            self.publish("depth.BTCUSD", "depth", depth)

    def send_raw(self, text: str) -> None:
        async def go() -> None:
            for conn in list(self.conns):
                await conn.ws.send(text)

        self.run(go())

    def kill(self) -> None:
        """Drop every connection (as a server restart would)."""

        async def go() -> None:
            for conn in list(self.conns):
                conn.ws.transport.abort()

        self.run(go())

    def wait_connections(self, count: int, timeout: float = 20.0) -> None:
        with self.connected:
            assert self.connected.wait_for(lambda: len(self.conns) >= count, timeout), "no connection"

    # -- the HTTP API --------------------------------------------------------------------------

    def _api_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _json(self, obj: Any) -> None:
                body = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.startswith("/api/2/BTCUSD/money/depth/full"):
                    server.snapshots += 1
                    book = {side: dict(levels) for side, levels in server.book.items()}

                    def entries(levels: dict[int, int]) -> list[dict[str, Any]]:
                        return [server.snapshot_entry(p, v) for p, v in sorted(levels.items())]

                    self._json(
                        {"result": "success", "data": {"asks": entries(book["ask"]), "bids": entries(book["bid"])}}
                    )
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/api/2/money/idkey":
                    server.idkeys += 1
                    self._json({"result": "success", "data": f"idkey-{server.idkeys}"})
                else:
                    self.send_error(404)

        return Handler
