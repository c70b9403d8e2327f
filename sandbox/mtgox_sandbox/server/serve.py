"""Run the app under uvicorn: bind first (so port 0 works), say where, stop cleanly on a signal.

`serve()` prints, once the socket accepts connections (flushed, so a parent process can wait
for it), exactly one line on stdout and the base URL a client needs on stderr:

    listening on http://HOST:PORT                                   (stdout)
    mtgox-sandbox: base URL for clients: http://HOST:PORT/api       (stderr)

stdout stays that one line, because callers parse it (the fixture reads whatever the pipe
holds and takes what follows the last colon as the port; examples/run_demo.py, bench/server.py);
both lines show in a terminal, and pasting the first as a base URL made every call a "Method
not found". `serve()` returns when SIGTERM or SIGINT arrives, after open requests finish (0.5 s
at most; a request still receiving its body is closed) and the database is checkpointed and
closed. A second SIGINT forces the exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TextIO

import uvicorn

from ..web.limits import Limits, protocol_class
from ..web.netaddr import is_loopback_host
from ..web.types import ASGIApp

#: How long SIGTERM waits for requests in progress (they take milliseconds) before cancelling them.
GRACEFUL_SHUTDOWN_SECONDS = 0.5

__all__ = ["ASGIApp", "bind", "binds_loopback_only", "serve", "url_host"]


class _Server(uvicorn.Server):
    """uvicorn re-raises a captured signal after shutting down; a sandbox just exits 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handle(sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            self.should_exit = True

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def binds_loopback_only(host: str) -> bool:
    """A bind address (as given to --host) only this machine can reach: `localhost` or a loopback
    IP. Unlike the SDK's URL check, no brackets or case to undo: the address goes to bind()."""
    return is_loopback_host(host)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only
    # then, and without it every keep-alive answer (headers, then body) waits ~40 ms for an ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _upgrades_and_warnings(record: logging.LogRecord) -> bool:
    """Of uvicorn's INFO lines, only its websocket upgrades (`"WebSocket /mtgox" 403`)."""
    if record.levelno >= logging.WARNING:
        return True
    text = str(record.msg)
    return '"WebSocket ' in text or text.startswith("opening handshake failed")


def serve(
    app: ASGIApp,
    host: str,
    port: int,
    *,
    limits: Limits | None = None,
    access_log: bool = False,
    out: TextIO | None = None,
) -> None:
    """Serve `app` with the connection limits `limits` (the same ones the app's `App`s were built
    with: body size and time are judged in the app, headers, idle time and connections here)."""
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    limits = limits or Limits()
    config = uvicorn.Config(
        app,
        http=protocol_class(limits),
        # uvicorn's own logging config sends the access log to stdout, where a parent process
        # reads only the listening line; propagated to the root logger, it goes to stderr
        log_config=None,
        log_level="warning",
        access_log=access_log,
        lifespan="on",
        # requests take milliseconds; one still receiving its body is closed at once (limits.py)
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,  # type: ignore[arg-type]  # a float works
        timeout_keep_alive=limits.idle_timeout,  # type: ignore[arg-type]  # uvicorn takes a float
        h11_max_incomplete_event_size=limits.max_header_bytes,
        server_header=False,
        # Mt. Gox's stream predates permessage-deflate (RFC 7692, 2015); compressing every frame
        # for every subscriber cost two thirds of the server's time in the fan-out benchmark.
        ws_per_message_deflate=False,
    )
    if access_log:  # uvicorn sets its access logger to log_level (warning), which hid every line
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
        # uvicorn reports websocket upgrades, accepted or refused, at INFO on its error logger
        error_log = logging.getLogger("uvicorn.error")
        error_log.setLevel(logging.INFO)
        error_log.addFilter(_upgrades_and_warnings)
    server = _Server(config)
    stream = out or sys.stdout

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            url = f"http://{url_host(host)}:{actual}"
            print(f"listening on {url}", file=stream, flush=True)
            print(f"mtgox-sandbox: base URL for clients: {url}/api", file=sys.stderr, flush=True)
        await task

    try:
        asyncio.run(main())
    finally:
        sock.close()
