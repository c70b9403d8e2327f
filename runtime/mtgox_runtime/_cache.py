"""The optional client-side cache of public answers (`cache_ttl=`, off by default).

Mt. Gox itself cached every answer for 10 seconds, so asking again sooner only risks a ban.
Only endpoints the catalogue marks `cacheable` (public GETs) are cached, and only successful
answers. The cache keeps the response bytes and decodes them again on every hit, so callers
never share a mutable object. One lock guards the map; it is never held across I/O, so the
same cache serves threads and asyncio tasks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

import httpx

from ._errors import ConfigurationError


class ResponseCache:
    __slots__ = ("_entries", "_lock", "clock", "max_entries", "ttl")

    def __init__(self, ttl: float, *, max_entries: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0:
            raise ConfigurationError(f"cache_ttl must be a positive number of seconds or None, not {ttl!r}")
        self.ttl = float(ttl)
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, httpx.Response]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> httpx.Response | None:
        """The stored response for `key`, or None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self.clock():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: Hashable, response: httpx.Response) -> None:
        with self._lock:
            now = self.clock()
            if len(self._entries) >= self.max_entries:
                for k in [k for k, (expires, _) in self._entries.items() if expires <= now]:
                    del self._entries[k]
                while len(self._entries) >= self.max_entries:  # still full: drop the oldest
                    del self._entries[next(iter(self._entries))]
            self._entries.pop(key, None)
            self._entries[key] = (now + self.ttl, response)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
