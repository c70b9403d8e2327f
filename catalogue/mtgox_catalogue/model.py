"""The catalogue as typed, validated, immutable data.

`mtgox_catalogue.load_catalogue(path)` builds a `Catalogue` from `endpoints.yaml`; everything
downstream (the Python views and templates, the sandbox, tests) reads this model and never the
YAML. Nothing here knows about Python code generation: see `mtgox_codegen.pyview` for that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

HttpMethod = Literal["GET", "POST"]
Envelope = Literal["plain", "return", "data"]
SignedMessage = Literal["none", "body", "path_nul_body", "packed"]
ResponseFormat = Literal["json", "text", "csv"]
Knowledge = Literal["documented", "partial", "name_only"]
SandboxMode = Literal["stateful", "canned"]
ParamLocation = Literal["path", "query", "body"]
SymbolPosition = Literal["before", "after"]
MoneyEncoding = Literal["int", "decimal"]

#: Scalar field and parameter types a catalogue may use.
SCALAR_FIELD_TYPES = (
    "string",
    "integer",
    "decimal",
    "boolean",
    "money",
    "timestamp",
    "timestamp_us",
    "datetime",
    "any",
)
PARAM_TYPES = ("string", "integer", "boolean", "enum", "money", "pair", "currency")
RIGHTS = ("get_info", "trade", "deposit", "withdraw", "merchant")


@dataclass(frozen=True)
class AuthStyle:
    name: str
    message: SignedMessage
    http: bool
    description: str


@dataclass(frozen=True)
class Version:
    key: str  # "v0"
    number: int  # 0
    prefix: str  # "0/": what follows the base URL
    envelope: Envelope
    #: Path segments a server also accepts left out (v1: public/, private/).
    optional_segments: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    divisor: int
    decimals: int
    display_decimals: int
    symbol: str
    symbol_position: SymbolPosition
    virtual: bool


@dataclass(frozen=True)
class Pair:
    code: str  # "BTCUSD"
    base: str  # "BTC"
    quote: str  # "USD"


@dataclass(frozen=True)
class ErrorRule:
    error_class: str
    token: str | None
    token_prefix: str | None
    message_prefix: str | None
    status: int | None
    description: str


@dataclass(frozen=True)
class MoneyUnit:
    """Which currency's divisor a money parameter uses."""

    kind: Literal["fixed", "quote", "param"]
    currency: str | None = None  # kind == "fixed"
    param: str | None = None  # kind == "param": the wire name of the currency parameter
    default: str | None = None  # kind == "param": the currency when that parameter is left out


@dataclass(frozen=True)
class Param:
    wire: str
    python: str
    type: str  # one of PARAM_TYPES
    location: ParamLocation
    required: bool
    description: str
    line: int
    values: tuple[str, ...] = ()  # enum
    unit: MoneyUnit | None = None  # money
    encoding: MoneyEncoding | None = None  # money
    minimum: str | None = None  # money (decimal string) or integer
    maximum: str | None = None


@dataclass(frozen=True)
class TypeRef:
    """A response type: a scalar, a model, or a list/map of one."""

    kind: Literal["scalar", "model", "list", "map"]
    name: str = ""  # scalar or model name
    item: TypeRef | None = None

    def __str__(self) -> str:
        if self.kind in ("list", "map"):
            return f"{self.kind}[{self.item}]"
        return self.name

    def models(self) -> tuple[str, ...]:
        if self.kind == "model":
            return (self.name,)
        return self.item.models() if self.item else ()


@dataclass(frozen=True)
class Field:
    wire: str
    python: str
    type: TypeRef
    optional: bool
    description: str
    line: int


@dataclass(frozen=True)
class Model:
    name: str
    description: str
    fields: tuple[Field, ...]
    line: int


@dataclass(frozen=True)
class Endpoint:
    version: Version
    path: str  # relative to the version prefix, with {placeholders}
    name: str  # the Python method name
    http_method: HttpMethod
    auth: str
    idempotent: bool
    description: str
    params: tuple[Param, ...]
    returns: TypeRef
    response_format: ResponseFormat
    aliases: tuple[str, ...]
    knowledge: Knowledge
    sandbox: SandboxMode
    rights: tuple[str, ...]
    note: str
    line: int

    @property
    def key(self) -> str:
        """Unique across the catalogue: `v2.order_add`."""
        return f"{self.version.key}.{self.name}"

    @property
    def signed(self) -> bool:
        return self.auth != "none"

    @property
    def cacheable(self) -> bool:
        """Public, idempotent GETs: the 10-second cache applies to them (not to a call minting an address)."""
        return not self.signed and self.http_method == "GET" and self.idempotent

    @property
    def path_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "path")

    @property
    def wire_params(self) -> tuple[Param, ...]:
        """The parameters sent in the query or body (the stream checker compares its calls' with them)."""
        return tuple(p for p in self.params if p.location != "path")


@dataclass(frozen=True)
class Api:
    name: str
    package: str
    base_url: str
    user_agent: str
    description: str
    #: Why base_url no longer serves the API (`api.defunct`), or None while it does: generated
    #: clients then refuse every call that was not given a base URL of its own.
    defunct: str | None = None


