"""What generated code tells the runtime about the API: plain, immutable data.

The generator writes these from `endpoints.yaml` into the generated package's `_catalogue.py`
and `_endpoints.py`; the runtime reads nothing else about the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AuthStyle = Literal["none", "body_hmac", "path_body_hmac"]
Envelope = Literal["plain", "return", "data"]
HttpMethod = Literal["GET", "POST"]
ResponseFormat = Literal["json", "text", "csv"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One catalogued method, as the transport needs it."""

    version: int
    name: str
    http_method: HttpMethod
    auth: AuthStyle
    idempotent: bool
    response_format: ResponseFormat = "json"
    #: Public GETs whose answer may be served from the client-side cache.
    cacheable: bool = False

    @property
    def label(self) -> str:
        return f"v{self.version}.{self.name}"


@dataclass(frozen=True, slots=True)
class CurrencyInfo:
    code: str
    divisor: int
    decimals: int
    display_decimals: int


@dataclass(frozen=True, slots=True)
class VersionInfo:
    number: int
    prefix: str
    envelope: Envelope


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """Maps a server error to an exception class; the first rule that matches wins."""

    error_class: str
    token: str | None = None
    token_prefix: str | None = None
    message_prefix: str | None = None
    status: int | None = None

    def matches(self, *, token: str | None, message: str, status: int | None) -> bool:
        if self.token is not None and token != self.token:
            return False
        if self.token_prefix is not None and not (token or "").startswith(self.token_prefix):
            return False
        if self.message_prefix is not None and not message.startswith(self.message_prefix):
            return False
        return not (self.status is not None and status != self.status)


@dataclass(frozen=True, slots=True)
class CatalogueInfo:
    """API-wide facts from the catalogue."""

    api_name: str
    base_url: str
    user_agent: str
    catalogue_hash: str
    versions: dict[int, VersionInfo]
    currencies: dict[str, CurrencyInfo]
    pairs: dict[str, tuple[str, str]]
    error_rules: tuple[ErrorRule, ...] = field(default=())
    #: Who the generated package is: its environment variables are `{env_prefix}_API_KEY`...,
    #: its installed distribution names the User-Agent's version and the nonce directory.
    env_prefix: str = "MTGOX"
    distribution: str = "mtgox-sdk"
    #: The command that starts a local sandbox for this API, when the package's distribution has
    #: one; None: messages then say only to use the base URL a sandbox prints.
    sandbox_command: str | None = None
    #: Why `base_url` no longer serves the API, or None: clients then need a base URL of their own.
    defunct: str | None = None
