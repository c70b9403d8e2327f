"""What the generated `mtgox.stream` tells the runtime about the Streaming API: plain data.

The generator writes a `StreamInfo` from the catalogue's `stream:` section; the runtime reads
nothing else about channels and transports (it never imports the generated package).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ChannelKind = Literal["ticker", "depth", "trade", "lag"]
TransportName = Literal["websocket", "socketio"]


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

    def channel(self, name_or_id: str) -> ChannelInfo | None:
        for ch in self.channels:
            if name_or_id in (ch.name, ch.id):
                return ch
        return None
