"""The exchange's time: one source for stamps, dates, tonce windows, idkey expiry and the
24-hour ticker window, so a test or a replay can run the exchange on a clock of its own.

Times are Unix microseconds. `WallClock` reads the system clock; anything with a `now_us()`
method can stand in for it.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_us(self) -> int: ...


class WallClock:
    def now_us(self) -> int:
        return time.time_ns() // 1000


WALL = WallClock()
