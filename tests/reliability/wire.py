"""Controllable servers on 127.0.0.1 for fault tests: raw sockets and threads, nothing mocked.

- `FaultServer`: an HTTP/1.1 server that answers each request with the next scripted `Act`:
  a normal answer, N 5xx, a reset mid-response (half the answer, then RST via SO_LINGER 0), a
  reset before answering, a close right after the headers, or an answer slower than the client
  is willing to wait. It records every request it read in full.
- `TcpProxy`: a TCP relay in front of another server (the sandbox) that can drop the next N
  responses (the request reaches the server, the answer never reaches the client: the
  connection is reset instead), and counts a byte pattern in what the server sent back
  (`login_error_invalid_nonce`: the server's own nonce rejections).
- `free_port()`: a port with nothing listening on it (connection refused).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Self


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


@dataclass(frozen=True)
class Act:
    """What the server does with one request."""

    kind: str  # answer | chunked | reset_mid | reset_before | close_after_headers | slow | trickle | trickle_headers | silent
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()


def answer(payload: Any, status: int = 200) -> Act:
    return Act("answer", status, json.dumps(payload).encode())


def html(status: int) -> Act:
    return Act(
        "answer", status, b"<html><body><h1>%d</h1></body></html>" % status, headers=(("Content-Type", "text/html"),)
    )


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Listener:
    """A listening socket whose connections are each served (`_serve`) in a thread of their own;
    `with` starts accepting, and leaving stops it, waking threads blocked on idle connections."""

    _serve: Callable[[socket.socket], None]

    def _listen(self, host: str, port: int, name: str) -> int:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self._accepter = threading.Thread(target=self._accept, name=name, daemon=True)
        bound: int = self._sock.getsockname()[1]
        return bound

    def __enter__(self) -> Self:
        self._accepter.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._accepter.join(5)
        with contextlib.suppress(OSError):
            self._sock.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:  # wake connection threads blocked reading an idle connection
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()


@dataclass
class FaultServer(Listener):
    """`with FaultServer() as server:` ... `server.script(Act(...), ...)`; `server.default` answers the rest."""

    default: Act = field(default_factory=lambda: answer({"result": "success", "data": "ok"}))
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._acts: deque[Act] = deque()
        self.port = self._listen("127.0.0.1", self.port, "fault-server")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def script(self, *acts: Act) -> FaultServer:
        with self._lock:
            self._acts.extend(acts)
        return self

    def count(self, path_part: str = "") -> int:
        with self._lock:
            return sum(1 for r in self.requests if path_part in r.path)

    def _read_request(self, conn: socket.socket) -> Recorded | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            body += chunk
        return Recorded(method, path, headers, body)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            while not self._stop.is_set():
                request = self._read_request(conn)
                if request is None:
                    break
                with self._lock:
                    self.requests.append(request)
                    act = self._acts.popleft() if self._acts else self.default
                if not self._perform(conn, act):
                    return
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
        with contextlib.suppress(OSError):
            conn.close()

    @staticmethod
    def _response(act: Act, *, length: int | None = None, extra_headers: tuple[tuple[str, str], ...] = ()) -> bytes:
        reason = {200: "OK", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        lines = [f"HTTP/1.1 {act.status} {reason.get(act.status, 'Status')}"]
        headers = dict(act.headers)
        headers.update(extra_headers)
        headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(act.body) if length is None else length)
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + act.body

    def _perform(self, conn: socket.socket, act: Act) -> bool:
        """Carry out `act`; False when the connection is finished."""
        if act.kind == "answer":
            conn.sendall(self._response(act))
            return True
        if act.kind == "chunked":  # Transfer-Encoding: chunked, 16 KiB a chunk, no Content-Length
            head = self._response(replace(act, body=b""), extra_headers=(("Transfer-Encoding", "chunked"),))
            head = head.replace(b"Content-Length: 0\r\n", b"")
            size = 16 * 1024
            pieces = [
                b"%x\r\n%s\r\n" % (len(c), c) for c in (act.body[i : i + size] for i in range(0, len(act.body), size))
            ]
            conn.sendall(head + b"".join(pieces) + b"0\r\n\r\n")
            return True
        if act.kind == "slow":
            if self._stop.wait(act.delay):
                return False
            with contextlib.suppress(OSError):
                conn.sendall(self._response(act))
            return False
        if act.kind == "reset_mid":
            whole = self._response(act)
            conn.sendall(whole[: max(1, len(whole) // 2)])
            time.sleep(0.01)
            reset(conn)
            return False
        if act.kind == "reset_before":
            reset(conn)
            return False
        if act.kind == "close_after_headers":
            whole = self._response(act, length=len(act.body) + 100)
            conn.sendall(whole[: whole.index(b"\r\n\r\n") + 4])
            conn.close()
            return False
        if act.kind in ("trickle", "trickle_headers"):  # a byte at a time, each within the read timeout
            whole = self._response(act, extra_headers=act.headers)
            split = whole.index(b"\r\n\r\n") + 4 if act.kind == "trickle" else 0
            conn.sendall(whole[:split])
            for i in range(split, len(whole)):
                if self._stop.wait(act.delay):
                    return False
                conn.sendall(whole[i : i + 1])
            return True
        if act.kind == "silent":
            self._stop.wait(act.delay)
            reset(conn)
            return False
        raise ValueError(act.kind)


class TcpProxy:
    """Relays 127.0.0.1:port to target; can lose responses and count what the server said."""

    def __init__(self, target: tuple[str, int], *, port: int = 0, count: bytes = b"") -> None:
        self.target = target
        self.pattern = count
        self.matches = 0
        self.drop_responses = 0
        self.dropped = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(256)
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> TcpProxy:
        t = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._threads.append(t)
        t.start()
        return self

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        with self._lock:
            sockets = list(self._sockets)
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        for t in self._threads:
            t.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                reset(client)
                continue
            for s in (client, upstream):
                s.settimeout(None)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                self._sockets.update((client, upstream))
            for src, dst, back in ((client, upstream, False), (upstream, client, True)):
                t = threading.Thread(target=self._pump, args=(src, dst, back), daemon=True)
                self._threads.append(t)
                t.start()

    @staticmethod
    def _abort(client: socket.socket) -> None:
        """Reset the client's connection. The other pump thread is blocked reading it, and a socket
        closed under a blocked reader is only released (and the RST sent) when the read returns: so
        arm SO_LINGER 0 and wake the reader, which then closes it."""
        with contextlib.suppress(OSError):
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_RD)

    def _pump(self, src: socket.socket, dst: socket.socket, back: bool) -> None:
        tail = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if back:
                    with self._lock:
                        drop = self.drop_responses > 0
                        if drop:
                            self.drop_responses -= 1
                            self.dropped += 1
                    if drop:  # the server answered; the client never hears it
                        self._abort(dst)
                        reset(src)
                        return
                    if self.pattern:
                        window = tail + data
                        found = window.count(self.pattern)
                        tail = window[-(len(self.pattern) - 1) :]
                        if found:
                            with self._lock:
                                self.matches += found
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with self._lock:
            self._sockets.discard(src)
        with contextlib.suppress(OSError):
            src.close()
