"""A small typed parser for the fake server's messages (which carry only the fields the tests need,
so the generated `mtgox.stream.parse_object` would read many as `Unknown`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mtgox import _endpoints as ep
from mtgox.stream import STREAM
from mtgox_runtime.stream import StreamSpec


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


#: The generated package's channel table and transports; the messages are read by `parse` above.
INFO = STREAM
CHANNELS = STREAM.channels
SPEC = StreamSpec(INFO, parse=parse, depth_endpoint=ep.V2_DEPTH_FULL, idkey_endpoint=ep.V2_IDKEY)
