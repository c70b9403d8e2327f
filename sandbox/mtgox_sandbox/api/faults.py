"""Faults on demand: the failures Mt. Gox's users lived with, injected where they showed.

A fault has a kind, a scope and a life:

    kind          where it acts                 what the client sees (docs/sandbox.md)
    ------------  ----------------------------  ------------------------------------------------
    http-502      HTTP (web/faults.py)          502, an HTML "Bad Gateway" page from the front end
    http-503      HTTP                          503, the version's JSON error, token unknown_error
    timeout       HTTP                          the answer held `seconds` (default 60) of real time
    anti-ddos     HTTP                          429, an HTML refusal page, Retry-After
    maintenance   HTTP and stream               503 HTML maintenance page; streams dropped, refused
    invalid-call  stream calls (stream/calls)   the remark `Invalid call`, the call not run
    drop-stream   stream sessions               the connection closed under the client
    lag           the API's dispatcher          orders answered at once, executed `seconds` later
                                                (default 10, on the exchange's clock), `lag` messages

Scope: `path`, a glob over the API path (`*/money/order/add`, case-insensitive; an HTTP
request's path as sent, a stream call's name and its v2 path, a stream connection's path);
`account` (an API key or a login: the account's keys, private channel and id when the fault
is added), or every account. Life: `times` (hits, then the fault is gone), `seconds` (for all
but timeout and lag, how long it lasts, on the exchange's clock), or until cleared.

The registry belongs to one exchange (a per-test reset starts with none) and lives on the
server's event loop; nothing here knows a transport.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import ledger
from ..core.clock import ExchangeClock
from ..core.db import Tx

KINDS = ("http-502", "http-503", "timeout", "anti-ddos", "maintenance", "invalid-call", "drop-stream", "lag")
#: Kinds whose `seconds` is a delay, not a life.
DELAYS = {"timeout": 60.0, "lag": 10.0}
MAX_SECONDS = 365 * 86_400.0
#: The longest a timeout holds an answer (real time).
MAX_TIMEOUT_SECONDS = 600.0
MAX_TIMES = 1_000_000_000
MAX_PATH = 256
#: Faults one exchange holds at most.
MAX_FAULTS = 1000


class FaultError(ValueError):
    """A fault that cannot be added; the message says which field is wrong."""


@dataclass(frozen=True)
class Account:
    """Who a fault is for, resolved when it is added."""

    id: int
    login: str
    channel: str  # the account's uuid: its private channel
    keys: frozenset[str]


@dataclass
class Fault:
    id: int
    kind: str
    path: str
    account: Account | None
    times: int | None
    seconds: float | None
    created_us: int
    until_us: int | None
    hits: int = 0
    #: Called once when the fault goes (cleared, used up or expired), for whoever holds it.
    on_end: list[Callable[[Fault], None]] = field(default_factory=list)

    @property
    def delay(self) -> float:
        """For timeout and lag: the seconds it holds an answer or an order."""
        return self.seconds if self.seconds is not None else DELAYS.get(self.kind, 0.0)

    def covers(
        self, paths: Iterable[str], *, key: str | None, account_id: int | None, channels: Collection[str]
    ) -> bool:
        if self.account is not None:
            mine = (
                (key is not None and key in self.account.keys)
                or (account_id is not None and account_id == self.account.id)
                or self.account.channel in channels
            )
            if not mine:
                return False
        return any(fnmatch.fnmatchcase(p.lower(), self.path) for p in paths)

    def describe(self, now_us: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "path": self.path,
            "account": self.account.login if self.account else None,
            "times": self.times,
            "seconds": self.seconds,
            "hits": self.hits,
            "left_s": None if self.until_us is None else max(0.0, (self.until_us - now_us) / 1e6),
        }


def resolve_account(tx: Tx, text: object) -> Account:
    """The account a fault is for: by API key, login or id; FaultError when there is none."""
    if not isinstance(text, str | int) or isinstance(text, bool) or not str(text).strip():
        raise FaultError("account: expected an API key, a login or an account id")
    ref = str(text).strip()
    account_id = ledger.account_by_key(tx, ref) or ledger.account_by_login(tx, ref)
    if account_id is None and ref.isdigit() and len(ref) < 19:
        account_id = int(ref) if tx.scalar("SELECT 1 FROM accounts WHERE id = ?", (int(ref),)) else None
    if account_id is None:
        raise FaultError(f"account: no account has the key, login or id {ref[:80]!r}")
    row = tx.one("SELECT login, uuid FROM accounts WHERE id = ?", (account_id,))
    assert row is not None
    keys = frozenset(str(r[0]) for r in tx.all("SELECT key FROM api_keys WHERE account_id = ?", (account_id,)))
    return Account(account_id, str(row[0]), str(row[1]), keys)


def _number(value: object, name: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultError(f"{name}: expected a number, not {value!r}")
    if not low < value <= high:
        raise FaultError(f"{name}: expected a number above {low:g} and at most {high:g}, not {value!r}")
    return float(value)


class Faults:
    """The faults of one exchange (module docstring)."""

    def __init__(self, clock: ExchangeClock) -> None:
        self.clock = clock
        self._faults: dict[int, Fault] = {}
        self._ids = itertools.count(1)
        #: Called with each fault added (the stream drops the connections a drop-stream covers).
        self.on_add: list[Callable[[Fault], None]] = []
        #: How many orders a `lag` fault has sent to the engine's queue, and who is told of each
        #: (the scenario, which runs the queue).
        self.lagged = 0
        self.on_lag: list[Callable[[], None]] = []

    def __bool__(self) -> bool:
        """Whether any fault is held (in force or expired but not yet dropped): a request with
        none costs nothing more."""
        return bool(self._faults)

    def queued(self) -> None:
        """A `lag` fault sent an order to the engine's queue."""
        self.lagged += 1
        for listener in self.on_lag:
            listener()

    def add(self, spec: Mapping[str, Any], account: Account | None = None) -> Fault:
        """A new fault from `{"kind", "path", "times", "seconds"}` (the `account` field resolved by the caller)."""
        unknown = sorted(set(spec) - {"kind", "path", "account", "times", "seconds"})
        if unknown:
            raise FaultError(f"unknown field(s): {', '.join(unknown)}; a fault has kind, path, account, times, seconds")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError(f"kind: expected one of {', '.join(KINDS)}, not {kind!r}")
        path = spec.get("path", "*")
        if not isinstance(path, str) or not path.strip() or len(path) > MAX_PATH:
            raise FaultError(f"path: expected a glob of at most {MAX_PATH} characters such as */money/order/add")
        times_value = spec.get("times")
        if times_value is not None and (
            isinstance(times_value, bool) or not isinstance(times_value, int) or not 1 <= times_value <= MAX_TIMES
        ):
            raise FaultError(f"times: expected a whole number from 1 to {MAX_TIMES}, not {times_value!r}")
        high = MAX_TIMEOUT_SECONDS if kind == "timeout" else MAX_SECONDS
        seconds = _number(spec.get("seconds"), "seconds", 0.0, high)
        if len(self._faults) >= MAX_FAULTS:
            raise FaultError(f"at most {MAX_FAULTS} faults at once; clear some")
        now = self.clock.now_us()
        until = None if seconds is None or kind in DELAYS else now + int(seconds * 1_000_000)
        fault = Fault(next(self._ids), kind, path.strip().lower(), account, times_value, seconds, now, until)
        self._faults[fault.id] = fault
        for listener in self.on_add:
            listener(fault)
        return fault

    def active(self) -> list[Fault]:
        """The faults in force, oldest first (expired ones are dropped here)."""
        now = self.clock.now_us()
        for fault in [f for f in self._faults.values() if f.until_us is not None and f.until_us <= now]:
            self._end(fault)
        return list(self._faults.values())

    def describe(self) -> list[dict[str, Any]]:
        now = self.clock.now_us()
        return [f.describe(now) for f in self.active()]

    def clear(self, fault_id: int | None = None) -> int:
        """Clear one fault (by id) or all; how many went."""
        gone = list(self._faults.values()) if fault_id is None else [f for f in [self._faults.get(fault_id)] if f]
        for fault in gone:
            self._end(fault)
        return len(gone)

    def _end(self, fault: Fault) -> None:
        if self._faults.pop(fault.id, None) is not None:
            for listener in fault.on_end:
                listener(fault)

    def find(
        self,
        kinds: Iterable[str],
        paths: Iterable[str],
        *,
        key: str | None = None,
        account_id: int | None = None,
        channels: Collection[str] = (),
        hit: bool = True,
    ) -> Fault | None:
        """The oldest fault in force of one of `kinds` that covers the call; `hit` counts it
        (a fault with `times` goes with its last hit)."""
        if not self._faults:
            return None
        wanted = set(kinds)
        paths = tuple(paths)
        for fault in self.active():
            if fault.kind in wanted and fault.covers(paths, key=key, account_id=account_id, channels=channels):
                if hit:
                    self.hit(fault)
                return fault
        return None

    def hit(self, fault: Fault) -> None:
        """Count a hit of `fault` (found with `hit=False`): with `times`, its last hit ends it."""
        fault.hits += 1
        if fault.times is not None and fault.hits >= fault.times:
            self._end(fault)

    def any(self, kind: str) -> bool:
        return any(f.kind == kind for f in self.active())
