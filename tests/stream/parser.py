"""A small typed parser for the tests, standing in for the generated `mtgox.stream.parse_message`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mtgox import _endpoints as ep
from mtgox_runtime.stream import ChannelInfo, StreamInfo, StreamSpec


@dataclass(frozen=True)
class Depth:
    channel_name: str | None
    type_str: str
    price_int: int
    total_volume_int: int
    currency: str


@dataclass(frozen=True)
class Trade:
    tid: str
    amount_int: int
    price_int: int
    price_currency: str
    trade_type: str


@dataclass(frozen=True)
class Ticker:
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class UserOrder:
    oid: str
    status: str | None


@dataclass(frozen=True)
class Wallet:
    op: str
    balance_int: int


@dataclass(frozen=True)
class Subscribed:
    channel: str


@dataclass(frozen=True)
class Unsubscribed:
    channel: str


@dataclass(frozen=True)
class Remark:
    message: str


@dataclass(frozen=True)
class Other:
    raw: Mapping[str, Any]


def parse(obj: dict[str, Any]) -> object:
    op = obj["op"]
    if op == "subscribe":
        return Subscribed(obj["channel"])
    if op == "unsubscribe":
        return Unsubscribed(obj["channel"])
    if op == "remark":
        return Remark(obj["message"])
    if op != "private":
        return Other(obj)
    kind = obj["private"]
    body = obj[kind]
    if kind == "depth":
        return Depth(
            obj.get("channel_name"),
            body["type_str"],
            int(body["price_int"]),
            int(body["total_volume_int"]),
            body["currency"],
        )
    if kind == "trade":
        return Trade(
            body["tid"], int(body["amount_int"]), int(body["price_int"]), body["price_currency"], body["trade_type"]
        )
    if kind == "ticker":
        return Ticker(body)
    if kind == "user_order":
        return UserOrder(body["oid"], body.get("status"))
    if kind == "wallet":
        return Wallet(body["op"], int(body["balance"]["value_int"]))
    return Other(obj)


CHANNELS = (
    ChannelInfo("trade.BTC", "dbf1dee9-4f2e-4a08-8cb7-748919a71b21", "trade", "BTC", None),
    ChannelInfo("trade.lag", "85174711-be64-4de1-b783-0628995d7914", "lag", "BTC", None),
    ChannelInfo("depth.BTCUSD", "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe", "depth", "BTC", "USD"),
    ChannelInfo("depth.BTCEUR", "057bdc6b-9f9c-44e4-bc1a-363e4443ce87", "depth", "BTC", "EUR"),
    ChannelInfo("ticker.BTCUSD", "d5f06780-30a8-4a48-a2f8-7ed181b4a13f", "ticker", "BTC", "USD"),
    ChannelInfo("ticker.BTCEUR", "0bb6da8b-f6c6-4ecf-8f0d-a544ad948c15", "ticker", "BTC", "EUR"),
)

INFO = StreamInfo(
    channels=CHANNELS,
    default_currency="USD",
    idkey_lifetime_s=86400,
    default_transport="websocket",
    websocket_paths=("/mtgox", "/mtgox/", "/"),
    socketio_path="/socket.io/1",
    socketio_namespace="/mtgox",
    heartbeat_timeout_s=60,
    close_timeout_s=60,
    session_expiry_s=30,
)
SPEC = StreamSpec(INFO, parse=parse, depth_endpoint=ep.V2_DEPTH_FULL, idkey_endpoint=ep.V2_IDKEY)
