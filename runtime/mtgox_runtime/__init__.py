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
    _body.py       bodies read under a size cap; the sync driver's overall deadline
    _pages.py      iter_pages, aiter_pages: paged answers without a hand-written loop

The public classes carry a public `__module__` (`mtgox_runtime.APIError`; a generated package
re-homes them to its own name with `rehome`), so tracebacks and reprs show names users import.
"""

from collections.abc import Iterable

from ._auth import pack_call, sign, unpack_call
from ._client import AsyncClientBase, SyncClientBase
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    InsufficientFundsError,
    InvalidRequestError,
    InvalidResponseError,
    MtGoxError,
    NonceError,
    NonceStoreError,
    NotFoundError,
    OrderNotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseEncodingError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
)
from ._models import Model, Money
from ._namespace import AsyncNamespace, SyncNamespace
from ._nonce import FileNonceStore, MemoryNonceStore, NonceStore
from ._pages import Page, aiter_pages, iter_pages
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
    "ClientClosedError",
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
    "NonceStoreError",
    "NotFoundError",
    "OrderNotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitedError",
    "RawResponse",
    "ResponseEncodingError",
    "ResponseTooLargeError",
    "ServerError",
    "SyncClientBase",
    "SyncNamespace",
    "SyncTransport",
    "TransportError",
    "VersionInfo",
    "aiter_pages",
    "async_raw",
    "iter_pages",
    "pack_call",
    "rehome",
    "sign",
    "sync_raw",
    "unpack_call",
]


def rehome(module: str, objects: Iterable[object]) -> None:
    """Give the runtime's classes among `objects` the `__module__` they are imported from.

    `mtgox.APIError` then shows as such in tracebacks and reprs, not as
    `mtgox_runtime._errors.APIError`; pickle finds them there too, since `module` exports them.
    """
    for obj in objects:
        if isinstance(obj, type) and obj.__module__.startswith(__name__):
            obj.__module__ = module


rehome(__name__, [globals()[name] for name in __all__])
