"""What the generated package tells the stream runtime: plain data and the functions to use.

The generator writes a `StreamInfo` from the catalogue's `stream:` section; the generated client
wraps it in a `StreamSpec` with its parser, the HTTP endpoints the stream needs (full depth,
idkey) and its typed call namespaces. The runtime never imports the generated package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .._catalogue_info import Endpoint

ChannelKind = Literal["ticker", "depth", "trade", "lag"]
TransportName = Literal["websocket", "socketio", "pubnub"]


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A public channel. `currency` is None for trade.BTC (every currency) and trade.lag."""

    name: str  # "depth.BTCUSD"
    id: str  # its uuid
    kind: ChannelKind
    item: str
    currency: str | None


@dataclass(frozen=True, slots=True)
class StreamInfo:
    channels: tuple[ChannelInfo, ...]
    default_currency: str
    idkey_lifetime_s: int
    default_transport: TransportName
    websocket_paths: tuple[str, ...]
    socketio_path: str
    socketio_namespace: str
    heartbeat_timeout_s: int
    close_timeout_s: int
    session_expiry_s: int
    #: PubNub's subscribe long-poll (None: the catalogue describes no PubNub transport).
    pubnub_subscribe_key: str | None = None
    pubnub_path: str = "/subscribe"
    pubnub_timeout_s: int = 300

    def channel(self, name_or_id: str) -> ChannelInfo | None:
        for ch in self.channels:
            if name_or_id in (ch.name, ch.id):
                return ch
        return None


def raw_message(obj: dict[str, Any]) -> object:
    """The parser used when none is given: the decoded JSON object itself."""
    return obj


@dataclass(frozen=True)
class StreamSpec:
    """The stream's facts and functions, handed to the runtime by generated code."""

    info: StreamInfo
    #: Turns one decoded server message (a dict, Decimals for fractions) into a typed object.
    parse: Callable[[dict[str, Any]], object] = raw_message
    #: The HTTP full-depth snapshot (`{pair}` in the path) and the idkey endpoints.
    depth_endpoint: Endpoint | None = None
    depth_path: str = "{pair}/money/depth/full"
    idkey_endpoint: Endpoint | None = None
    idkey_path: str = "money/idkey"
    #: The HTTP endpoint answering the account's PubNub channel, auth and cipher.
    pubnub_private_endpoint: Endpoint | None = None
    pubnub_private_path: str = "stream/private_get"
    #: Build the typed call namespaces (`stream.calls`) over a sync / async stream.
    calls: Callable[[Any], Any] | None = None
    async_calls: Callable[[Any], Any] | None = None
    by_name: dict[str, ChannelInfo] = field(init=False, repr=False, compare=False)
    by_id: dict[str, ChannelInfo] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.info.channels})
        object.__setattr__(self, "by_id", {c.id: c for c in self.info.channels})

    @property
    def websocket_path(self) -> str:
        return self.info.websocket_paths[0] if self.info.websocket_paths else "/mtgox"
