"""The exchange's time: one source for stamps, dates, tonce windows, idkey expiry and the
24-hour ticker window, so a test or a replay can run the exchange on a clock of its own.

Times are Unix microseconds. `WallClock` reads the system clock; anything with a `now_us()`
method can stand in for it. An exchange runs on one `ExchangeClock`, in one of three modes:

- `wall`: the system clock;
- `scaled`: a time of its own running `speed` times as fast as the system clock (a replay of
  a day of 2013 at 60 x starts at that day's first trade and runs an hour a minute);
- `stepped`: a time that moves only when told (`step_to`), so a test over a day of history
  takes seconds and gives the same result every time.

Its state (`ClockState`) is a few numbers, written to the database (db.py) whenever it
changes, so every process writing to the exchange (the server, `mtgox-sandbox add-account`,
the test fixture) stamps with the same time, and a restarted server keeps it. Time moves
forward only: going back is a deliberate `restart_at`, which only a replay starting on an
exchange without trades or orders does.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

Mode = Literal["wall", "scaled", "stepped"]
MODES: tuple[Mode, ...] = ("wall", "scaled", "stepped")
#: Fastest a scaled clock may run: a year of history in about half a minute.
MAX_SPEED = 1_000_000.0
#: The latest time a clock may show (year 9999, what the API's dates allow).
MAX_US = 253_402_300_799 * 1_000_000


class Clock(Protocol):
    def now_us(self) -> int: ...


class WallClock:
    def now_us(self) -> int:
        return time.time_ns() // 1000


WALL = WallClock()


class ClockError(ValueError):
    """A clock asked to do what it cannot (go back, run at a speed that is not one); the message says which."""


@dataclass(frozen=True)
class ClockState:
    """What an exchange clock is: its mode, and for `stepped` its time, for `scaled` the
    exchange's time `at_us` at the system time `wall_us` and the `speed` since then."""

    mode: Mode = "wall"
    at_us: int = 0
    wall_us: int = 0
    speed: float = 1.0

    def to_text(self) -> str:
        return json.dumps({"mode": self.mode, "at_us": self.at_us, "wall_us": self.wall_us, "speed": self.speed})

    @classmethod
    def from_text(cls, text: str) -> ClockState:
        """The state `to_text` wrote; ClockError for anything else."""
        try:
            raw: Any = json.loads(text)
        except ValueError:
            raise ClockError(f"not a clock state: {text[:80]!r}") from None
        if not isinstance(raw, dict) or raw.get("mode") not in MODES:
            raise ClockError(f"not a clock state: {text[:80]!r}")
        return cls(
            raw["mode"], _time(raw.get("at_us", 0)), _time(raw.get("wall_us", 0)), check_speed(raw.get("speed", 1.0))
        )


def _time(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_US:
        raise ClockError(f"not a time in microseconds: {value!r}")
    return value


def parse_time(value: object) -> int:
    """A time as people give it, in Unix microseconds: seconds since the epoch (a number, or
    digits), or an ISO 8601 date or date and time, in UTC unless it says otherwise
    (`2013-01-01`, `2013-01-01T12:00:00Z`, `2013-01-01 12:00`)."""
    if isinstance(value, bool):
        raise ClockError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ClockError(
                    f"not a time: {text[:40]!r} (Unix seconds, or a date like 2013-01-01T12:00:00Z)"
                ) from None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = when.timestamp()
    else:
        raise ClockError(f"not a time: {value!r}")
    if not (math.isfinite(seconds) and 0 <= seconds * 1_000_000 <= MAX_US):
        raise ClockError(f"not a time between 1970 and 9999: {value!r}")
    return round(seconds * 1_000_000)


def check_speed(value: object) -> float:
    """A speed a scaled clock can run at: a finite number above 0 and at most MAX_SPEED."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ClockError(f"a speed is a number, not {value!r}")
    speed = float(value)
    if not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
        raise ClockError(f"a speed is above 0 and at most {MAX_SPEED:g}, not {value!r}")
    return speed


class ExchangeClock:
    """The one clock of an exchange (module docstring). Changed on the server's event loop only."""

    def __init__(self, state: ClockState | None = None, wall: Clock = WALL) -> None:
        self.wall = wall
        self._state = state or ClockState()

    @property
    def state(self) -> ClockState:
        return self._state

    def now_us(self) -> int:
        state = self._state
        if state.mode == "stepped":
            return state.at_us
        wall = self.wall.now_us()
        if state.mode == "wall":
            return wall
        return min(MAX_US, state.at_us + int((wall - state.wall_us) * state.speed))

    # -- moving it (forward only, but for restart_at) --------------------------------------------

    def _forward(self, at_us: int) -> int:
        now = self.now_us()
        if at_us < now:
            raise ClockError(f"the exchange's time only moves forward: it is {now} us, not back to {at_us} us")
        return _time(at_us)

    def step_to(self, at_us: int) -> ClockState:
        """Stop the clock at `at_us` (now or later): it moves again only when stepped."""
        self._state = ClockState("stepped", self._forward(at_us))
        return self._state

    def freeze(self) -> ClockState:
        """Stop the clock where it is."""
        self._state = ClockState("stepped", self.now_us())
        return self._state

    def scale(self, speed: float) -> ClockState:
        """Run from where it is, `speed` times as fast as the system clock."""
        self._state = ClockState("scaled", self.now_us(), self.wall.now_us(), check_speed(speed))
        return self._state

    def follow_wall(self) -> ClockState:
        """Back to the system clock (which must not be behind the exchange's time)."""
        self._forward(self.wall.now_us())
        self._state = ClockState()
        return self._state

    def restart_at(self, at_us: int, *, mode: Mode, speed: float = 1.0) -> ClockState:
        """Set the time to `at_us`, earlier or later (a replay starting): `stepped` stays there,
        `scaled` runs from it at `speed`."""
        if mode == "wall":
            raise ClockError("a clock that follows the wall cannot be set to another time")
        if mode == "stepped":
            self._state = ClockState("stepped", _time(at_us))
        else:
            self._state = ClockState("scaled", _time(at_us), self.wall.now_us(), check_speed(speed))
        return self._state

    def restore(self, state: ClockState) -> None:
        """Take a state written before (a restarted server), as it was."""
        self._state = state

    def wall_seconds(self, seconds: float) -> float:
        """How long `seconds` of the exchange's time take on the wall clock now (for a client's
        `Retry-After`): fewer at N x; as many when stepped (the test decides when they pass)."""
        state = self._state
        return seconds / state.speed if state.mode == "scaled" else seconds

    def describe(self) -> dict[str, Any]:
        """The clock as the control API and the dashboard show it."""
        now = self.now_us()
        state = self._state
        return {
            "now": now // 1_000_000,
            "now_us": str(now),
            "date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now // 1_000_000)),
            "mode": state.mode,
            "speed": state.speed if state.mode == "scaled" else None,
        }
