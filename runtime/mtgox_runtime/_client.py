"""Bases of the generated clients: configuration, credentials, the HTTP client, closing.

Decisions:
- Credentials: `key`/`secret`, else `MTGOX_API_KEY`/`MTGOX_API_SECRET`. A key must be a UUID
  and a secret base64 of exactly 64 bytes; one without the other is a ConfigurationError. A
  client without credentials makes public calls; a signed call then raises ConfigurationError
  before anything is sent (nothing reached the server, so it is not an APIError).
- Base URL: `base_url`, else `MTGOX_BASE_URL`, else the catalogue's. https only, or http on a
  loopback host (a literal 127.0.0.0/8 or ::1 address, or exactly `localhost`) unless
  `allow_insecure_http=True`. When the catalogue marks its API defunct (Mt. Gox closed in 2014),
  its base URL is only a name someone else may own now: without an explicit base URL every call,
  signed or public, refuses before sending, saying how to start the sandbox. Public calls too,
  because whatever answers there is not the API: a bot trading on its "ticker" is trading on
  numbers chosen by a stranger, and refusing costs nothing since no real answer exists.
- TLS verification is always on; `verify` may name a CA bundle file or directory.
- Timeouts: 30 s per attempt, connecting capped at 5 s; a call's `timeout=` overrides it.
- Retries: 2 (see `_retry_policy.py` for which failures are retried); `max_retries=0` disables them.
- Rate limit: burst 10, then 1 request a second (see `_ratelimit.py`); `rate_limit=None` disables it.
  The default is off for a loopback base URL: the limit keeps a program under Mt. Gox's anti-DDoS
  ban, which a local sandbox does not have, and a test suite against it should not crawl at one
  call a second (15 tickers took 5 s). An explicit `rate_limit=RateLimit(...)` applies everywhere.
- Response size: a decoded body past `max_response_bytes` (64 MiB) raises ResponseTooLargeError.
- `with_options(...)`: a copy with other settings sharing the HTTP connection pool.
- Nonces: a file per key under `$XDG_CACHE_HOME/mtgox-sdk/nonces` (or `~/.cache/...`), shared
  by every process of the user; `nonce_store="memory"` keeps them in the process. Without
  `nonce_store=`, MTGOX_NONCE_STORE (`memory` or a directory) chooses: a test session points it
  at its temporary directory, so the throwaway keys of its sandbox leave no file behind in the
  user's cache while the session's processes still share their nonces.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import httpx

from . import _config
from ._auth import Credentials, Redacted
from ._body import DEFAULT_MAX_RESPONSE_BYTES
from ._call_flow import CallSettings
from ._catalogue_info import CatalogueInfo
from ._drivers import AsyncCallDriver, SyncCallDriver
from ._errors import ConfigurationError
from ._logging import setup_from_env
from ._nonce import HAVE_FLOCK, MemoryNonceStore, NonceStore, shared_file_store
from ._ratelimit import RateLimit

HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)

#: The default rate limit: settings only, each client builds its own bucket from it. Passed
#: implicitly it is dropped for a loopback base URL; passed explicitly it always applies.
DEFAULT_RATE_LIMIT = RateLimit()

#: `nonce_store="memory"`: one store for the whole process, so clients sharing a key agree.
PROCESS_NONCES = MemoryNonceStore()

#: What `with_options()` may change: everything but the credentials and the HTTP client itself.
COPYABLE_OPTIONS = frozenset(
    {
        "base_url",
        "timeout",
        "max_retries",
        "nonce_store",
        "use_tonce",
        "rate_limit",
        "cache_ttl",
        "allow_insecure_http",
        "default_headers",
        "max_response_bytes",
    }
)


def _nonce_store(value: object, catalogue: CatalogueInfo) -> NonceStore:
    if value is None:
        value = _config.env(f"{catalogue.env_prefix}_NONCE_STORE")
    if value is None:
        if not HAVE_FLOCK:  # pragma: no cover - Windows
            return PROCESS_NONCES
        return shared_file_store(_config.default_nonce_dir(catalogue.distribution))
    if isinstance(value, str) and value == "memory":
        return PROCESS_NONCES
    if isinstance(value, str | os.PathLike):
        if isinstance(value, str) and not value.strip():
            raise ConfigurationError("nonce_store must be 'memory', a directory, a NonceStore or None")
        return shared_file_store(value)
    if isinstance(value, NonceStore):
        return value
    raise ConfigurationError(
        f"nonce_store must be 'memory', a directory, a NonceStore or None, not {type(value).__name__}"
    )


def _credentials(key: str | None, secret: Redacted | None, env_prefix: str) -> Credentials | None:
    env_key, env_secret = f"{env_prefix}_API_KEY", f"{env_prefix}_API_SECRET"
    if key is None:
        key = _config.env(env_key)
    if secret is None:
        from_env = _config.env(env_secret)
        secret = Redacted(from_env) if from_env is not None else None
        from_env = None
    if key is None and secret is None:
        return None
    if key is None:
        raise ConfigurationError(f"an API secret was given without its key: pass key= or set {env_key}")
    if secret is None:
        raise ConfigurationError(f"an API key was given without its secret: pass secret= or set {env_secret}")
    return Credentials(key, secret)


def _defunct_refusal(catalogue: CatalogueInfo) -> str:
    start = f"run `{catalogue.sandbox_command}` and " if catalogue.sandbox_command else ""
    return (
        f"no base_url was given, and the catalogue's default {catalogue.base_url} is defunct "
        f"({catalogue.defunct}): whoever holds that name now would receive the calls. Pass base_url= "
        f"or set {catalogue.env_prefix}_BASE_URL; for a local sandbox, {start}use the base "
        "URL it prints (http://127.0.0.1:PORT/api)"
    )


class _ClientBase:
    _catalogue: ClassVar[CatalogueInfo]
    _transport: SyncCallDriver | AsyncCallDriver

    @staticmethod
    def _load_stream_spec() -> Any:
        """The stream's `StreamSpec` (facts, parser, endpoints, calls): the generated client
        returns its package's, importing them on first use so `import mtgox` stays light."""
        return None

    def _open_stream(self, driver: str, spec: Any, allow_insecure_http: bool, settings: dict[str, Any]) -> Any:
        # Imported by name and typed Any here: a clone's vendored runtime has no stream package,
        # and the generated client's `stream()` declares the precise type.
        refusal = self._transport.config.refusal
        if refusal is not None and settings.get("stream_url") is None:
            # The stream's host is the API's: the defunct default would receive the connection.
            raise ConfigurationError(refusal, endpoint="stream")
        try:
            module = importlib.import_module(f"{__package__}.stream")
        except ImportError:
            raise ConfigurationError("this package has no stream client") from None
        session = module.make_session(
            self._transport, spec or self._load_stream_spec(), allow_insecure_http=allow_insecure_http, **settings
        )
        if session.settings.transport == "pubnub":  # long-polls instead of a socket
            driver = f"{driver[:-6]}PubNubStream"
        return getattr(module, driver)(self._transport, session)

    base_url: str = "<not configured>"
    _credentials: Credentials | None = None
    #: The constructor's options (never the secret), for `with_options()`.
    _options: dict[str, Any]
    #: An injected HTTP client's own headers, inherited by every copy.
    _client_headers: httpx.Headers | None = None

    def _catalogue_info(self) -> CatalogueInfo:
        catalogue = getattr(type(self), "_catalogue", None)
        if not isinstance(catalogue, CatalogueInfo):
            raise ConfigurationError(f"{type(self).__name__} has no _catalogue: use a generated client class")
        return catalogue

    def _configure(
        self,
        credentials: Credentials | None,
        *,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
        nonce_store: object,
        use_tonce: bool,
        rate_limit: RateLimit | None,
        cache_ttl: float | None,
        allow_insecure_http: bool,
        default_headers: Mapping[str, str] | None,
        max_response_bytes: int,
    ) -> CallSettings:
        catalogue = self._catalogue_info()
        setup_from_env(catalogue.env_prefix)
        explicit_url = base_url if base_url is not None else _config.env(f"{catalogue.env_prefix}_BASE_URL")
        url = explicit_url if explicit_url is not None else catalogue.base_url
        self.base_url = _config.check_base_url(url, allow_insecure_http=allow_insecure_http)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries must be an int of at least 0, not {max_retries!r}")
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise ConfigurationError(f"rate_limit must be a RateLimit or None, not {type(rate_limit).__name__}")
        if rate_limit is DEFAULT_RATE_LIMIT and _config.is_loopback_url_host(httpx.URL(self.base_url).host):
            rate_limit = None  # the limit guards against Mt. Gox's ban; a local sandbox has none
        if cache_ttl is not None and (
            isinstance(cache_ttl, bool) or not isinstance(cache_ttl, int | float) or not cache_ttl > 0
        ):
            raise ConfigurationError(f"cache_ttl must be a positive number of seconds or None, not {cache_ttl!r}")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int) or max_response_bytes < 1:
            raise ConfigurationError(f"max_response_bytes must be a positive int, not {max_response_bytes!r}")
        # An injected client's own headers (a proxy token, say) are kept, except those the SDK sets.
        inherited = {}
        if self._client_headers is not None:
            inherited = {k: v for k, v in self._client_headers.items() if k.lower() not in _config.SDK_HEADERS}
        headers = _config.base_headers(
            _config.user_agent(catalogue.user_agent, catalogue.distribution), {**inherited, **(default_headers or {})}
        )
        self._credentials = credentials
        return CallSettings(
            catalogue=catalogue,
            base_url=self.base_url,
            credentials=credentials,
            nonce_store=_nonce_store(nonce_store, catalogue),
            use_tonce=bool(use_tonce),
            max_retries=max_retries,
            timeout=_config.make_timeout(timeout),
            headers=headers,
            rate_limit=rate_limit,
            cache_ttl=cache_ttl,
            max_response_bytes=max_response_bytes,
            refusal=_defunct_refusal(catalogue) if catalogue.defunct and explicit_url is None else None,
        )

    def _connect(
        self,
        key: str | None,
        boxed: Redacted | None,
        http_client: HttpClient | None,
        client_class: type[HttpClient],
        verify: bool | str,
        options: dict[str, Any],
    ) -> tuple[CallSettings, HttpClient, bool]:
        """Validate the options; return the transport config, the HTTP client, and whether the SDK owns it."""
        if http_client is not None and not isinstance(http_client, client_class):
            raise ConfigurationError(
                f"http_client must be an httpx.{client_class.__name__}, not {type(http_client).__name__}"
            )
        if http_client is not None and verify is not True:
            raise ConfigurationError(
                "verify= configures the SDK's own HTTP client; set TLS options on http_client instead"
            )
        self._client_headers = http_client.headers if http_client is not None else None
        self._options = options
        config = self._configure(_credentials(key, boxed, self._catalogue_info().env_prefix), **options)
        # httpcore (which the deadline backend wraps) is loaded by httpx with its first client only
        from ._deadline import install_deadline

        if http_client is not None:
            if isinstance(http_client, httpx.Client):
                install_deadline(http_client)  # clamps only while an SDK call runs on the thread
            return config, http_client, False
        own = client_class(
            verify=_config.ssl_context(verify), timeout=config.timeout, headers=config.headers, follow_redirects=False
        )
        if isinstance(own, httpx.Client):
            install_deadline(own)
        return config, own, True

    def _copy_config(self, changes: dict[str, Any]) -> tuple[Self, CallSettings]:
        unknown = sorted(set(changes) - COPYABLE_OPTIONS)
        if unknown:
            raise ConfigurationError(
                f"with_options() cannot change {', '.join(unknown)}; it takes {', '.join(sorted(COPYABLE_OPTIONS))}"
            )
        copy = object.__new__(type(self))
        copy._client_headers = self._client_headers
        copy._options = {**self._options, **changes}
        return copy, copy._configure(self._credentials, **copy._options)

    @property
    def key(self) -> str | None:
        """The API key id (a UUID; not secret), or None for a public-only client."""
        return self._credentials.key if self._credentials is not None else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, key={self.key!r})"

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError(f"{type(self).__name__} cannot be pickled (it holds a signing key)")


