"""Bases of the generated clients: configuration, credentials, the HTTP client, closing.

Decisions:
- Credentials: `key`/`secret`, else `MTGOX_API_KEY`/`MTGOX_API_SECRET`. A key must be a UUID
  and a secret base64 of exactly 64 bytes; one without the other is a ConfigurationError. A
  client without credentials makes public calls; a signed call then raises ConfigurationError
  before anything is sent (nothing reached the server, so it is not an APIError).
- Base URL: `base_url`, else `MTGOX_BASE_URL`, else the catalogue's. https only, or http on a
  loopback host (127.0.0.0/8, ::1, localhost) unless `allow_insecure_http=True`.
- TLS verification is always on; `verify` may name a CA bundle file or directory.
- Timeouts: 30 s per attempt, connecting capped at 5 s; a call's `timeout=` overrides it.
- Retries: 2 (see `_flow.py` for which failures are retried); `max_retries=0` disables them.
- Rate limit: burst 10, then 1 request a second (see `_ratelimit.py`); `rate_limit=None` disables it.
- Nonces: a file per key under `$XDG_CACHE_HOME/mtgox-sdk/nonces` (or `~/.cache/...`), shared
  by every process of the user; `nonce_store="memory"` keeps them in the process.
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
from ._errors import ConfigurationError
from ._flow import TransportConfig
from ._logging import setup_from_env
from ._nonce import HAVE_FLOCK, MemoryNonceStore, NonceStore, shared_file_store
from ._ratelimit import RateLimit
from ._spec import CatalogueInfo
from ._transport import AsyncTransport, SyncTransport

HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)

#: The default rate limit: settings only, each client builds its own bucket from it.
DEFAULT_RATE_LIMIT = RateLimit()

#: `nonce_store="memory"`: one store for the whole process, so clients sharing a key agree.
PROCESS_NONCES = MemoryNonceStore()


def _nonce_store(value: object, distribution: str) -> NonceStore:
    if value is None:
        if not HAVE_FLOCK:  # pragma: no cover - Windows
            return PROCESS_NONCES
        return shared_file_store(_config.default_nonce_dir(distribution))
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


class _ClientBase:
    _catalogue: ClassVar[CatalogueInfo]
    _transport: SyncTransport | AsyncTransport

    @staticmethod
    def _load_stream_spec() -> Any:
        """The stream's `StreamSpec` (facts, parser, endpoints, calls): the generated client
        returns its package's, importing them on first use so `import mtgox` stays light."""
        return None

    def _open_stream(self, driver: str, spec: Any, allow_insecure_http: bool, settings: dict[str, Any]) -> Any:
        # Imported by name and typed Any here: a clone's vendored runtime has no stream package,
        # and the generated client's `stream()` declares the precise type.
        try:
            module = importlib.import_module(f"{__package__}.stream")
        except ImportError:
            raise ConfigurationError("this package has no stream client") from None
        session = module.make_session(
            self._transport, spec or self._load_stream_spec(), allow_insecure_http=allow_insecure_http, **settings
        )
        return getattr(module, driver)(self._transport, session)

    base_url: str = "<not configured>"
    _credentials: Credentials | None = None

    def _configure(
        self,
        key: str | None,
        secret: Redacted | None,
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
        client_headers: httpx.Headers | None,
    ) -> TransportConfig:
        catalogue = getattr(type(self), "_catalogue", None)
        if not isinstance(catalogue, CatalogueInfo):
            raise ConfigurationError(f"{type(self).__name__} has no _catalogue: use a generated client class")
        setup_from_env(catalogue.env_prefix)
        credentials = _credentials(key, secret, catalogue.env_prefix)
        secret = None
        url = (
            base_url
            if base_url is not None
            else (_config.env(f"{catalogue.env_prefix}_BASE_URL") or catalogue.base_url)
        )
        self.base_url = _config.check_base_url(url, allow_insecure_http=allow_insecure_http)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries must be an int of at least 0, not {max_retries!r}")
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise ConfigurationError(f"rate_limit must be a RateLimit or None, not {type(rate_limit).__name__}")
        if cache_ttl is not None and (
            isinstance(cache_ttl, bool) or not isinstance(cache_ttl, int | float) or not cache_ttl > 0
        ):
            raise ConfigurationError(f"cache_ttl must be a positive number of seconds or None, not {cache_ttl!r}")
        # An injected client's own headers (a proxy token, say) are kept, except those the SDK sets.
        inherited = {}
        if client_headers is not None:
            inherited = {k: v for k, v in client_headers.items() if k.lower() not in _config.SDK_HEADERS}
        headers = _config.base_headers(
            _config.user_agent(catalogue.user_agent, catalogue.distribution), {**inherited, **(default_headers or {})}
        )
        self._credentials = credentials
        return TransportConfig(
            catalogue=catalogue,
            base_url=self.base_url,
            credentials=credentials,
            nonce_store=_nonce_store(nonce_store, catalogue.distribution),
            use_tonce=bool(use_tonce),
            max_retries=max_retries,
            timeout=_config.make_timeout(timeout),
            headers=headers,
            rate_limit=rate_limit,
            cache_ttl=cache_ttl,
        )

    def _connect(
        self,
        key: str | None,
        boxed: Redacted | None,
        http_client: HttpClient | None,
        client_class: type[HttpClient],
        verify: bool | str,
        **options: Any,
    ) -> tuple[TransportConfig, HttpClient, bool]:
        """Validate the options; return the transport config, the HTTP client, and whether the SDK owns it."""
        if http_client is not None and not isinstance(http_client, client_class):
            raise ConfigurationError(
                f"http_client must be an httpx.{client_class.__name__}, not {type(http_client).__name__}"
            )
        if http_client is not None and verify is not True:
            raise ConfigurationError(
                "verify= configures the SDK's own HTTP client; set TLS options on http_client instead"
            )
        config = self._configure(
            key, boxed, client_headers=http_client.headers if http_client is not None else None, **options
        )
        if http_client is not None:
            return config, http_client, False
        own = client_class(
            verify=_config.ssl_context(verify), timeout=config.timeout, headers=config.headers, follow_redirects=False
        )
        return config, own, True

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

    _transport: SyncTransport

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
    ) -> None:
        boxed = None if secret is None else Redacted(secret)
        del secret  # from here on only the redacted box holds it, so no frame's locals show it
        config, client, owns = self._connect(
            key,
            boxed,
            http_client,
            httpx.Client,
            verify,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            nonce_store=nonce_store,
            use_tonce=use_tonce,
            rate_limit=rate_limit,
            cache_ttl=cache_ttl,
            allow_insecure_http=allow_insecure_http,
            default_headers=default_headers,
        )
        boxed = None
        self._transport = SyncTransport(config, client, owns_client=owns)

    def stream(self, *, spec: Any = None, allow_insecure_http: bool = False, **settings: Any) -> Any:
        """A connection to the streaming API (a `Stream`), opened by `with`: `for msg in stream: ...`.

        Settings are `StreamSettings` fields: `transport="websocket"|"socketio"`, `currency=`,
        `channels=`, `stream_url=` (default: the API's host, `ws://H:P/mtgox`), `silence_timeout=`,
        `backoff_base=`, `backoff_cap=`, `max_reconnects=`, `call_timeout=`... Needs the
        `stream` extra (`pip install 'mtgox-sdk[stream]'`).
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

    _transport: AsyncTransport

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
    ) -> None:
        boxed = None if secret is None else Redacted(secret)
        del secret  # from here on only the redacted box holds it, so no frame's locals show it
        config, client, owns = self._connect(
            key,
            boxed,
            http_client,
            httpx.AsyncClient,
            verify,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            nonce_store=nonce_store,
            use_tonce=use_tonce,
            rate_limit=rate_limit,
            cache_ttl=cache_ttl,
            allow_insecure_http=allow_insecure_http,
            default_headers=default_headers,
        )
        boxed = None
        self._transport = AsyncTransport(config, client, owns_client=owns)

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
