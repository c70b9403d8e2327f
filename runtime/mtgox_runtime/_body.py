"""Response bodies read with a cap on their decoded size, and an overall deadline for the sync driver.

A gzip bomb of 1 MiB inflates to 1 GiB; httpx inflates whatever arrives, a whole network read
at a time. `BodyReader` therefore does the decoding itself from the raw bytes (identity, gzip,
deflate, in any chain the Content-Encoding header names), asking zlib for at most `STEP` bytes
at a time, and stops with `BodyTooLarge` as soon as the decoded body passes the limit: memory
stays within the limit plus one step whatever the server sends. An encoding the SDK did not ask
for (br, zstd, anything else) is refused rather than passed on undecoded.

`DeadlineBackend` wraps httpcore's sync network backend (of the SDK's own client, or an injected
one's default transport) so every socket read and write of an attempt is clamped to the time the
attempt has left: httpx applies its timeouts per operation,
and a server trickling its status line a byte at a time would otherwise hold a sync call for as
long as it likes (the async driver wraps the whole attempt in `asyncio.timeout` instead).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable, Iterator

import httpx

#: The default cap on a decoded response body: far above the largest real answer (a full
#: depth of a busy book is a few MiB), far below what hurts a machine.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: The most bytes one zlib call may produce.
STEP = 256 * 1024


class InvalidRedirect(httpx.DecodingError):
    """A 3xx whose Location is not a URL: httpx builds the redirect request (even when it will not
    follow it) and raises its own `InvalidURL`, which is no `httpx.HTTPError`."""

    def __init__(self, problem: str, request: httpx.Request) -> None:
        super().__init__(f"a redirect whose Location is not a URL ({problem})", request=request)


class BodyTooLarge(httpx.DecodingError):
    """The decoded body passed the client's `max_response_bytes`."""

    def __init__(self, limit: int, request: httpx.Request) -> None:
        self.limit = limit
        super().__init__(f"the decoded response body is larger than max_response_bytes={limit}", request=request)


class _Inflate:
    """One zlib stage; `deflate` tries the zlib wrapper first, then raw deflate (as httpx does)."""

    __slots__ = ("_fallback", "_z")

    def __init__(self, wbits: int, *, fallback: int | None = None) -> None:
        self._z = zlib.decompressobj(wbits)
        self._fallback = fallback

    def push(self, data: bytes) -> Iterator[bytes]:
        """The output for `data` (b"" drains what zlib still holds), `STEP` bytes at a time."""
        while True:
            try:
                out = self._z.decompress(data, STEP)
            except zlib.error:
                if self._fallback is None:
                    raise
                self._z = zlib.decompressobj(self._fallback)
                self._fallback = None
                continue
            self._fallback = None
            rest = self._z.unconsumed_tail
            if out:
                yield out
            elif len(rest) >= len(data):  # no output and no input taken: nothing is pending
                return
            data = rest


_STAGES = {
    "gzip": lambda: _Inflate(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: _Inflate(16 + zlib.MAX_WBITS),
    "deflate": lambda: _Inflate(zlib.MAX_WBITS, fallback=-zlib.MAX_WBITS),
}


class BodyReader:
    """Collects the decoded body of `response` from its raw chunks, refusing past `limit` bytes."""

    __slots__ = ("_parts", "_request", "_size", "_stages", "limit")

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.limit = limit
        self._request = response.request
        self._parts: list[bytes] = []
        self._size = 0
        self._stages: list[_Inflate] = []
        # Content-Encoding lists the codings in the order they were applied: undo them last first.
        for coding in reversed(response.headers.get_list("content-encoding", split_commas=True)):
            name = coding.strip().lower()
            if name in ("", "identity"):
                continue
            make = _STAGES.get(name)
            if make is None:
                raise httpx.DecodingError(
                    f"the server used Content-Encoding {name!r}, which the SDK did not ask for", request=self._request
                )
            self._stages.append(make())
        if not self._stages:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit, self._request)

    def _collect(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._size > self.limit:
            self._parts.clear()
            raise BodyTooLarge(self.limit, self._request)
        self._parts.append(piece)

    def _through(self, stage: int, pieces: Iterable[bytes]) -> None:
        try:
            for piece in pieces:
                if stage == len(self._stages):
                    self._collect(piece)
                else:
                    self._through(stage + 1, self._stages[stage].push(piece))
        except zlib.error as exc:
            raise httpx.DecodingError(f"the compressed body is corrupt ({exc})", request=self._request) from None

    def feed(self, raw: bytes) -> None:
        self._through(0, (raw,))

    def finish(self) -> bytes:
        for index, stage in enumerate(self._stages):
            self._through(index + 1, stage.push(b""))
        return b"".join(self._parts)


def already_read(response: httpx.Response, limit: int) -> bool:
    """True for a response that arrived with its body read (an `httpx.MockTransport` answer built
    from bytes); past `limit` it is refused all the same."""
    if not response.is_stream_consumed:
        return False
    if len(response.content) > limit:
        raise BodyTooLarge(limit, response.request)
    return True


def store(response: httpx.Response, content: bytes) -> None:
    """Give a streamed response the body read for it, as `Response.read()` would have."""
    response._content = content


# -- the sync deadline ------------------------------------------------------------------------

_DEADLINE = threading.local()


class attempt_deadline:
    """`with attempt_deadline(seconds):` clamps this thread's socket operations to that budget."""

    __slots__ = ("_previous", "_until")

    def __init__(self, seconds: float | None) -> None:
        self._until = None if seconds is None else time.monotonic() + seconds

    def __enter__(self) -> None:
        self._previous = getattr(_DEADLINE, "until", None)
        _DEADLINE.until = self._until

    def __exit__(self, *exc: object) -> None:
        _DEADLINE.until = self._previous

    @property
    def expired(self) -> bool:
        return self._until is not None and time.monotonic() > self._until


def clamp(timeout: float | None, error: type[Exception]) -> float | None:
    until: float | None = getattr(_DEADLINE, "until", None)
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise error("the attempt's time budget ran out")
    return left if timeout is None else min(timeout, left)