class SyncClientBase(_ClientBase):
    """Base of the generated sync client."""

    _transport: SyncCallDriver

    def __init__(
        self,
        key: str | None = None,
        secret: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = _config.DEFAULT_TIMEOUT,
        max_retries: int = _config.DEFAULT_MAX_RETRIES,
        nonce_store: NonceStore | str | os.PathLike[str] | None = None,
        use_tonce: bool = False,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        cache_ttl: float | None = None,
        http_client: httpx.Client | None = None,
        verify: bool | str = True,
        allow_insecure_http: bool = False,
        default_headers: Mapping[str, str] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """Build a client; nothing is sent until the first call.

        Args:
            key: The API key (a UUID); default MTGOX_API_KEY. Without key and secret only
                public calls work.
            secret: The API secret (base64 of 64 bytes); default MTGOX_API_SECRET. Kept only
                inside a prepared HMAC, never in an attribute, repr or log line.
            base_url: Where the API lives, e.g. http://127.0.0.1:PORT/api for the sandbox
                (the sandbox prints it); default MTGOX_BASE_URL. https only, or http
                on 127.0.0.0/8, ::1 or localhost. A defunct catalogue default is never used.
            timeout: Seconds one attempt may take in all, headers and body included (connecting
                at most 5 s), or an httpx.Timeout; a call's `timeout=` overrides it. Default 30.
            max_retries: Retries of a failed idempotent call (see the retry rules); default 2.
            nonce_store: None (MTGOX_NONCE_STORE, else a file per key under
                ~/.cache/mtgox-sdk/nonces, shared by every process), "memory" (this process
                only), a directory, or a NonceStore.
            use_tonce: Send `tonce` (the clock in microseconds) instead of an increasing nonce.
            rate_limit: The client-side token bucket; default a burst of 10 then 1 call a
                second, off for a loopback base_url; None turns it off everywhere.
            cache_ttl: Seconds to serve repeated public GETs from memory; default None (off).
            http_client: An httpx client of your own (proxies, mounts); left open on close().
            verify: True, or a CA bundle file or directory for a private CA. TLS verification
                cannot be turned off.
            allow_insecure_http: Allow http:// to a host that is not loopback (the key and
                signed requests then travel unencrypted).
            default_headers: Headers added to every request (never Rest-Key or Rest-Sign).
            max_response_bytes: The largest decoded response body accepted, default 64 MiB;
                past it a call raises ResponseTooLargeError (a decompression bomb, say).
        """
        boxed = None if secret is None else Redacted(secret)
        del secret  # from here on only the redacted box holds it, so no frame's locals show it
        config, client, owns = self._connect(
            key,
            boxed,
            http_client,
            httpx.Client,
            verify,
            {name: value for name, value in locals().items() if name in COPYABLE_OPTIONS},  # the settings
        )
        boxed = None
        self._transport = SyncCallDriver(config, client, owns_client=owns)

    def with_options(self, **changes: Any) -> Self:
        """A copy of this client with some options changed (timeout, max_retries, default_headers, ...).

        The copy shares this client's credentials, HTTP connection pool and, while the limit in
        force is the same, its rate-limit bucket. Closing the copy leaves the pool open; closing this client
        closes it for both.
        """
        copy, config = self._copy_config(changes)
        copy._transport = SyncCallDriver(config, self._transport.http_client, owns_client=False)
        copy._transport.share_state(self._transport)
        return copy

    def stream(self, *, spec: Any = None, allow_insecure_http: bool = False, **settings: Any) -> Any:
        """A connection to the streaming API (a `Stream`), opened by `with`: `for msg in stream: ...`.

        Settings are `StreamSettings` fields: `transport="websocket"|"socketio"|"pubnub"`, `currency=`,
        `channels=`, `stream_url=` (default: the API's host, `ws://H:P/mtgox`; without a base URL
        the defunct default is refused as every call is), `silence_timeout=`, `backoff_base=`,
        `backoff_cap=`, `max_reconnects=`, `call_timeout=`, `open_timeout=` (one deadline for
        opening), `max_message_bytes=` (1 MiB), `compression=None|"deflate"` (off),
        `max_queued=`, `max_queued_bytes=`, `max_book_levels=`. Needs the `stream` extra
        (`pip install 'mtgox-sdk[stream]'`).
        """
        return self._open_stream("Stream", spec, allow_insecure_http, settings)

    def close(self) -> None:
        """Close the HTTP connections (an injected http_client is left open)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClientBase(_ClientBase):
    """Base of the generated async client."""

    _transport: AsyncCallDriver

    def __init__(
        self,
        key: str | None = None,
        secret: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = _config.DEFAULT_TIMEOUT,
        max_retries: int = _config.DEFAULT_MAX_RETRIES,
        nonce_store: NonceStore | str | os.PathLike[str] | None = None,
        use_tonce: bool = False,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        cache_ttl: float | None = None,
        http_client: httpx.AsyncClient | None = None,
        verify: bool | str = True,
        allow_insecure_http: bool = False,
        default_headers: Mapping[str, str] | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        """Build an async client; nothing is sent until the first call.

        Args:
            key: The API key (a UUID); default MTGOX_API_KEY. Without key and secret only
                public calls work.
            secret: The API secret (base64 of 64 bytes); default MTGOX_API_SECRET. Kept only
                inside a prepared HMAC, never in an attribute, repr or log line.
            base_url: Where the API lives, e.g. http://127.0.0.1:PORT/api for the sandbox
                (the sandbox prints it); default MTGOX_BASE_URL. https only, or http
                on 127.0.0.0/8, ::1 or localhost. A defunct catalogue default is never used.
            timeout: Seconds one attempt may take in all, headers and body included (connecting
                at most 5 s), or an httpx.Timeout; a call's `timeout=` overrides it. Default 30.
            max_retries: Retries of a failed idempotent call (see the retry rules); default 2.
            nonce_store: None (MTGOX_NONCE_STORE, else a file per key under
                ~/.cache/mtgox-sdk/nonces, shared by every process), "memory" (this process
                only), a directory, or a NonceStore.
            use_tonce: Send `tonce` (the clock in microseconds) instead of an increasing nonce.
            rate_limit: The client-side token bucket; default a burst of 10 then 1 call a
                second, off for a loopback base_url; None turns it off everywhere.
            cache_ttl: Seconds to serve repeated public GETs from memory; default None (off).
            http_client: An httpx.AsyncClient of your own (proxies, mounts); left open on close().
            verify: True, or a CA bundle file or directory for a private CA. TLS verification
                cannot be turned off.
            allow_insecure_http: Allow http:// to a host that is not loopback (the key and
                signed requests then travel unencrypted).
            default_headers: Headers added to every request (never Rest-Key or Rest-Sign).
            max_response_bytes: The largest decoded response body accepted, default 64 MiB;
                past it a call raises ResponseTooLargeError (a decompression bomb, say).
        """
        boxed = None if secret is None else Redacted(secret)
        del secret  # from here on only the redacted box holds it, so no frame's locals show it
        config, client, owns = self._connect(
            key,
            boxed,
            http_client,
            httpx.AsyncClient,
            verify,
            {name: value for name, value in locals().items() if name in COPYABLE_OPTIONS},  # the settings
        )
        boxed = None
        self._transport = AsyncCallDriver(config, client, owns_client=owns)

    def with_options(self, **changes: Any) -> Self:
        """A copy of this client with some options changed; see `SyncClientBase.with_options`."""
        copy, config = self._copy_config(changes)
        copy._transport = AsyncCallDriver(config, self._transport.http_client, owns_client=False)
        copy._transport.share_state(self._transport)
        return copy

    def stream(self, *, spec: Any = None, allow_insecure_http: bool = False, **settings: Any) -> Any:
        """A connection to the streaming API (an `AsyncStream`), opened by `async with`:
        `async for msg in stream: ...`. The settings are those of `Client.stream`."""
        return self._open_stream("AsyncStream", spec, allow_insecure_http, settings)

    async def aclose(self) -> None:
        """Close the HTTP connections (an injected http_client is left open)."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
