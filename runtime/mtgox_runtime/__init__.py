"""The hand-written runtime under the generated Mt. Gox SDK (depends on httpx only).

Generated methods encode their arguments (`_encode`), then call `transport.call(endpoint,
path, params, parse)`; the transport signs, sends, retries, decodes the version's envelope and
maps errors, and `parse` (a generated `from_wire`) turns the payload into models.

    _client.py     SyncClientBase, AsyncClientBase: settings, credentials, closing
    _namespace.py  SyncNamespace, AsyncNamespace: generated version namespaces, call()
    _transport.py  SyncTransport, AsyncTransport: drivers of the shared flow
    _flow.py       the call flow: build, sign, send, decode, retry (shared by sync and async)
    _auth.py       credentials, Rest-Sign, the packed streaming call format
    _nonce.py      nonce stores and per-key ordering locks
    _envelope.py   v0/v1/v2 envelopes, error mapping
    _ratelimit.py  the client-side token bucket
    _cache.py      the optional cache of public answers
    _raw.py        RawResponse, sync_raw, async_raw
    _config.py     defaults, environment, base URL and TLS rules, User-Agent
    _logging.py    the `mtgox` logger and MTGOX_LOG
    _errors.py     the error tree;  _spec.py  catalogue data;  _encode.py  argument encoders
    _parse.py      JSON converters;  _models.py  Model and Money
"""

from ._auth import pack_call, sign, unpack_call
from ._client import AsyncClientBase, SyncClientBase
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InsufficientFundsError,
    InvalidRequestError,
    InvalidResponseError,
    MtGoxError,
    NonceError,
    OrderNotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from ._models import Model, Money
from ._namespace import AsyncNamespace, SyncNamespace
from ._nonce import FileNonceStore, MemoryNonceStore, NonceStore
from ._ratelimit import RateLimit
from ._raw import RawResponse, async_raw, sync_raw
from ._spec import CatalogueInfo, CurrencyInfo, Endpoint, ErrorRule, VersionInfo
from ._transport import AsyncTransport, SyncTransport

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClientBase",
    "AsyncNamespace",
    "AsyncTransport",
    "AuthenticationError",
    "CatalogueInfo",
    "ConfigurationError",
    "CurrencyInfo",
    "Endpoint",
    "ErrorRule",
    "FileNonceStore",
    "InsufficientFundsError",
    "InvalidRequestError",
    "InvalidResponseError",
    "MemoryNonceStore",
    "Model",
    "Money",
    "MtGoxError",
    "NonceError",
    "NonceStore",
    "OrderNotFoundError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitedError",
    "RawResponse",
    "ServerError",
    "SyncClientBase",
    "SyncNamespace",
    "SyncTransport",
    "TransportError",
    "VersionInfo",
    "async_raw",
    "pack_call",
    "sign",
    "sync_raw",
    "unpack_call",
]
