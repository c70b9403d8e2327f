"""A running sandbox's control surface (`/_sandbox/`, web/control.py) from another process: the
`mtgox-sandbox fault|clock|replay` commands and the test fixture's `sandbox.fault()`,
`sandbox.clock` and `sandbox.replay()`. Plain HTTP on loopback, JSON both ways, the standard
library only; answers are read up to MAX_ANSWER bytes.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any

MAX_ANSWER = 1 << 20
DEFAULT_TIMEOUT = 120.0
Time = int | float | str | datetime


class ControlError(RuntimeError):
    """The sandbox refused (its message), or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def time_value(when: Time) -> int | float | str:
    """A time for the control API: Unix seconds, or an ISO 8601 text (a datetime without a zone is UTC)."""
    if isinstance(when, datetime):
        return when.isoformat()
    return when


class Remote:
    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(dict(body)).encode()
        request = urllib.request.Request(  # noqa: S310 (the sandbox's own http:// URL)
            f"{self.url}/_sandbox/{path}", data=data, method=method
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return json.loads(answer.read(MAX_ANSWER))
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read(MAX_ANSWER)).get("error") or exc.reason
            except (ValueError, AttributeError):
                message = exc.reason
            raise ControlError(f"{method} /_sandbox/{path}: {exc.code} {message}", exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ControlError(f"cannot reach the sandbox at {self.url}: {exc}") from None

    # -- faults ----------------------------------------------------------------------------------

    def fault(
        self,
        kind: str,
        path: str = "*",
        *,
        account: str | None = None,
        times: int | None = None,
        seconds: float | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": kind, "path": path}
        for name, value in (("account", account), ("times", times), ("seconds", seconds)):
            if value is not None:
                body[name] = value
        answer: dict[str, Any] = self.call("POST", "faults", body)
        return answer

    def faults(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self.call("GET", "faults")
        return answer

    def clear_faults(self, fault_id: int | None = None) -> int:
        path = "faults" if fault_id is None else f"faults/{int(fault_id)}"
        return int(self.call("DELETE", path)["cleared"])

    # -- the clock -------------------------------------------------------------------------------

    def clock(self, change: Mapping[str, Any] | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("GET", "clock") if change is None else self.call("POST", "clock", change)
        return answer

    # -- replays ---------------------------------------------------------------------------------

    def replay(
        self,
        file: str,
        *,
        speed: float | str = 1.0,
        start: Time | None = None,
        end: Time | None = None,
        pair: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"file": str(file), "speed": speed}
        if start is not None:
            body["from"] = time_value(start)
        if end is not None:
            body["to"] = time_value(end)
        if pair is not None:
            body["pair"] = pair
        answer: dict[str, Any] = self.call("POST", "replay", body)
        return answer

    def replay_status(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("GET", "replay")
        return answer

    def stop_replay(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("DELETE", "replay")
        return answer

    def wait_replay(self, timeout: float = 300.0, poll: float = 0.05) -> dict[str, Any]:
        """The replay's state once it is done (printed everything, stopped or failed)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.replay_status()
            if state.get("done") or state.get("file") is None:
                return state
            if time.monotonic() > deadline:
                raise ControlError(f"the replay was not done after {timeout:g} s: {state}")
            time.sleep(poll)


class RemoteClock:
    """A running sandbox's clock, as the fixture hands it out (`sandbox.clock`)."""

    def __init__(self, remote: Remote) -> None:
        self._remote = remote

    def state(self) -> dict[str, Any]:
        """`{"now", "now_us", "date", "mode", "speed"}`"""
        return self._remote.clock()

    @property
    def now(self) -> int:
        """The exchange's time, Unix seconds."""
        return int(self.state()["now"])

    @property
    def now_us(self) -> int:
        return int(self.state()["now_us"])

    @property
    def mode(self) -> str:
        return str(self.state()["mode"])

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the exchange's time `seconds` on (the clock is stepped from then on); what falls
        due meanwhile (recorded trades, their fills, queued orders) is done when this returns."""
        return self._remote.clock({"advance": seconds})

    def run_until(self, when: Time) -> dict[str, Any]:
        """Move the exchange's time to `when` (Unix seconds, ISO 8601 or a datetime), stepped."""
        return self._remote.clock({"run_until": time_value(when)})

    def stop(self) -> dict[str, Any]:
        """Stop the clock where it is: from now on it moves only when stepped."""
        return self._remote.clock({"mode": "stepped"})

    def set_speed(self, speed: float) -> dict[str, Any]:
        """Run from where it is, `speed` times as fast as the wall clock."""
        return self._remote.clock({"mode": "scaled", "speed": speed})

    def follow_wall(self) -> dict[str, Any]:
        """Back to the system clock (the exchange's time must not be ahead of it)."""
        return self._remote.clock({"mode": "wall"})
