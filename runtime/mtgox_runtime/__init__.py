"""The hand-written runtime under the generated Mt. Gox SDK (depends on httpx and msgspec).

Generated methods encode their arguments (`_encode`), then call `transport.call(endpoint,
path, params, parse)`; the transport signs, sends, retries, decodes the version's envelope and
maps errors, and `parse` (a generated `Reader`) turns the body into models: in one pass from its
bytes, or through the checked `from_wire` over its decoded JSON.

    _client.py     SyncClientBase, AsyncClientBase: settings, credentials, closing
    _namespace.py  SyncNamespace, AsyncNamespace: generated version namespaces, call()
    _drivers.py    SyncCallDriver, AsyncCallDriver (public aliases SyncTransport, AsyncTransport):
                   send, sleep and lock for the shared call loop, sync or async
    _call_flow.py  the call loop (shared by sync and async), made of:
      _request.py       each attempt's httpx.Request (URL, form, headers)
      _signer.py        Signer: nonce, per-key ordering lock, Rest-Sign per auth style, packed calls
      _answer.py        parsed results, and failures described for the retry policy
      _retry_policy.py  decide(): re-sign, retry after N seconds, or give up (pure)
    _auth.py       credentials, Rest-Sign, the packed streaming call format
    _nonce.py      nonce stores and per-key ordering locks (KeyOrderingLock)
    _envelope.py   v0/v1/v2 envelopes, error mapping
    _ratelimit.py  the client-side token bucket
    _cache.py      the optional cache of public answers
    _raw.py        RawResponse, sync_raw, async_raw
    _config.py     defaults, environment, base URL and TLS rules, User-Agent
    _logging.py    the `mtgox` logger and MTGOX_LOG
    _catalogue_info.py  what the generated code tells the runtime about the API (Endpoint, ...)
    _errors.py     the error tree;  _encode.py  argument encoders
    _read.py       Reader: an answer's body into models in one pass, envelope included
    _wire.py       what each catalogue type is for that one-pass decoder (msgspec)
    _parse.py      JSON converters (the checked path);  _models.py  Model and Money
    _body.py       bodies read under a size cap; the attempt deadline
    _deadline.py   the sync deadline under httpcore (loaded with the first client)
    _pages.py      iter_pages, aiter_pages: paged answers without a hand-written loop

The public classes carry a public `__module__` (`mtgox_runtime.APIError`; a generated package
re-homes them to its own name with `rehome`), so tracebacks and reprs show names users import.
"""

from collections.abc import Iterable

from ._auth import pack_call, sign, unpack_call
from ._catalogue_info import CatalogueInfo, CurrencyInfo, Endpoint, ErrorRule, VersionInfo
from ._client import AsyncClientBase, SyncClientBase
from ._drivers import AsyncTransport, SyncTransport
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
from ._read import Reader

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
    "Reader",
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