@dataclass(frozen=True)
class Catalogue:
    path: str
    source_hash: str  # sha256 of the catalogue file's bytes
    api: Api
    auth_styles: dict[str, AuthStyle]
    tonce_window_seconds: int
    versions: dict[str, Version]
    currencies: dict[str, Currency]
    pairs: dict[str, Pair]
    error_rules: tuple[ErrorRule, ...]
    models: dict[str, Model]
    endpoints: tuple[Endpoint, ...] = field(default=())
    #: The Streaming API, when the catalogue has a `stream:` section.
    stream: Stream | None = None

    def endpoints_of(self, version_key: str) -> tuple[Endpoint, ...]:
        return tuple(e for e in self.endpoints if e.version.key == version_key)

    def endpoint(self, key: str) -> Endpoint:
        for e in self.endpoints:
            if e.key == key:
                return e
        raise KeyError(key)


# -- the Streaming API ---------------------------------------------------------------------------

StreamChannelKind = Literal["ticker", "depth", "trade", "lag"]
StreamTransportName = Literal["websocket", "socketio", "pubnub"]


@dataclass(frozen=True)
class StreamChannel:
    """A public channel: `depth.BTCUSD` with its uuid. `currency` is None for trade.BTC and trade.lag."""

    name: str
    id: str
    kind: StreamChannelKind
    item: str
    currency: str | None
    line: int = 0


@dataclass(frozen=True)
class SocketIoTransport:
    """Socket.IO protocol revision 1: handshake at `path`, data in `namespace`."""

    path: str  # "/socket.io/1"
    namespace: str  # "/mtgox"
    heartbeat_timeout_s: int
    close_timeout_s: int
    session_expiry_s: int


@dataclass(frozen=True)
class PubNubTransport:
    """PubNub's subscribe long-poll (`GET {path}/{subscribe_key}/{channels}/0/{timetoken}`), the
    public channels named by their ids; the account's channel, its auth and cipher from the HTTP
    endpoint `private_endpoint`. An idle long-poll is answered empty after `timeout_s`."""

    subscribe_key: str
    path: str  # "/subscribe"
    timeout_s: int
    private_endpoint: Endpoint | None


@dataclass(frozen=True)
class StreamTransports:
    default: StreamTransportName
    websocket_paths: tuple[str, ...]  # ("/mtgox", "/mtgox/", "/")
    socketio: SocketIoTransport
    pubnub: PubNubTransport | None = None


@dataclass(frozen=True)
class StreamShape:
    """One shape of a message: the generated message class and the catalogue model that reads it."""

    cls: str
    model: str
    description: str
    line: int


@dataclass(frozen=True)
class StreamMessage:
    """A message the server pushes.

    op "private": channel data whose payload sits under the key `kind` (`ticker`, `depth`, ...);
    any other op (`subscribe`, `result`, `remark`, ...): the whole message, and `kind == op`.
    `shapes` are tried in order; the first whose model reads the payload names the class.
    """

    kind: str
    op: str
    shapes: tuple[StreamShape, ...]
    description: str
    line: int

    @property
    def model(self) -> str:
        return self.shapes[0].model


@dataclass(frozen=True)
class StreamCall:
    """A signed call over the stream (`{"op": "call", ...}`).

    A parameter of type pair travels as the call's `item` and `currency`, not in `params`.
    `endpoint` is the HTTP endpoint with the same parameters, rights and answer.
    """

    name: str  # "order/add"
    python: str  # "order_add"
    aliases: tuple[str, ...]  # "{pair}/order/add", "/order/add"
    params: tuple[Param, ...]
    returns: TypeRef
    rights: tuple[str, ...]
    endpoint: Endpoint | None
    description: str
    line: int

    @property
    def pair_param(self) -> Param | None:
        return next((p for p in self.params if p.type == "pair"), None)

    @property
    def wire_params(self) -> tuple[Param, ...]:
        """The parameters sent in the call's `params` object."""
        return tuple(p for p in self.params if p.type != "pair")


@dataclass(frozen=True)
class Stream:
    channels: tuple[StreamChannel, ...]
    envelope: str  # the model of the fields every channel message carries
    messages: tuple[StreamMessage, ...]
    calls: tuple[StreamCall, ...]
    transports: StreamTransports
    default_currency: str
    idkey_lifetime_s: int
    #: Codes that appear in channel names but not in `currencies` (their divisor is unknown).
    channel_only_currencies: tuple[str, ...] = ()

    def channel(self, name_or_id: str) -> StreamChannel:
        for ch in self.channels:
            if name_or_id in (ch.name, ch.id):
                return ch
        raise KeyError(name_or_id)

    def message(self, kind: str) -> StreamMessage:
        for msg in self.messages:
            if msg.kind == kind:
                return msg
        raise KeyError(kind)

    def resolve_call(self, path: str, pairs: Iterable[str] = ()) -> tuple[StreamCall, str | None] | None:
        """The call a wire path names (its name or an alias), and the pair code an alias carried.

        `BTCUSD/order/add` -> (order/add, "BTCUSD") when BTCUSD is in `pairs`.
        """
        known = set(pairs)
        for call in self.calls:
            if path == call.name:
                return call, None
            for alias in call.aliases:
                if "{pair}" not in alias:
                    if path == alias:
                        return call, None
                    continue
                head, _, tail = alias.partition("{pair}")
                if path.startswith(head) and path.endswith(tail):
                    code = path[len(head) : len(path) - len(tail)]
                    if code in known:
                        return call, code
        return None
