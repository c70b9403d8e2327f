"""The frames of both stream transports, and the client's JSON operations (no I/O here).

Plain websocket: one JSON object per text frame, both ways, at `/mtgox?Currency=USD` or
`/mtgox?Channel=a/b`. Socket.IO protocol revision 1: `GET /socket.io/1/` answers
`sid:heartbeat:close:transports` (Mt. Gox sent it chunked), the websocket is then opened at
`/socket.io/1/websocket/<sid>`, and packets are `type:id:endpoint:data`: the server opens with
`1::`, the client joins the namespace with `1::/mtgox` (echoed), `2::` is a heartbeat either
way, `4::/mtgox:{json}` carries data (`3::` is a plain message, also JSON text here), `0::`
disconnects and `7::` reports an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from .._config import check_base_url
from .._envelope import loads
from .._errors import ConfigurationError

Transport = Literal["websocket", "socketio", "pubnub"]
TRANSPORTS: tuple[Transport, ...] = ("websocket", "socketio", "pubnub")

#: Client subscription kinds; `trade` is accepted for the server's `trades`.
KINDS = {"ticker": "ticker", "depth": "depth", "trades": "trades", "trade": "trades", "lag": "lag"}

_HEX = re.compile(r"[0-9a-fA-F]+")


def decode(text: str | bytes) -> Any:
    """One JSON message, numbers with a fraction as exact Decimals (never float)."""
    return loads(text)


def encode(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


def subscribe_kind(kind: str) -> dict[str, Any]:
    return {"op": "mtgox.subscribe", "type": KINDS[kind]}


def subscribe_channel(name: str) -> dict[str, Any]:
    return {"op": "mtgox.subscribe", "channel": name}


def subscribe_key(idkey: str) -> dict[str, Any]:
    return {"op": "mtgox.subscribe", "key": idkey}


def unsubscribe(channel_id: str) -> dict[str, Any]:
    return {"op": "unsubscribe", "channel": channel_id}


def call_op(call_id: str, packed: str) -> dict[str, Any]:
    return {"op": "call", "id": call_id, "call": packed, "context": "mtgox.com"}


# -- URLs ---------------------------------------------------------------------------------------


def query(currency: str | None, channels: Sequence[str] | None) -> str:
    """`Channel=a/b` when channels are named (the server then adds no default channels), else `Currency=`."""
    if channels:
        return "Channel=" + "/".join(quote(c, safe=".") for c in channels)
    return "Currency=" + quote(currency or "USD", safe=",")


def origin(base_url: str, stream_url: str | None, *, allow_insecure_http: bool) -> httpx.URL:
    """The stream server's http(s) URL: `stream_url` (ws/wss/http/https), else the API's host.

    `http://H:P/api` gives `http://H:P/` (so `ws://H:P/mtgox`). The same rule as for the HTTP
    API: https, or plain http on a loopback host unless `allow_insecure_http`.
    """
    text = stream_url if stream_url is not None else base_url
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"stream_url {text!r} is not a valid URL: {exc}") from None
    scheme = {"ws": "http", "wss": "https"}.get(url.scheme, url.scheme)
    if stream_url is None:
        url = url.copy_with(path="/")
    url = url.copy_with(scheme=scheme, query=None)
    check_base_url(str(url), allow_insecure_http=allow_insecure_http)
    return url


def _ws(url: httpx.URL) -> httpx.URL:
    return url.copy_with(scheme="wss" if url.scheme == "https" else "ws")


def websocket_url(server: httpx.URL, path: str, query_text: str, *, explicit: bool) -> str:
    """The plain transport's URL: `ws://H:P/mtgox?Currency=USD` (an explicit stream_url keeps its path)."""
    url = _ws(server) if explicit and server.path not in ("", "/") else _ws(server).copy_with(path=path)
    return f"{url}?{query_text}"


def socketio_handshake_url(server: httpx.URL, path: str, query_text: str) -> str:
    return f"{server.copy_with(path=path.rstrip('/') + '/')}?{query_text}"


def socketio_websocket_url(server: httpx.URL, path: str, sid: str, query_text: str) -> str:
    url = _ws(server).copy_with(path=f"{path.rstrip('/')}/websocket/{sid}")
    return f"{url}?{query_text}"


# -- Socket.IO protocol revision 1 -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Handshake:
    sid: str
    heartbeat_s: float | None
    close_s: float | None
    transports: tuple[str, ...]


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def parse_handshake(body: str) -> Handshake:
    """`sid:heartbeat:close:transports`, also when it still carries its chunked framing."""
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    # Chunked framing seen raw: "<hex size>", the body, "0".
    if len(lines) >= 3 and _HEX.fullmatch(lines[0]) and lines[-1] == "0":
        lines = lines[1:-1]
    text = "".join(lines)
    parts = text.split(":")
    if len(parts) < 4 or not parts[0]:
        raise ValueError(f"not a socket.io handshake: {text[:80]!r}")
    transports = tuple(t for t in parts[3].split(",") if t)
    if "websocket" not in transports:
        raise ValueError(f"the socket.io server offers no websocket transport ({parts[3]!r})")
    return Handshake(parts[0], _seconds(parts[1]), _seconds(parts[2]), transports)


@dataclass(frozen=True, slots=True)
class Packet:
    type: str
    endpoint: str
    data: str


def parse_packet(text: str) -> Packet:
    """`type:id:endpoint:data` (id and endpoint may be empty, data may hold colons)."""
    parts = text.split(":", 3)
    kind = parts[0]
    endpoint = parts[2] if len(parts) > 2 else ""
    data = parts[3] if len(parts) > 3 else ""
    return Packet(kind, endpoint.split("?", 1)[0], data)


SIO_HEARTBEAT = "2::"


def sio_connect(namespace: str) -> str:
    return f"1::{namespace}"


def sio_json(namespace: str, obj: Mapping[str, Any]) -> str:
    return f"4::{namespace}:{encode(obj)}"
