"""What the generated package tells the stream runtime: channels, parser, HTTP endpoints.

The runtime never imports the generated package; the generated client hands it a `StreamSpec`
(as it hands the HTTP transport its `CatalogueInfo`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .._spec import Endpoint

ChannelKind = Literal["ticker", "depth", "trade", "lag"]


@dataclass(frozen=True, slots=True)
class StreamChannelInfo:
    """One public channel: `depth.BTCUSD` and its UUID."""

    name: str
    id: str
    kind: ChannelKind
    item: str
    currency: str | None


def raw_message(obj: Mapping[str, Any]) -> object:
    """The parser used when none is given: the decoded JSON object itself."""
    return obj


@dataclass(frozen=True)
class StreamSpec:
    """The stream's catalogue facts, handed over by generated code."""

    channels: tuple[StreamChannelInfo, ...]
    #: Turns one decoded server message (a dict, Decimals for fractions) into a typed object.
    parse: Callable[[Mapping[str, Any]], object] = raw_message
    #: The HTTP full-depth snapshot (`{pair}` in the path) and the idkey endpoints.
    depth_endpoint: Endpoint | None = None
    depth_path: str = "{pair}/money/depth/full"
    idkey_endpoint: Endpoint | None = None
    idkey_path: str = "money/idkey"
    default_currency: str = "USD"
    idkey_lifetime_s: float = 86_400.0
    websocket_path: str = "/mtgox"
    socketio_path: str = "/socket.io/1"
    socketio_namespace: str = "/mtgox"
    by_name: dict[str, StreamChannelInfo] = field(init=False, repr=False, compare=False)
    by_id: dict[str, StreamChannelInfo] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.channels})
        object.__setattr__(self, "by_id", {c.id: c for c in self.channels})
