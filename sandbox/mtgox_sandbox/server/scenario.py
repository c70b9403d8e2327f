"""An exchange's scenario: its one clock, the replay of a recording on it, and the trade
engine's queue while it lags, driven beside the server.

The clock (core/clock.py) is the wall's until told otherwise. A replay (core/replay.py)
sets it to the recording's first trade (or `from`) and prints each trade once the clock
passes its time:

- `speed` N (a number): the clock runs N times as fast as the wall from there, and a job
  prints what is due every TICK_S;
- `max`: the replay moves the clock itself, from trade to trade, BATCH trades a transaction,
  as fast as the exchange can write them (requests are served between two batches); once
  the tape ends the clock stands at its last trade;
- `stepped`: the clock moves only when told (`advance`, `run_until`: the control API, the
  fixture's `sandbox.clock`), and everything due by then (recorded trades, the fills they
  make, queued orders) happens, in time order, before the step answers. A test over a day of
  history takes seconds and gives the same result every time.

Stepping the clock also stops a running replay's own pace (`stepped` from then on); setting a
speed or the wall gives it that pace back. Every change of the clock and every batch is
written to the database in the transaction that makes it (`save_clock`, the `replay` meta
row), so a process writing beside the server stamps with the same time, and a restarted
server carries on where it was.

Orders queued by a `lag` fault run when their time comes: in a replay's batches, in a step,
or (clock not stepped) by the same job every TICK_S while any wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from ..api.faults import Faults
from ..core import replay
from ..core.clock import ClockError, ClockState, ExchangeClock, check_speed, parse_time
from ..core.db import Tx, save_clock, stored_clock
from ..core.exchange import Exchange
from ..core.marketmaker import DEFAULT_LADDER, Ladder
from ..core.replay import ReplayError
from ..core.tape import Tape, TapeError, load, locate
from ..web.control import Busy
from .worker import Worker

log = logging.getLogger("mtgox_sandbox")

TICK_S = 0.05
#: Recorded trades printed in one transaction at most.
BATCH = 1000
#: The furthest one step may move the clock (ten years).
MAX_STEP_S = 10 * 366 * 86_400
Speed = float | str  # a speed, "max" or "stepped"


def parse_speed(value: object) -> Speed:
    """`max`, `stepped`, or a number above 0 (a string of one too: the command line's)."""
    if value in ("max", "stepped"):
        return str(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ClockError(f"speed: a number, max or stepped, not {value[:20]!r}") from None
        return check_speed(number)
    return check_speed(value)


@dataclass
class ReplayRun:
    tape: Tape
    speed: Speed
    record: dict[str, Any]
    done: int = 0
    printed: int = 0
    fills: int = 0
    skipped: int = 0
    stopped: bool = False
    error: str | None = None
    began: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def finished(self) -> bool:
        return self.stopped or self.error is not None or self.done >= len(self.tape)


@dataclass(frozen=True)
class ReplayRequest:
    """A replay to start: `serve --replay`, or the control API's POST."""

    file: str
    speed: Speed = 1.0
    start_us: int | None = None
    end_us: int | None = None
    pair: str | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ReplayRequest:
        unknown = sorted(set(body) - {"file", "speed", "from", "to", "pair"})
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}; a replay has file, speed, from, to, pair")
        file = body.get("file")
        if not isinstance(file, str) or not file.strip():
            raise ValueError("file: the recording to replay (a path, or a shipped recording's name)")
        pair = body.get("pair")
        if pair is not None and not isinstance(pair, str):
            raise ValueError("pair: expected a pair code such as BTCUSD")
        start = None if body.get("from") is None else parse_time(body["from"])
        end = None if body.get("to") is None else parse_time(body["to"])
        if start is not None and end is not None and end <= start:
            raise ValueError("to: must be after from")
        return cls(file.strip(), parse_speed(body.get("speed", 1.0)), start, end, pair)


class Scenario:
    """The clock, the replay and the queue of one exchange (module docstring)."""

    def __init__(
        self,
        exchange: Exchange,
        worker: Worker,
        faults: Faults,
        clock: ExchangeClock,
        *,
        ladder: Ladder = DEFAULT_LADDER,
        replay_at_start: ReplayRequest | None = None,
    ) -> None:
        self.exchange = exchange
        self.worker = worker
        self.faults = faults
        self.clock = clock
        self.ladder = ladder
        self.replay_at_start = replay_at_start
        self.run: ReplayRun | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._lagged_seen = 0
        self._queue_waiting = False
        #: Set when there may be something for the driver to do (it sleeps on it otherwise).
        self._wake = asyncio.Event()
        faults.on_lag.append(self._wake.set)

    # -- life --------------------------------------------------------------------------------------

    async def restore(self) -> None:
        """Take the clock (and an unfinished replay) the database holds: a restarted server."""

        def read(tx: Tx) -> tuple[ClockState, dict[str, Any] | None]:
            stored = stored_clock(tx.conn)
            state = stored.state if isinstance(stored, ExchangeClock) else ClockState()
            return state, replay.saved(tx)

        state, record = await self.worker.run(read, write=False)
        self.clock.restore(state)
        if record is not None and not record.get("stopped"):
            self.run = self._resume(record)

    def _resume(self, record: dict[str, Any]) -> ReplayRun | None:
        try:
            tape = self._load(
                ReplayRequest(record["file"], record["speed"], record["from"], record["to"], record["pair"])
            )
            run = ReplayRun(tape, record["speed"], record, done=int(record["done"]))
        except (TapeError, KeyError, TypeError, ValueError) as exc:
            log.error("the replay this exchange was running cannot go on: %s", exc)
            return None
        if not run.finished:
            log.info("replay of %s resumed at trade %d of %d", tape.path, run.done, len(tape))
        return run

    async def start(self) -> None:
        """At start-up (after `restore`): the replay `serve --replay` asked for, and the driver."""
        wanted = self.replay_at_start
        if wanted is not None and not self._same(wanted):
            await self.start_replay_request(wanted)
        self._wake.set()  # a replay resumed from the database
        self._task = asyncio.create_task(self._drive())

    def _same(self, wanted: ReplayRequest) -> bool:
        """Whether the replay the database holds is the one asked for (a restart carries it on)."""
        if self.run is None:
            return False
        record = self.run.record
        try:
            path = str(locate(wanted.file).resolve())
        except TapeError:
            return False
        return (record.get("file"), record.get("from"), record.get("to")) == (path, wanted.start_us, wanted.end_us)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def replaying(self, pair: str) -> bool:
        """Whether a replay drives `pair`'s market (the background market maker leaves it be)."""
        return self.run is not None and self.run.tape.pair.code == pair

    # -- the clock -----------------------------------------------------------------------------

    def clock_state(self) -> dict[str, Any]:
        return self.clock.describe()

    async def set_clock(self, request: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(request) - {"advance", "run_until", "mode", "speed"})
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}; expected advance, run_until, or mode and speed")
        if "advance" in request:
            seconds = request["advance"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_STEP_S:
                raise ValueError(f"advance: seconds from 0 to {MAX_STEP_S}, not {seconds!r}")
            await self.advance_to(None, seconds=seconds)
        elif "run_until" in request:
            await self.advance_to(parse_time(request["run_until"]))
        elif request.get("mode") == "stepped":
            await self._set(lambda: self.clock.freeze(), "stepped")
        elif request.get("mode") == "scaled":
            speed = check_speed(request.get("speed", 1.0))
            await self._set(lambda: self.clock.scale(speed), speed)
        elif request.get("mode") == "wall":
            await self._set(self.clock.follow_wall, 1.0)
        else:
            raise ValueError('expected {"advance": seconds}, {"run_until": time} or {"mode": "wall|stepped|scaled"}')
        return self.clock_state()

    async def _set(self, change: Any, pace: Speed) -> None:
        async with self._lock:
            before = self.clock.state
            state: ClockState = change()
            try:
                await self.worker.run(lambda tx: self._save(tx, state, pace))
            except BaseException:
                self.clock.restore(before)
                raise
            if self.run is not None and not self.run.finished:
                self.run.speed = pace
                self.run.record["speed"] = pace
            self._wake.set()

    def _save(self, tx: Tx, state: ClockState, pace: Speed | None = None) -> None:
        save_clock(tx, state)
        run = self.run
        if run is not None and pace is not None and not run.finished:
            replay.save(tx, {**run.record, "speed": pace})

    async def advance_to(self, target_us: int | None, *, seconds: float = 0.0) -> None:
        """Move the clock to `target_us` (or `seconds` on), stepped from then on, everything due
        by then done first."""
        async with self._lock:
            now = self.clock.now_us()
            if target_us is None:
                target_us = now + round(seconds * 1_000_000)
            if target_us < now:
                raise ClockError(f"the exchange's time only moves forward: it is {now} us, not back to {target_us} us")
            run = self.run
            if run is not None and not run.finished:
                run.speed = run.record["speed"] = "stepped"
                while not run.finished and run.tape.due(run.done, target_us) > run.done:
                    await self._print(run, target_us, move_clock=True)
            final = ClockState("stepped", target_us)

            def finish(tx: Tx) -> None:
                replay.run_queue(tx, self.exchange, target_us)
                self._save(tx, final, "stepped" if run is not None else None)

            await self.worker.run(finish)
            self.clock.restore(final)

    # -- replays -------------------------------------------------------------------------------

    def replay_state(self) -> dict[str, Any]:
        run = self.run
        if run is None:
            return {"file": None, "done": False, "trades_done": 0, "trades_left": 0}
        tape = run.tape
        described = tape.describe()
        described.update(
            speed=run.speed,
            trades_done=run.done,
            trades_left=len(tape) - run.done,
            printed=run.printed,
            fills=run.fills,
            skipped=run.skipped + sum(tape.skipped.values()),
            stopped=run.stopped,
            error=run.error,
            done=run.finished,
            seconds=round((run.ended or time.monotonic()) - run.began, 3),
            clock=self.clock.describe(),
        )
        return described

    async def start_replay(self, request: dict[str, Any]) -> dict[str, Any]:
        await self.start_replay_request(ReplayRequest.from_json(request))
        return self.replay_state()

    def _load(self, request: ReplayRequest) -> Tape:
        ex = self.exchange
        return load(
            request.file, ex.money, ex.pairs, pair=request.pair, start_us=request.start_us, end_us=request.end_us
        )

    async def start_replay_request(self, request: ReplayRequest) -> None:
        if self.run is not None and not self.run.finished:
            raise Busy(f"a replay of {self.run.tape.path} is running; stop it first (DELETE /_sandbox/replay)")
        tape = await asyncio.to_thread(self._load, request)
        if not len(tape):
            raise ReplayError(f"{tape.path}: no trades to replay between the times asked for")
        start_us = request.start_us if request.start_us is not None else tape.time_of(0)
        record = {
            "file": str(tape.path.resolve()),
            "pair": tape.pair.code,
            "from": request.start_us,
            "to": request.end_us,
            "speed": request.speed,
            "trades": len(tape),
            "done": 0,
        }
        async with self._lock:
            if self.run is not None and not self.run.finished:
                raise Busy(f"a replay of {self.run.tape.path} is running; stop it first")
            if isinstance(request.speed, float):
                state = ClockState("scaled", start_us, self.clock.wall.now_us(), request.speed)
            else:
                state = ClockState("stepped", start_us)

            def begin(tx: Tx) -> None:
                replay.begin(tx, start_us, record)
                save_clock(tx, state)

            await self.worker.run(begin)
            self.clock.restore(state)
            run = self.run = ReplayRun(tape, request.speed, record)
            self._wake.set()
            log.info("replaying %s (%d trades, %s) from %s", tape.path, len(tape), tape.format, start_us)
            if run.tape.due(0, start_us) > 0:  # what happened at the very start is there at once
                await self._print(run, start_us, move_clock=False)

    async def stop_replay(self) -> dict[str, Any]:
        async with self._lock:
            run = self.run
            if run is not None and not run.finished:
                run.stopped = True
                run.ended = time.monotonic()
                run.record["stopped"] = True
                await self.worker.run(lambda tx: replay.save(tx, run.record))
        return self.replay_state()

    async def _print(self, run: ReplayRun, until_us: int, *, move_clock: bool) -> None:
        """One batch of the tape up to `until_us` (the lock held); with `move_clock`, the clock
        stands at its last trade after it."""
        start = run.done
        record = dict(run.record)
        ex, tape, ladder = self.exchange, run.tape, self.ladder

        def batch(tx: Tx) -> tuple[replay.Printed, ClockState | None]:
            printed = replay.print_until(tx, ex, tape, start, until_us, limit=BATCH, ladder=ladder)
            record["done"] = printed.done
            replay.save(tx, record)
            state = None
            if move_clock and printed.last_us is not None and printed.last_us > self.clock.now_us():
                state = ClockState("stepped", printed.last_us)
                save_clock(tx, state)
                tx.set_time(printed.last_us)  # what the commit publishes (the ticker's window) is of then
            return printed, state

        try:
            printed, state = await self.worker.run(batch, inline=False)
        except Exception as exc:
            run.error = f"{type(exc).__name__}: {exc}"
            run.ended = time.monotonic()
            log.exception("the replay of %s stopped at trade %d", tape.path, start)
            return
        run.done = printed.done
        run.record["done"] = printed.done
        run.printed += printed.printed
        run.fills += printed.fills
        run.skipped += printed.skipped
        if state is not None:
            self.clock.restore(state)
        if run.finished and run.ended is None:
            run.ended = time.monotonic()
            log.info("replay of %s done: %d trades printed in %.2f s", tape.path, run.printed, run.ended - run.began)

    # -- the driver ------------------------------------------------------------------------------

    def _idle(self) -> bool:
        """Nothing runs by itself: no replay at its own pace, no queued order waiting on a moving clock."""
        run = self.run
        pacing = run is not None and not run.finished and run.speed != "stepped"
        waiting = self._queue_waiting or self.faults.lagged != self._lagged_seen
        return not pacing and not (waiting and self.clock.state.mode != "stepped")

    async def _drive(self) -> None:
        while True:
            if self._idle():
                self._wake.clear()
                await self._wake.wait()  # a replay, a clock or a lag fault sets it
            try:
                busy = await self._step()
            except Exception:
                log.exception("the scenario's driver failed a step")
                busy = False
            await asyncio.sleep(0 if busy else TICK_S)

    async def _step(self) -> bool:
        """One turn: a batch of a running replay, the queue when orders wait; whether to go on at once."""
        async with self._lock:
            run = self.run
            if run is not None and not run.finished and run.speed != "stepped":
                if run.speed == "max":
                    last = min(run.done + BATCH, len(run.tape)) - 1
                    await self._print(run, run.tape.time_of(last), move_clock=True)
                    return not run.finished
                now = self.clock.now_us()
                if run.tape.due(run.done, now) > run.done:
                    await self._print(run, now, move_clock=False)
                    return run.tape.due(run.done, self.clock.now_us()) > run.done
            if self.faults.lagged != self._lagged_seen:
                self._lagged_seen = self.faults.lagged
                self._queue_waiting = True
            if self._queue_waiting and self.clock.state.mode != "stepped":
                now = self.clock.now_us()
                ex = self.exchange

                def drain(tx: Tx) -> bool:
                    replay.run_queue(tx, ex, now)
                    return ex.engine.next_due(tx) is not None

                self._queue_waiting = await self.worker.run(drain)
        return False
