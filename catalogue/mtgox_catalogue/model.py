"""The catalogue as typed, validated, immutable data.

`mtgox_catalogue.load_catalogue(path)` builds a `Catalogue` from `endpoints.yaml`; everything
downstream (the Python views and templates, the sandbox, tests) reads this model and never the
YAML. Nothing here knows about Python code generation: see `mtgox_codegen.pyview` for that.
"""

from __future__ import annotations

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

    def endpoints_of(self, version_key: str) -> tuple[Endpoint, ...]:
        return tuple(e for e in self.endpoints if e.version.key == version_key)

    def endpoint(self, key: str) -> Endpoint:
        for e in self.endpoints:
            if e.key == key:
                return e
        raise KeyError(key)
