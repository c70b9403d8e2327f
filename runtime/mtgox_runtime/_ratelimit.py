"""A client-side token bucket: calls wait for a token rather than fail.

Mt. Gox cached every answer for 10 seconds and its anti-DDoS filter banned clients that polled
faster than that. The default, a burst of 10 requests then 1 per second, lets a program make a
handful of calls at once (a ticker, the balances, the open orders) and then keeps it at a pace
the exchange tolerated, well below anything its filter would see as an attack. Each HTTP attempt
takes a token, retries included; answers served from the client-side cache take none.

The bucket is shared by the threads and asyncio tasks of one client. Taking a token is a
reservation under a lock held for a few arithmetic operations (never across I/O), so the same
object serves sync and async code: it returns how long the caller must wait, and the caller
sleeps in its own way (`time.sleep` or `asyncio.sleep`). Reservations are served in order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ._errors import ConfigurationError


@dataclass(frozen=True)
class RateLimit:
    """How fast one client may send: `burst` requests at once, then `per_second` on average."""

    per_second: float = 1.0
    burst: int = 10
    #: Monotonic seconds; tests pass a fake clock.
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.per_second, bool) or not isinstance(self.per_second, int | float) or not self.per_second > 0:
            raise ConfigurationError(f"RateLimit.per_second must be a positive number, not {self.per_second!r}")
        if isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
            raise ConfigurationError(f"RateLimit.burst must be an int of at least 1, not {self.burst!r}")

    def bucket(self) -> TokenBucket:
        """A fresh bucket with these settings (each client has its own)."""
        return TokenBucket(self)


class TokenBucket:
    """The state of one client's rate limit."""

    __slots__ = ("_burst", "_clock", "_lock", "_rate", "_stamp", "_tokens", "limit")

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._rate = float(limit.per_second)
        self._burst = float(limit.burst)
        self._clock = limit.clock
        self._tokens = self._burst
        self._stamp = self._clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; return the seconds to wait before using it (0.0 when one is free)."""
        with self._lock:
            now = self._clock()
            tokens = self._tokens + (now - self._stamp) * self._rate
            if tokens > self._burst:
                tokens = self._burst
            tokens -= 1.0
            self._tokens = tokens
            self._stamp = now
        return 0.0 if tokens >= 0.0 else -tokens / self._rate

    @property
    def available(self) -> float:
        """Tokens available now (negative when callers are queued)."""
        with self._lock:
            return min(self._burst, self._tokens + (self._clock() - self._stamp) * self._rate)
