"""The smallest HTTP/1.1 server that answers the benchmarked paths: canned JSON, at once.

It runs in its own process (`python -m bench.server`), so it does not share the client's GIL,
and answers each request with one `write` of headers and body together on a TCP_NODELAY
socket: no Nagle/delayed-ACK stall on loopback. Keep-alive; no parsing beyond the request
line and Content-Length. It never checks signatures: it measures the client, not itself.

    python -m bench.server [--port 0]   # prints `listening on http://127.0.0.1:PORT`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from .payloads import INFO_BODY, NOT_FOUND_BODY, TICKER_BODY

READY = "listening on http://"


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


#: Path suffix -> the JSON body answered (bench.uvicorn_app answers the same).
BODIES: dict[bytes, bytes] = {b"/money/ticker": TICKER_BODY, b"/money/info": INFO_BODY}
_WIRE = {body: _response("200 OK", body) for body in BODIES.values()}
NOT_FOUND = _response("404 Not Found", NOT_FOUND_BODY)


def route(target: bytes) -> tuple[int, bytes]:
    """(status, JSON body) for a request target (path and query)."""
    path = target.split(b"?", 1)[0]
    for suffix, body in BODIES.items():
        if path.endswith(suffix):
            return 200, body
    return 404, NOT_FOUND_BODY


def answer(target: bytes) -> bytes:
    """The canned response (status line, headers and body) for a request target."""
    status, body = route(target)
    return _WIRE[body] if status == 200 else NOT_FOUND


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        transport = self.transport
        assert transport is not None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            length = 0
            at = head.lower().find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            total = end + 4 + length
            if len(buffer) < total:
                break
            line_end = head.find(b"\r\n")
            request_line = head[: line_end if line_end >= 0 else len(head)]
            parts = request_line.split(b" ")
            transport.write(answer(parts[1] if len(parts) > 1 else b"/"))
            buffer = buffer[total:]
        self.buffer = buffer


async def _serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Protocol, host, port, backlog=2048, reuse_address=True)
    actual = server.sockets[0].getsockname()[1]
    print(f"{READY}{host}:{actual}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.host, args.port))
    return 0


# -- running a server process --------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


def _pythonpath(first: str | None = None) -> str:
    parts = [str(REPO)] if first is None else [first, str(REPO)]
    if os.environ.get("PYTHONPATH"):
        parts.append(os.environ["PYTHONPATH"])
    return os.pathsep.join(parts)


@contextlib.contextmanager
def server_process(
    command: list[str], *, timeout: float = 30.0, log: Path | None = None, pythonpath: str | None = None
) -> Iterator[str]:
    """Start `command`, wait for its `listening on http://HOST:PORT` line, yield that URL, stop it.

    `pythonpath` comes first on the server's path (another revision's packages: bench/revisions.py).
    """
    env = dict(os.environ, PYTHONPATH=_pythonpath(pythonpath), PYTHONUNBUFFERED="1")
    with contextlib.ExitStack() as stack:
        err = stack.enter_context(log.open("ab")) if log is not None else subprocess.DEVNULL
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=env, cwd=REPO)
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + timeout
            line = ""
            while time.monotonic() < deadline:
                raw = proc.stdout.readline()
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith(READY):
                    break
            if not line.startswith(READY):
                raise RuntimeError(f"{' '.join(command[:4])}... did not start (last line {line!r})")
            yield "http://" + line[len(READY) :]
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def bench_server() -> contextlib.AbstractContextManager[str]:
    """The canned server in a child process; yields `http://127.0.0.1:PORT`."""
    return server_process([sys.executable, "-m", "bench.server", "--port", "0"])


if __name__ == "__main__":
    sys.exit(main())
