"""The faults of one exchange (api/faults.py): what a fault may be, what it covers (path glob,
account by key, id or private channel), and how it goes (times, seconds on the exchange's clock,
cleared)."""

from __future__ import annotations

from typing import Any

import pytest

from mtgox_sandbox.api.faults import Account, Fault, FaultError, Faults
from mtgox_sandbox.core.clock import ClockState, ExchangeClock

ALICE = Account(7, "alice", "c0ffee00-0000-4000-8000-000000000007", frozenset({"key-a1", "key-a2"}))
ORDER_ADD = ("/api/2/BTCUSD/money/order/add",)


@pytest.fixture
def clock() -> ExchangeClock:
    return ExchangeClock(ClockState("stepped", 1_000_000_000))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "http-504"}, "kind: expected one of http-502"),
        ({"kind": "lag", "path": ""}, "path: expected a glob"),
        ({"kind": "lag", "path": "x" * 300}, "path: expected a glob"),
        ({"kind": "lag", "times": 0}, "times: expected a whole number from 1"),
        ({"kind": "lag", "times": 1.5}, "times: expected a whole number"),
        ({"kind": "lag", "times": True}, "times: expected a whole number"),
        ({"kind": "lag", "seconds": -1}, "seconds: expected a number above 0"),
        ({"kind": "lag", "seconds": float("inf")}, "seconds: expected a number"),
        ({"kind": "timeout", "seconds": 601}, "at most 600"),
        ({"kind": "lag", "when": 1}, "unknown field(s): when"),
    ],
)
def test_bad_faults_are_refused_saying_which_field(clock: ExchangeClock, spec: dict[str, Any], message: str) -> None:
    with pytest.raises(FaultError) as caught:
        Faults(clock).add(spec)
    assert message in str(caught.value)


def test_a_fault_covers_its_glob_case_insensitively_and_its_accounts_keys(clock: ExchangeClock) -> None:
    faults = Faults(clock)
    fault = faults.add({"kind": "http-502", "path": "*/money/ORDER/add"}, ALICE)
    assert faults.find(["http-502"], ["/API/2/BTCUSD/money/order/add"], key="key-a2", hit=False) is fault
    assert faults.find(["http-502"], ORDER_ADD, key="key-b", hit=False) is None  # another account
    assert faults.find(["http-502"], ORDER_ADD, account_id=7, hit=False) is fault
    assert faults.find(["http-502"], ORDER_ADD, channels={ALICE.channel}, hit=False) is fault
    assert faults.find(["http-502"], ["/api/2/money/info"], key="key-a1", hit=False) is None  # another call
    assert faults.find(["http-503"], ORDER_ADD, key="key-a1", hit=False) is None  # another kind
    everyone = faults.add({"kind": "http-503"})
    assert faults.find(["http-503"], ["/anything"], hit=False) is everyone


def test_times_and_seconds_end_a_fault_on_the_exchanges_clock(clock: ExchangeClock) -> None:
    faults = Faults(clock)
    ended: list[Fault] = []
    twice = faults.add({"kind": "http-502", "times": 2})
    twice.on_end.append(ended.append)
    minute = faults.add({"kind": "maintenance", "seconds": 60})
    lag = faults.add({"kind": "lag", "seconds": 5})  # for lag, seconds is the delay, not a life
    assert faults.find(["http-502"], ["/x"]) is twice
    assert faults.find(["http-502"], ["/x"]) is twice
    assert faults.find(["http-502"], ["/x"]) is None and ended == [twice]
    assert faults.describe()[0]["left_s"] == 60.0
    clock.step_to(clock.now_us() + 59_000_000)
    assert faults.any("maintenance")
    clock.step_to(clock.now_us() + 1_000_000)
    assert not faults.any("maintenance")
    assert [f.id for f in faults.active()] == [lag.id] and lag.delay == 5.0
    assert faults.add({"kind": "timeout"}).delay == 60.0  # longer than the SDK's default timeout
    assert minute.id not in [f["id"] for f in faults.describe()]


def test_clearing_one_or_all(clock: ExchangeClock) -> None:
    faults = Faults(clock)
    first, second = faults.add({"kind": "http-502"}), faults.add({"kind": "lag"})
    assert faults.clear(first.id) == 1 and faults.clear(first.id) == 0
    assert [f.id for f in faults.active()] == [second.id]
    assert faults.clear() == 1 and faults.active() == []
