"""The one implementation of a call, shared by the sync and the async transport.

`TransportCore.flow()` is a generator that does everything but I/O and waiting: it builds and
signs each attempt, decodes the answer, maps errors and decides on retries. It yields commands
to a driver (`_transport.py` holds a sync one and an async one, a dozen lines each):

- a `float`: sleep that many seconds (rate limit, backoff);
- `LockRequest`: take the per-key ordering lock; the driver releases it as soon as the next
  request has been answered (or failed), so the server sees one process's nonces in order;
- an `httpx.Request`: send it; the driver sends back the `httpx.Response` (body read) or the
  `httpx.HTTPError` it raised.

The generator returns the parsed result or raises a `MtGoxError`.

Retries. Each attempt is a new request: a fresh nonce and signature for signed calls.
- A nonce rejection (NonceError) is re-signed and resent at once, for any endpoint, since the
  server refused the request before acting on it; at most `NONCE_RETRIES` times.
- Otherwise up to `max_retries` retries, with exponential backoff and full jitter (0.5 s base,
  doubling, capped at 8 s) or the server's Retry-After when it gives one (up to 60 s; a longer
  wait is raised as a RateLimitedError with `retry_after` instead):
  - for every endpoint when the request surely never reached the server (could not connect,
    connect or pool timeout);
  - for idempotent endpoints also on read/write timeouts, broken connections, 5xx errors,
    429 and "Too many orders placed", and transient non-JSON answers (HTML error pages,
    `MySQL error, please retry later`, empty or truncated bodies).
"""

from __future__ import annotations

import gc
import logging
import random
import re
import time
from collections.abc import Callable, Generator, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote_plus

import httpx

from . import _envelope
from ._auth import Credentials
from ._cache import ResponseCache
from ._config import make_timeout
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    InvalidRequestError,
    InvalidResponseError,
    MtGoxError,
    NonceError,
    RateLimitedError,
    ServerError,
)
from ._logging import body_for_log, logger
from ._nonce import TONCES, FileNonceStore, KeyOrder, NonceStore
from ._parse import ShapeError
from ._ratelimit import RateLimit, TokenBucket
from ._raw import CAPTURE
from ._spec import CatalogueInfo, Endpoint, Envelope

T = TypeVar("T")

FORM = "application/x-www-form-urlencoded"
NONCE_RETRIES = 5
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0

_PLAIN = re.compile(r"[A-Za-z0-9_.\-~]*").fullmatch
_ROOTS: dict[Envelope, str] = {"plain": "response", "return": "return", "data": "data"}
_URL_CACHE_MAX = 1024
#: Bodies larger than this are decoded with the garbage collector paused: building tens of
#: thousands of small model objects otherwise triggers repeated collections (~8% of a full depth).
GC_PAUSE_BYTES = 1 << 20


@contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def form_encode(params: Sequence[tuple[str, str]]) -> str:
    """`urllib.parse.urlencode` for str pairs, with a fast path for plain values."""
    if not params:
        return ""
    return "&".join([f"{k if _PLAIN(k) else quote_plus(k)}={v if _PLAIN(v) else quote_plus(v)}" for k, v in params])


class LockRequest:
    """A command to the driver: hold `order` (the key's ordering lock) until the next answer."""

    __slots__ = ("order",)

    def __init__(self, order: KeyOrder) -> None:
        self.order = order


Command = float | LockRequest | httpx.Request
Outcome = httpx.Response | httpx.HTTPError | None


@dataclass(frozen=True)
class TransportConfig:
    """Everything a transport needs, validated by the client."""

    catalogue: CatalogueInfo
    base_url: str
    credentials: Credentials | None
    nonce_store: NonceStore
    use_tonce: bool
    max_retries: int
    timeout: httpx.Timeout
    headers: dict[str, str]
    rate_limit: RateLimit | None
    cache_ttl: float | None


class _Version:
    __slots__ = ("envelope", "root", "url")

    def __init__(self, url: str, envelope: Envelope) -> None:
        self.url = url
        self.envelope = envelope
        self.root = _ROOTS[envelope]


def _full_jitter(limit: float) -> float:
    return random.uniform(0.0, limit)


