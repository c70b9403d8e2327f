"""The one loop of a call, shared by the sync and the async driver (`_drivers.py`).

`CallFlow.run()` is a generator that does everything but I/O and waiting. It yields commands
to a driver:

- a `float`: sleep that many seconds (rate limit, backoff);
- `LockRequest`: take the key's ordering lock; the driver releases it as soon as the next
  request has been answered (or failed), so the server sees one process's nonces in order;
- an `httpx.Request`: send it; the driver sends back the `httpx.Response` (body read) or the
  `httpx.HTTPError` it raised.

It returns the parsed result or raises a `MtGoxError`. The parts it strings together:
`_request.py` builds each attempt, `_signer.py` signs it (nonce and ordering lock included),
`_envelope.py` and `_answer.py` read what came back, and `_retry_policy.py` decides, purely,
whether to re-sign, retry after a wait, or give up.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from . import _envelope
from ._answer import answer_failure, exchange_failure, gc_paused_for, parse_payload
from ._auth import Credentials
from ._body import DEFAULT_MAX_RESPONSE_BYTES
from ._cache import ResponseCache
from ._catalogue_info import CatalogueInfo, Endpoint
from ._errors import APIError, ClientClosedError, ConfigurationError, InvalidResponseError, MtGoxError
from ._logging import body_for_log, logger
from ._nonce import KeyOrderingLock, NonceStore
from ._ratelimit import RateLimit, TokenBucket
from ._raw import CAPTURE, Capture
from ._read import Miss, read_fast
from ._request import PreparedCall, RequestBuilder
from ._retry_policy import NONCE_RETRIES, GiveUp, Resign, Retry, decide
from ._signer import Signer

T = TypeVar("T")


class LockRequest:
    """A command to the driver: hold `lock` (the key's ordering lock) until the next answer."""

    __slots__ = ("lock",)

    def __init__(self, lock: KeyOrderingLock) -> None:
        self.lock = lock


Command = float | LockRequest | httpx.Request
Outcome = httpx.Response | httpx.HTTPError | None


@dataclass(frozen=True)
class CallSettings:
    """Everything the calls of one client need, validated by the client."""

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
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: Set when every call must refuse before sending (a defunct default base URL): the message.
    refusal: str | None = None


def _full_jitter(limit: float) -> float:
    return random.uniform(0.0, limit)


class CallFlow:
    """State shared by the calls of one client (signer, rate limit, cache), and the call loop."""

    #: How many times a nonce rejection is re-signed and resent.
    NONCE_RETRIES = NONCE_RETRIES

    def __init__(self, settings: CallSettings) -> None:
        self.config = settings
        catalogue = settings.catalogue
        creds = settings.credentials
        self._requests = RequestBuilder(
            catalogue, settings.base_url, settings.headers, settings.timeout, creds.key if creds else None
        )
        self._rules = _envelope.rule_table(catalogue.error_rules)
        # Where each version lives on the catalogue's server (`/api/2/`): a 404 outside it blames base_url.
        base_path = httpx.URL(catalogue.base_url).path.rstrip("/")
        self._api_paths = {number: f"{base_path}/{v.prefix}" for number, v in catalogue.versions.items()}
        self._env_prefix = catalogue.env_prefix
        #: Signs this client's calls; None without credentials.
        self.signer = Signer(creds, settings.nonce_store, use_tonce=settings.use_tonce) if creds else None
        lock = self.signer.ordering_lock if self.signer is not None else None
        self._lock_request = LockRequest(lock) if lock is not None else None
        self.max_retries = settings.max_retries
        #: The largest decoded response body accepted (`max_response_bytes`).
        self.max_response_bytes = settings.max_response_bytes
        self._bucket: TokenBucket | None = settings.rate_limit.bucket() if settings.rate_limit is not None else None
        self._cache = ResponseCache(settings.cache_ttl) if settings.cache_ttl is not None else None
        #: Draws the backoff delay from [0, limit]; tests replace it.
        self.jitter: Callable[[float], float] = _full_jitter

    @property
    def rate_limiter(self) -> TokenBucket | None:
        return self._bucket

    @property
    def error_rules(self) -> _envelope.RuleTable:
        """The catalogue's error rules, resolved (the stream maps a `remark` with them too)."""
        return self._rules

    @property
    def key_order(self) -> KeyOrderingLock | None:
        """The key's ordering lock (None without credentials or with tonces): the stream's
        signed calls hold it like HTTP calls do, so one key's nonces reach the server in order."""
        return self.signer.ordering_lock if self.signer is not None else None

    @property
    def cache(self) -> ResponseCache | None:
        return self._cache

    def share_state(self, other: CallFlow) -> None:
        """Draw from `other`'s rate-limit bucket when both have the same limit (a copy of one client
        is, as the server sees it, the same client)."""
        if self.config.rate_limit is other.config.rate_limit:
            self._bucket = other._bucket

    def check_open(self, closed: bool) -> None:
        if closed:
            raise ClientClosedError(
                "this client has been closed (close(), or the end of its `with` block); make a new one"
            )

    def _signer_for(self, endpoint: Endpoint) -> Signer | None:
        if endpoint.auth == "none":
            return None
        if self.signer is None:
            raise ConfigurationError(
                f"{endpoint.label} needs an API key: pass key= and secret= to the client, or set "
                f"{self._env_prefix}_API_KEY and {self._env_prefix}_API_SECRET",
                endpoint=endpoint.label,
            )
        return self.signer

    def run(
        self,
        endpoint: Endpoint,
        path: str,
        params: Sequence[tuple[str, str]],
        parse: Callable[[Any], T],
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Generator[Command, Outcome, T]:
        """One call, its retries included: see the module docstring."""
        if self.config.refusal is not None:
            raise ConfigurationError(self.config.refusal, endpoint=endpoint.label)
        version = self._requests.version(endpoint)
        signer = self._signer_for(endpoint)
        cacheable = self._cache is not None and endpoint.cacheable  # public, idempotent GETs
        call = self._requests.prepare(endpoint, path, params, timeout, extra_headers, signer, cacheable=cacheable)
        capture = CAPTURE.get()
        hit = self._cache.get(call.cache_key) if self._cache is not None and call.cache_key is not None else None
        if hit is not None:
            logger.debug("%s %s served from the client-side cache", endpoint.http_method, call.url)
            fast = read_fast(parse, hit, endpoint, version.envelope)
            if isinstance(fast, Miss):
                payload = _envelope.decode(
                    hit, endpoint, version.envelope, self._rules, self._api_paths[endpoint.version]
                )
                fast = parse_payload(parse, payload, endpoint, version.root, hit)
            return self._finish(call, fast, hit, capture, 0)

        lock_request = self._lock_request if signer is not None else None
        attempts = retries = resigns = 0
        while True:
            attempts += 1
            yield from self._rate_limit(endpoint)
            if lock_request is not None:
                yield lock_request
            if signer is not None:  # each attempt: a fresh nonce, so a fresh signature
                request = call.signed(*signer.sign_form(endpoint.auth, call.path_bytes, call.form_prefix))
            else:
                assert call.public is not None  # prepared for every public call
                request = call.public
            started = time.perf_counter()
            outcome = yield request
            _log_attempt(request, outcome, (time.perf_counter() - started) * 1000.0, attempts)

            # What happened: a result to return, or an error and a Failure for the retry policy.
            response = outcome if isinstance(outcome, httpx.Response) else None
            error: MtGoxError
            if response is not None:
                with gc_paused_for(response):
                    fast = read_fast(parse, response, endpoint, version.envelope)
                    if not isinstance(fast, Miss):
                        return self._finish(call, fast, response, capture, attempts)
                    try:
                        api_path = self._api_paths[endpoint.version]
                        payload = _envelope.decode(response, endpoint, version.envelope, self._rules, api_path)
                    except (APIError, InvalidResponseError) as refused:
                        error, failure = refused, answer_failure(refused, response)
                    else:  # a payload that does not parse is raised as is: the server would send it again
                        result = parse_payload(parse, payload, endpoint, version.root, response)
                        return self._finish(call, result, response, capture, attempts)
            elif isinstance(outcome, httpx.HTTPError):
                error_class, message, failure = exchange_failure(outcome)
            else:  # pragma: no cover - a driver bug
                raise TypeError(f"the call driver sent {outcome!r}")

            decision = decide(
                failure,
                label=endpoint.label,
                signed=signer is not None,
                idempotent=endpoint.idempotent,
                retries=retries,
                resigns=resigns,
                max_retries=self.max_retries,
            )
            if response is None:
                note = decision.note if isinstance(decision, GiveUp) else None
                error = error_class(message + "; " + note if note else message, endpoint=endpoint.label)
            if isinstance(decision, Resign):
                resigns += 1
                logger.debug(
                    "%s: nonce refused (%s); re-signing with a fresh nonce (%d of %d)",
                    endpoint.label,
                    error.token,
                    resigns,
                    NONCE_RETRIES,
                )
            elif isinstance(decision, Retry):
                delay = self.jitter(decision.seconds) if decision.jitter else decision.seconds
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
            else:
                error.response = response
                error.attempts = attempts
                if isinstance(outcome, httpx.HTTPError):
                    raise error from outcome
                raise error

    def _rate_limit(self, endpoint: Endpoint) -> Generator[Command, Outcome, None]:
        if self._bucket is not None:
            wait = self._bucket.reserve()
            if wait > 0.0:
                logger.debug("%s: the client-side rate limit holds this call for %.2f s", endpoint.label, wait)
                yield wait

    def _finish(
        self, call: PreparedCall, result: T, response: httpx.Response, capture: Capture | None, attempts: int
    ) -> T:
        """The parsed result; a fresh answer goes into the cache, and the raw response to `capture`."""
        if attempts and call.cache_key is not None and self._cache is not None and response.status_code < 300:
            self._cache.put(call.cache_key, response)
        if capture is not None:
            capture.response = response
            capture.attempts = attempts
        return result


def _log_attempt(request: httpx.Request, outcome: Outcome, elapsed_ms: float, attempt: int) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    if isinstance(outcome, httpx.Response):
        _log_exchange(request, outcome, elapsed_ms, attempt)
    else:
        logger.info(
            "%s %s -> %s after %.1f ms (attempt %d)",
            request.method,
            request.url,
            type(outcome).__name__,
            elapsed_ms,
            attempt,
        )


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
