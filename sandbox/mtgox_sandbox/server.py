"""Run the app under uvicorn: bind first (so port 0 works), say where, stop cleanly on a signal.

`serve()` prints exactly one line, `listening on http://HOST:PORT`, once the socket accepts
connections (flushed, so a parent process can wait for it), and returns when SIGTERM or SIGINT
arrives, after open requests finish and the database is checkpointed and closed. A second
SIGINT forces the exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TextIO

import uvicorn

from .app import App
from .stream.upgrade import UpgradingH11Protocol


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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def serve(app: App, host: str, port: int, *, access_log: bool = False, out: TextIO | None = None) -> None:
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=access_log,
        lifespan="on",
        timeout_graceful_shutdown=5,
        server_header=False,
        http=UpgradingH11Protocol,
        # Mt. Gox's stream predates permessage-deflate (RFC 7692, 2015); compressing every frame
        # for every subscriber cost two thirds of the server's time in the fan-out benchmark.
        ws_per_message_deflate=False,
    )
    server = _Server(config)
    stream = out or sys.stdout

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            print(f"listening on http://{url_host(host)}:{actual}", file=stream, flush=True)
        await task

    try:
        asyncio.run(main())
    finally:
        sock.close()
