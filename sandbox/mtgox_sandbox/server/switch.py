"""One exchange at a time behind one listening socket: a reset swaps in a fresh exchange.

`mtgox-sandbox serve --resettable` serves a `Switch` instead of the `App` itself. The switch
forwards every request to the current exchange, and `reset(db)` replaces that exchange with a
new `App` over a new, empty database, on the same port, in milliseconds (the catalogue, the
interpreter, uvicorn and the socket stay). The pytest fixture resets one such process per test
instead of starting a process per test.

Isolation comes from what is replaced, not from what is cleared: everything an exchange holds
is reachable only from its `App` (the database connection and its thread, the key cache, the
fee cache, background jobs, and whatever a later module adds, such as stream subscribers). A
reset shuts the old App down and drops the last reference to it, so no list of things to clear
exists that a new kind of state could be missing from.

Ids. Keys and oids are UUID4s, so a new database never repeats them. Trade ids, priorities and
depth stamps come from the database's stamp clock; a new database would start it again from
the wall clock, so the reset carries the last stamp of the old exchange into the new database:
stamps keep increasing across resets, as they do across restarts.

The control channel is the process's stdin: `reset PATH` (optionally a tab and a JSON object of
options for the new exchange, options.py) answers `ready PATH` on stdout once
the new exchange serves, or `error MESSAGE`. When stdin closes (the parent is gone) the
process stops itself with SIGTERM, so a crashed test run leaves no server behind.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ..core.db import Tx, connect
from ..web.types import Receive, Scope, Send
from .app import App
from .lifespan import lifespan
from .options import DEFAULT_OPTIONS, ExchangeOptions, OptionsError

log = logging.getLogger("mtgox_sandbox")

#: Builds the exchange that serves one database (the same way `serve` built the first one).
Build = Callable[[Path, ExchangeOptions], App]

_BETWEEN = json.dumps(
    {"result": "error", "error": "The sandbox is between two exchanges, please retry", "token": "unknown_error"}
).encode("ascii")


class EmptyDatabase:
    """New, empty sandbox databases as byte copies of one made the usual way (`db.connect`) in a
    temporary directory: a closed WAL database is one self-contained file, and creating the
    schema costs tens of milliseconds of small writes where a copy costs a fraction of one."""

    def __init__(self) -> None:
        self._image: bytes | None = None
        self._lock = threading.Lock()

    def prepare(self) -> None:
        with self._lock:
            if self._image is None:
                with tempfile.TemporaryDirectory(prefix="mtgox-sandbox-empty-") as tmp:
                    path = Path(tmp) / "empty.db"
                    connect(path).close()
                    self._image = path.read_bytes()

    def create(self, path: Path) -> None:
        self.prepare()
        assert self._image is not None
        path.write_bytes(self._image)


def _set_stamp(floor: int) -> Callable[[Tx], None]:
    def write(tx: Tx) -> None:
        tx.execute("UPDATE meta SET value = ? WHERE key = 'stamp'", (str(floor),))

    return write


def _last_stamp(tx: Tx) -> int:
    return int(tx.scalar("SELECT value FROM meta WHERE key = 'stamp'") or 0)


class Switch:
    """The ASGI app served by a resettable sandbox: forwards to `current`, replaced by `reset`."""

    def __init__(self, first: App, build: Build, options: ExchangeOptions = DEFAULT_OPTIONS) -> None:
        self.current: App | None = first
        self.build = build
        #: What the serve command's flags set: each reset starts from these.
        self.options = options
        self.resets = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.started = threading.Event()
        self._lock: asyncio.Lock | None = None
        self._empty = EmptyDatabase()
        self._preparing: asyncio.Future[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        app = self.current
        if app is None:  # only while a reset runs, that is between two tests
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(_BETWEEN)).encode())]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": _BETWEEN})
            return
        await app(scope, receive, send)

    async def startup(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._lock = asyncio.Lock()
        # made now, while the process starts anyway, so that even the first reset is a copy
        self._preparing = asyncio.ensure_future(asyncio.to_thread(self._empty.prepare))
        if self.current is not None:
            await self.current.startup()
        self.started.set()

    async def shutdown(self) -> None:
        if self._lock is not None:
            await self._lock.acquire()  # a reset in progress finishes first; nothing runs after this
        if self._preparing is not None:
            await self._preparing
        app, self.current = self.current, None
        if app is not None:
            await app.shutdown()

    async def reset(self, db_path: Path, changes: dict[str, Any] | None = None) -> None:
        """Shut the current exchange down and serve a new one over the new database `db_path`,
        with the serve command's options but `changes`."""
        assert self._lock is not None, "the switch is not started"
        options = self.options.but(changes or {})  # checked first too: a bad option changes nothing
        if db_path.exists():  # checked first, so a refused reset leaves the current exchange serving
            raise FileExistsError(f"a reset needs a new database file; {db_path} exists")
        async with self._lock:
            old, self.current = self.current, None
            floor = 0
            if old is not None:
                floor = await old.services.worker.run(_last_stamp, write=False)  # after every request it had queued
                await old.shutdown()
            del old  # the last reference: everything the old exchange held goes with it
            await asyncio.to_thread(self._empty.create, db_path)
            app = self.build(db_path, options)
            await app.startup()
            await app.services.worker.run(_set_stamp(floor))
            self.current = app
            self.resets += 1
        log.info("reset: a fresh exchange over %s", db_path)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await lifespan(receive, send, self.startup, self.shutdown)


def control(switch: Switch, commands: TextIO, answers: TextIO) -> None:
    """Answer `reset PATH` lines from `commands` until it closes, then SIGTERM this process.

    Also when the answers cannot be written (the parent is gone): a server nobody controls stops.
    """
    try:
        for line in commands:
            command, _, rest = line.rstrip("\n").partition(" ")
            argument, _, options = rest.partition("\t")
            if command != "reset" or not argument:
                print(f"error unknown command {line.strip()!r}; expected `reset PATH`", file=answers, flush=True)
                continue
            switch.started.wait()
            assert switch.loop is not None
            try:
                changes = json.loads(options) if options else {}
                if not isinstance(changes, dict):
                    raise OptionsError("the options of a reset are a JSON object")
                asyncio.run_coroutine_threadsafe(switch.reset(Path(argument), changes), switch.loop).result()
            except Exception as exc:
                log.exception("reset to %s failed", argument)
                print(f"error {type(exc).__name__}: {exc}".replace("\n", " "), file=answers, flush=True)
            else:
                print(f"ready {argument}", file=answers, flush=True)
    finally:
        os.kill(os.getpid(), signal.SIGTERM)


def resettable(
    first: App, build: Build, commands: TextIO, answers: TextIO, options: ExchangeOptions = DEFAULT_OPTIONS
) -> Switch:
    """A switch in front of `first`, reset by `reset PATH` lines on `commands` (a daemon thread)."""
    switch = Switch(first, build, options)
    threading.Thread(target=control, args=(switch, commands, answers), name="sandbox-control", daemon=True).start()
    return switch
