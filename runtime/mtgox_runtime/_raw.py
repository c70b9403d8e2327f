"""Raw response access: `sync_raw(ns.ticker)(...)` returns a `RawResponse` around the parsed value.

The wrapper sets a context variable; the transport fills it with the final `httpx.Response`
and the number of attempts. Context variables follow threads (each has its own context) and
asyncio tasks (each runs in a copy of its creator's context), so concurrent calls never see
each other's responses.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Generic, ParamSpec, TypeVar

import httpx

T = TypeVar("T")
P = ParamSpec("P")


class Capture:
    """Where the transport leaves the final response of one call."""

    __slots__ = ("attempts", "response")

    def __init__(self) -> None:
        self.response: httpx.Response | None = None
        self.attempts = 0


CAPTURE: ContextVar[Capture | None] = ContextVar("mtgox_raw_capture", default=None)


class RawResponse(Generic[T]):
    """A parsed answer together with the HTTP response it came from.

    `attempts` is the number of HTTP requests the call made (0 when served from the
    client-side cache).
    """

    __slots__ = ("attempts", "http_response", "parsed")

    def __init__(self, parsed: T, http_response: httpx.Response, attempts: int) -> None:
        self.parsed = parsed
        self.http_response = http_response
        self.attempts = attempts

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        return self.http_response.content

    def __repr__(self) -> str:
        response = getattr(self, "http_response", None)
        status = response.status_code if response is not None else "?"
        parsed = type(getattr(self, "parsed", None)).__name__
        return f"<RawResponse [{status}] attempts={getattr(self, 'attempts', '?')} parsed={parsed}>"


def _wrap(parsed: T, capture: Capture) -> RawResponse[T]:
    if capture.response is None:
        raise RuntimeError("the function wrapped for raw response access made no API call")
    return RawResponse(parsed, capture.response, capture.attempts)


def sync_raw(fn: Callable[P, T]) -> Callable[P, RawResponse[T]]:
    """Wrap a generated method so it returns a `RawResponse` of its parsed result."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        capture = Capture()
        token = CAPTURE.set(capture)
        try:
            parsed = fn(*args, **kwargs)
        finally:
            CAPTURE.reset(token)
        return _wrap(parsed, capture)

    return wrapper


def async_raw(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """The async twin of `sync_raw`."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        capture = Capture()
        token = CAPTURE.set(capture)
        try:
            parsed = await fn(*args, **kwargs)
        finally:
            CAPTURE.reset(token)
        return _wrap(parsed, capture)

    return wrapper