def backoff_limit(retry_index: int) -> float:
    """The upper bound of the `retry_index`-th backoff (0-based): 0.5, 1, 2, 4, 8, 8, ..."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2.0 ** min(retry_index, 16)))


def _transport_failure(exc: httpx.HTTPError) -> tuple[type[MtGoxError], str, bool, bool]:
    """(error class, message, surely not sent, a retry may cure it) for an httpx exception."""
    name = type(exc).__name__
    detail = str(exc) or name
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return APITimeoutError, f"timed out before the request was sent ({name}: {detail})", True, True
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError, f"no answer in time ({name}: {detail})", False, True
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError, f"could not connect ({name}: {detail})", True, True
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return APIConnectionError, f"the connection failed ({name}: {detail})", False, True
    if isinstance(exc, httpx.DecodingError):
        return InvalidResponseError, f"the response body could not be decoded ({name}: {detail})", False, False
    return APIConnectionError, f"the request failed ({name}: {detail})", False, False


class TransportCore:
    """State shared by the calls of one client, and the call flow itself."""

    #: How many times a nonce rejection is re-signed and resent.
    NONCE_RETRIES = NONCE_RETRIES

    def __init__(self, config: TransportConfig) -> None:
        self.config = config
        catalogue = config.catalogue
        base = config.base_url.rstrip("/") + "/"
        self._versions = {n: _Version(base + v.prefix, v.envelope) for n, v in catalogue.versions.items()}
        self._rules = _envelope.rule_table(catalogue.error_rules)
        self._env_prefix = catalogue.env_prefix
        self._credentials = config.credentials
        self._nonces = config.nonce_store
        self._use_tonce = config.use_tonce
        self._nonce_field = "tonce=" if config.use_tonce else "nonce="
        self.max_retries = config.max_retries
        self._timeout = config.timeout.as_dict()
        self._headers = dict(config.headers)
        creds = config.credentials
        self._lock_request: LockRequest | None = None
        self._signed_raw: list[tuple[bytes, bytes]] = []
        if creds is not None:
            signed_headers = {**self._headers, "Rest-Key": creds.key, "Content-Type": FORM}
            # Encoded once: httpx normalising a header dict twice per request was 3/4 of building one.
            self._signed_raw = [(b"Host", httpx.URL(base).netloc)] + [
                (k.encode("ascii"), v.encode("ascii")) for k, v in signed_headers.items()
            ]
            if not config.use_tonce:
                store = config.nonce_store
                self._lock_request = LockRequest(
                    KeyOrder(creds.key, store if isinstance(store, FileNonceStore) else None)
                )
        self._form_headers = {**self._headers, "Content-Type": FORM}
        self._bucket: TokenBucket | None = config.rate_limit.bucket() if config.rate_limit is not None else None
        self._cache = ResponseCache(config.cache_ttl) if config.cache_ttl is not None else None
        self._urls: dict[str, httpx.URL] = {}
        #: Draws the backoff delay from [0, limit]; tests replace it.
        self.jitter: Callable[[float], float] = _full_jitter

    @property
    def error_rules(self) -> _envelope.RuleTable:
        """The catalogue's error rules, resolved (the stream maps a `remark` with them too)."""
        return self._rules

    @property
    def key_order(self) -> KeyOrder | None:
        """The key's ordering lock (None without credentials or with tonces): the stream's
        signed calls hold it like HTTP calls do, so one key's nonces reach the server in order."""
        return self._lock_request.order if self._lock_request is not None else None

    @property
    def rate_limiter(self) -> TokenBucket | None:
        return self._bucket

    @property
    def cache(self) -> ResponseCache | None:
        return self._cache

    def _url(self, text: str) -> httpx.URL:
        url = self._urls.get(text)
        if url is None:
            try:
                url = httpx.URL(text)
            except (httpx.InvalidURL, UnicodeEncodeError) as exc:
                raise InvalidRequestError(f"cannot build a URL from {text!r}; it cannot be sent: {exc}") from None
            if len(self._urls) >= _URL_CACHE_MAX:
                self._urls.clear()
            self._urls[text] = url
        return url

    def _timeout_for(self, timeout: float | httpx.Timeout | None) -> dict[str, float | None]:
        if timeout is None:
            return self._timeout
        try:
            return make_timeout(timeout).as_dict()
        except ConfigurationError as exc:
            raise InvalidRequestError(exc.message, param="timeout") from None

    @staticmethod
    def _parse(parse: Callable[[Any], T], payload: Any, endpoint: Endpoint, root: str, response: httpx.Response) -> T:
        try:
            return parse(payload)
        except ShapeError as exc:
            raise InvalidResponseError(
                f"{root}{exc.location}: {exc.message}",
                endpoint=endpoint.label,
                status=response.status_code,
                body=response.content,
            ) from None
        except MtGoxError:
            raise
        except Exception as exc:
            raise InvalidResponseError(
                f"the answer could not be parsed ({type(exc).__name__}: {exc})",
                endpoint=endpoint.label,
                status=response.status_code,
                body=response.content,
            ) from exc

    def flow(
        self,
        endpoint: Endpoint,
        path: str,
        params: Sequence[tuple[str, str]],
        parse: Callable[[Any], T],
        timeout: float | httpx.Timeout | None,
    ) -> Generator[Command, Outcome, T]:
        version = self._versions.get(endpoint.version)
        if version is None:
            raise InvalidRequestError(f"the catalogue has no API version {endpoint.version}", endpoint=endpoint.label)
        signed = endpoint.auth != "none"
        creds = self._credentials
        if signed and creds is None:
            raise ConfigurationError(
                f"{endpoint.label} needs an API key: pass key= and secret= to the client, or set "
                f"{self._env_prefix}_API_KEY and {self._env_prefix}_API_SECRET",
                endpoint=endpoint.label,
            )
        capture = CAPTURE.get()
        extensions = {"timeout": self._timeout_for(timeout)}
        url_text = version.url + path
        envelope = version.envelope

        cache = self._cache
        cache_key: Hashable = None
        if cache is not None and endpoint.cacheable:  # cacheable: public, idempotent GETs
            cache_key = (endpoint.http_method, url_text, tuple(params))
            hit = cache.get(cache_key)
            if hit is not None:
                result = self._parse(
                    parse, _envelope.decode(hit, endpoint, envelope, self._rules), endpoint, version.root, hit
                )
                if capture is not None:
                    capture.response = hit
                    capture.attempts = 0
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("%s %s served from the client-side cache", endpoint.http_method, url_text)
                return result

        try:
            form = form_encode(params)
            path_bytes = path.encode("utf-8") if endpoint.auth == "path_body_hmac" else None
        except UnicodeEncodeError:
            raise InvalidRequestError(
                "the path or a parameter holds characters that cannot be sent (lone surrogates)",
                endpoint=endpoint.label,
            ) from None
        request: httpx.Request | None = None
        if signed:
            assert creds is not None
            body_prefix = (form + "&" + self._nonce_field) if form else self._nonce_field
            http_url = self._url(url_text)
            nonces = TONCES if self._use_tonce else self._nonces
            lock_request = self._lock_request
            key = creds.key
            sign = creds.sign
            sign_path_body = creds.sign_path_body
        else:
            if endpoint.http_method == "POST":
                request = httpx.Request(
                    "POST",
                    self._url(url_text),
                    content=form.encode("ascii"),
                    headers=self._form_headers,
                    extensions=extensions,
                )
            else:
                request = httpx.Request(
                    "GET",
                    self._url(url_text + "?" + form if form else url_text),
                    headers=self._headers,
                    extensions=extensions,
                )

        bucket = self._bucket
        attempts = retries = resigns = 0
        while True:
            attempts += 1
            if bucket is not None:
                wait = bucket.reserve()
                if wait > 0.0:
                    yield wait
            if signed:
                if lock_request is not None:
                    yield lock_request
                body = (body_prefix + str(nonces.next_nonce(key))).encode("utf-8")
                signature = sign(body) if path_bytes is None else sign_path_body(path_bytes, body)
                raw_headers = [
                    *self._signed_raw,
                    (b"Rest-Sign", signature.encode("ascii")),
                    (b"Content-Length", b"%d" % len(body)),
                ]
                request = httpx.Request(
                    "POST", http_url, headers=raw_headers, stream=httpx.ByteStream(body), extensions=extensions
                )
                request.read()
            assert request is not None
            started = time.perf_counter()
            outcome = yield request
            elapsed_ms = (time.perf_counter() - started) * 1000.0

            response: httpx.Response | None = None
            error: MtGoxError
            cause: httpx.HTTPError | None = None
            retryable = False
            server_wait: float | None = None
            if isinstance(outcome, httpx.Response):
                response = outcome
                if logger.isEnabledFor(logging.INFO):
                    self._log_exchange(request, response, elapsed_ms, attempts)
                refused: APIError | InvalidResponseError | None = None
                with _gc_paused(len(response.content) > GC_PAUSE_BYTES):
                    try:
                        payload = _envelope.decode(response, endpoint, envelope, self._rules)
                    except (APIError, InvalidResponseError) as exc:
                        refused = exc
                    else:
                        result = self._parse(parse, payload, endpoint, version.root, response)
                if refused is None:
                    if cache_key is not None and cache is not None and response.status_code < 300:
                        cache.put(cache_key, response)
                    if capture is not None:
                        capture.response = response
                        capture.attempts = attempts
                    return result
                error = refused
                if isinstance(error, RateLimitedError):
                    server_wait = error.retry_after
                    retryable = endpoint.idempotent
                elif isinstance(error, ServerError):
                    server_wait = _envelope.retry_after(response.headers)
                    retryable = endpoint.idempotent
                elif isinstance(error, InvalidResponseError):
                    server_wait = _envelope.retry_after(response.headers)
                    retryable = endpoint.idempotent and error.transient
            elif isinstance(outcome, httpx.HTTPError):
                cls, message, surely_not_sent, curable = _transport_failure(outcome)
                retryable = curable and (surely_not_sent or endpoint.idempotent)
                if curable and not retryable:
                    message += (
                        f"; the request may have reached the server, so it is not retried"
                        f" ({endpoint.label} is not idempotent)"
                    )
                error = cls(message, endpoint=endpoint.label)
                cause = outcome
                if logger.isEnabledFor(logging.INFO):
                    logger.info(
                        "%s %s -> %s after %.1f ms (attempt %d)",
                        request.method,
                        request.url,
                        type(outcome).__name__,
                        elapsed_ms,
                        attempts,
                    )
            else:  # pragma: no cover - a driver bug
                raise TypeError(f"the transport driver sent {outcome!r}")

            # Decide: re-sign after a nonce rejection, retry, or raise.
            if isinstance(error, NonceError) and signed and resigns < self.NONCE_RETRIES:
                resigns += 1
                logger.debug(
                    "%s: nonce refused (%s); re-signing with a fresh nonce (%d of %d)",
                    endpoint.label,
                    error.token,
                    resigns,
                    self.NONCE_RETRIES,
                )
                continue
            # A server asking for a long pause gets it: the error (with retry_after) is raised.
            if (
                retryable
                and retries < self.max_retries
                and (server_wait is None or server_wait <= _envelope.MAX_RETRY_AFTER)
            ):
                delay = server_wait if server_wait is not None else self.jitter(backoff_limit(retries))
                retries += 1
                logger.info(
                    "%s: %s; retrying in %.2f s (retry %d of %d)",
                    endpoint.label,
                    error.message,
                    delay,
                    retries,
                    self.max_retries,
                )
                if delay > 0.0:
                    yield delay
                continue
            error.response = response
            error.attempts = attempts
            if cause is not None:
                raise error from cause
            raise error

    @staticmethod
    def _log_exchange(request: httpx.Request, response: httpx.Response, elapsed_ms: float, attempt: int) -> None:
        logger.info(
            "%s %s -> %d in %.1f ms (attempt %d)",
            request.method,
            request.url,
            response.status_code,
            elapsed_ms,
            attempt,
        )
        if logger.isEnabledFor(logging.DEBUG):
            if request.method == "POST":
                logger.debug("request body: %s", body_for_log(request.content))
            logger.debug("response body: %s", body_for_log(response.content))
