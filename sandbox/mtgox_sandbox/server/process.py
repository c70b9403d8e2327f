"""A real sandbox exchange as a child process, for tests and scripts (no pytest needed).

    from mtgox_sandbox import Sandbox

    with Sandbox("exchange.db") as sandbox:            # `mtgox-sandbox serve` on a free port
        key, secret = sandbox.add_account(fund={"USD": "1000"})
        client = mtgox.Client(key, secret, base_url=sandbox.base_url)

`restart()` stops the process (SIGTERM) and starts it again on the same port and database;
`kill()` sends SIGKILL, as a crash would. Accounts are written straight into the database
(the server reads new keys as they come), so `add_account` needs no HTTP round trip.

`Sandbox(db, resettable=True)` runs `serve --resettable`: `reset(new_db)` then replaces the
exchange it serves with a fresh one over the new, empty database, on the same port, in a few
milliseconds instead of a process start (switch.py says what a reset drops and why nothing
leaks). The pytest fixtures (fixture.py) are built on it.

Scenarios, through the running server's control surface (`/_sandbox/`, remote.py):
`replay(file, speed=...)` prints recorded history on the exchange, `clock` steps its time
(`sandbox.clock.advance(3600)`), `fault(kind, path, ...)` injects a failure as Mt. Gox showed
it. Accounts written straight into the database carry the exchange's time (db.py keeps the
clock there), so add them after starting a replay: they are then as old as its history.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import mtgox_catalogue
from mtgox_catalogue.model import Catalogue

from ..core import amounts, ledger, marketmaker
from ..core.catalogue import default_catalogue_path, load
from ..core.db import connect, transaction
from ..core.exchange import Exchange
from .options import ExchangeOptions
from .remote import Remote, RemoteClock, Time

START_TIMEOUT = 30.0
Amount = Decimal | int | str


def _pythonpath() -> str:
    """Where this package and the catalogue package live, so the child imports the same code."""
    here = Path(__file__).resolve().parent.parent.parent
    catalogue = Path(mtgox_catalogue.__file__).resolve().parent.parent
    parts = [str(here), str(catalogue)]
    if os.environ.get("PYTHONPATH"):
        parts.append(os.environ["PYTHONPATH"])
    return os.pathsep.join(dict.fromkeys(parts))


class Sandbox:
    """One sandbox server process over one database file (or, resettable, one at a time)."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        catalogue: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        market_maker: bool = False,
        synchronous: str = "NORMAL",
        extra_args: tuple[str, ...] = (),
        resettable: bool = False,
        options: Mapping[str, Any] | None = None,
        ticker_interval: float = 0.0,
    ) -> None:
        self.db_path = Path(db_path)
        self.catalogue_path = Path(catalogue) if catalogue else default_catalogue_path()
        self.host = host
        self.port = port
        self.market_maker = market_maker
        self.synchronous = synchronous
        self.extra_args = extra_args
        self.resettable = resettable
        #: Options the process serves every exchange with (server/options.py); a reset adds its own.
        self.options = dict(options or {})
        ExchangeOptions().but(self.options)
        #: Repeated tickers (`serve --ticker-interval`): off unless asked, so that a test sees
        #: only the messages its own actions cause.
        self.ticker_interval = ticker_interval
        self.log_path = self.db_path.with_suffix(self.db_path.suffix + ".log")
        self.process: subprocess.Popen[bytes] | None = None
        self._catalogue: Catalogue | None = None
        self._log: IO[bytes] | None = None
        #: Where this exchange's part of the log starts (a resettable process serves many).
        self._log_offset = 0

    # -- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`"""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What the SDK takes as base_url: `http://127.0.0.1:PORT/api`."""
        return self.url + "/api"

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load(self.catalogue_path)
        return self._catalogue

    # -- process -----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self.process is not None and self.process.poll() is None:
            return self
        command = [
            sys.executable,
            "-m",
            "mtgox_sandbox",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--db",
            str(self.db_path),
            "--catalogue",
            str(self.catalogue_path),
            "--synchronous",
            self.synchronous,
            *(("--market-maker",) if self.market_maker else ()),
            *(("--resettable",) if self.resettable else ()),
            *(("--options", json.dumps(self.options)) if self.options else ()),
            "--ticker-interval",
            f"{self.ticker_interval:g}",
            *self.extra_args,
        ]
        env = dict(os.environ, PYTHONPATH=_pythonpath(), PYTHONUNBUFFERED="1")
        self._log = self.log_path.open("ab")
        self._log_offset = self._log.tell()
        # a resettable server reads its commands on stdin, and exits when the pipe closes
        stdin = subprocess.PIPE if self.resettable else None
        # the command is this interpreter running this package, with arguments this object holds
        self.process = subprocess.Popen(  # noqa: S603
            command, stdin=stdin, stdout=subprocess.PIPE, stderr=self._log, env=env
        )
        line = self._read_line(START_TIMEOUT)
        prefix = "listening on http://"
        if not line.startswith(prefix):
            self.kill()
            raise RuntimeError(f"the sandbox did not start: {line!r}; log:\n{self.log_text()[-2000:]}")
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def reset(self, db_path: str | Path, **options: Any) -> Sandbox:
        """Serve a fresh exchange over the new database `db_path` (which must not exist yet),
        with `options` (server/options.py: `public_cache_s=10`...) for it alone.

        The same process and port; no account, key, nonce, order, trade, history or cached
        state of the previous exchange remains, and its ids are never handed out again. A
        process that is not running (never started, stopped, killed) is started over `db_path`.
        """
        path = Path(db_path)
        ExchangeOptions().but(options)  # a bad option is refused here, before anything is sent
        if not self.resettable:
            raise RuntimeError("reset() needs Sandbox(..., resettable=True)")
        if path.exists():
            raise FileExistsError(f"reset() needs a new database file; {path} exists")
        process = self.process
        if process is None or process.poll() is not None or process.stdin is None:
            # not running: start one, over the new database when no option asks for more (the
            # process's own options are every later reset's defaults, so they stay empty)
            self.kill()
            self.options = {}
            if not options:
                self.db_path = path
                return self.start()
            self.db_path = path.with_name(f"{path.name}.boot-{os.getpid()}-{time.monotonic_ns()}")
            self.start()
            process = self.process
            assert process is not None
            assert process.stdin is not None
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        extra = "\t" + json.dumps(options) if options else ""
        try:
            process.stdin.write(f"reset {path}{extra}\n".encode())
            process.stdin.flush()
        except BrokenPipeError:  # it died just now: start another
            self.kill()
            return self.reset(path, **options)
        answer = self._read_line(START_TIMEOUT)
        if answer != f"ready {path}":
            self._log_offset = offset
            log = self.log_text()[-2000:]
            self.kill()  # the next reset starts a new process, rather than trust this one
            raise RuntimeError(f"the sandbox did not reset: {answer!r}; log:\n{log}")
        self.db_path = path
        self._log_offset = offset
        return self

    def _read_line(self, timeout: float) -> str:
        assert self.process is not None
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        data = b""
        try:
            while not data.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return data.decode(errors="replace")
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    break
                data += chunk
        finally:
            selector.close()
        return data.decode(errors="replace").strip()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then wait; SIGKILL if it does not stop. Returns the exit status."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._cleanup()
        return process.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.kill()
            process.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        if self.process is not None:
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> Sandbox:
        """Stop and start again on the same port and database."""
        self.stop()
        return self.start()

    def log_text(self) -> str:
        """What the server logged while serving this exchange (since the last start or reset)."""
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- accounts and market -----------------------------------------------------------------

    def _units(self, fund: Mapping[str, Amount]) -> dict[str, int]:
        items = [f"{code}={amount}" for code, amount in fund.items()]
        return amounts.parse_funds(items, self.catalogue.currencies)

    def add_account(
        self,
        fund: Mapping[str, Amount] | None = None,
        *,
        name: str | None = None,
        rights: tuple[str, ...] = ledger.DEFAULT_RIGHTS,
        fee_percent: Amount | None = None,
    ) -> tuple[str, str]:
        """A new funded account; returns its (key, secret)."""
        ppm = amounts.fee_ppm(fee_percent)
        conn = connect(self.db_path)
        try:
            with transaction(conn) as tx:
                creds = ledger.create_account(tx, name, rights=rights, fee_ppm=ppm)
                ledger.fund(tx, creds.account_id, self._units(fund or {}))
        finally:
            conn.close()
        return creds.key, creds.secret

    def add_key(self, key: str, *, rights: tuple[str, ...] = ledger.DEFAULT_RIGHTS) -> tuple[str, str]:
        """One more API key (own rights, own nonce sequence) on the account of `key`; its (key, secret)."""
        conn = connect(self.db_path)
        try:
            with transaction(conn) as tx:
                return ledger.add_sibling_key(tx, key, rights)
        finally:
            conn.close()

    def deposit(self, key: str, fund: Mapping[str, Amount]) -> None:
        conn = connect(self.db_path)
        try:
            with transaction(conn) as tx:
                account = ledger.account_by_key(tx, key)
                if account is None:
                    raise KeyError(key)
                ledger.fund(tx, account, self._units(fund))
        finally:
            conn.close()

    def seed_market(self, pairs: tuple[str, ...] = ("BTCUSD",)) -> int:
        """A market maker's ladder of bids and asks on each pair; returns the orders placed."""
        conn = connect(self.db_path)
        try:
            with transaction(conn) as tx:
                return marketmaker.seed(tx, Exchange(self.catalogue), pairs)
        finally:
            conn.close()

    def check_invariants(self) -> list[str]:
        """Every broken ledger invariant (an empty list when the books balance)."""
        conn = connect(self.db_path)
        try:
            with transaction(conn, write=False) as tx:
                return ledger.check_invariants(tx)
        finally:
            conn.close()

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Read the database directly (for assertions)."""
        conn = connect(self.db_path)
        try:
            return [tuple(r) for r in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    # -- scenarios: replays, the clock, faults (the running server's `/_sandbox/`) ----------------

    @property
    def remote(self) -> Remote:
        """The running server's control surface."""
        return Remote(self.url)

    @property
    def clock(self) -> RemoteClock:
        """The exchange's clock: `now`, `advance(seconds)`, `run_until(when)`, `set_speed(n)`, ..."""
        return RemoteClock(self.remote)

    def replay(
        self,
        file: str | Path,
        *,
        speed: float | str = "stepped",
        start: Time | None = None,
        end: Time | None = None,
        pair: str | None = None,
    ) -> dict[str, object]:
        """Replay recorded trades (bitcoincharts or PyAlgoTrade CSV, or Mt. Gox's JSON answers;
        a path, or the name of a shipped recording) on this exchange, from their first trade (or
        `start`) to their last (or before `end`). `speed`: `"stepped"` (the default: the tape
        moves with `clock.advance`), `"max"`, or a number (times the wall clock). A replay sets
        the clock back only on an exchange without orders or trades yet: start it first."""
        return self.remote.replay(str(file), speed=speed, start=start, end=end, pair=pair)

    def replay_status(self) -> dict[str, object]:
        """`{"file", "trades_done", "trades_left", "done", ...}`"""
        return self.remote.replay_status()

    def wait_replay(self, timeout: float = 300.0) -> dict[str, object]:
        """Wait until the replay has printed everything (a `max` or scaled one); its state."""
        return self.remote.wait_replay(timeout)

    def fault(
        self,
        kind: str,
        path: str = "*",
        *,
        account: str | None = None,
        times: int | None = None,
        seconds: float | None = None,
    ) -> dict[str, object]:
        """Inject a fault (`http-502`, `http-503`, `timeout`, `invalid-call`, `anti-ddos`, `lag`,
        `drop-stream`, `maintenance`) on the calls whose API path matches the glob `path`, of one
        `account` (an API key or login) or all, `times` times or for `seconds` (the delay, for
        timeout and lag); its description, with the `id` that `clear_faults(id)` takes."""
        return self.remote.fault(kind, path, account=account, times=times, seconds=seconds)

    def faults(self) -> list[dict[str, object]]:
        return list(self.remote.faults())

    def clear_faults(self, fault_id: int | None = None) -> int:
        """Clear one fault, or all of them; how many went."""
        return self.remote.clear_faults(fault_id)

    def __repr__(self) -> str:
        return f"Sandbox({self.base_url}, db={self.db_path})"
