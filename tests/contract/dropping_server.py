"""A loopback HTTP server that reads every request and drops the first one without answering.

This is the case a retry policy must get right: the request reached the exchange (an order may
now exist), but the answer never came back. Later requests get `answer`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class DroppingServer:
    answer: bytes
    requests: list[bytes] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _serve(listener: socket.socket, server: DroppingServer, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:  # look at `stop` again
            continue
        with conn:
            conn.settimeout(10)
            request = _read_request(conn)
            if not request:
                continue
            server.requests.append(request)
            if len(server.requests) == 1:
                continue  # dropped: the connection closes with no answer at all
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(server.answer)}\r\nConnection: close\r\n\r\n"
            )
            conn.sendall(head.encode("ascii") + server.answer)


@contextmanager
def dropping_server(answer: bytes) -> Iterator[DroppingServer]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    stop = threading.Event()
    server = DroppingServer(answer, port=listener.getsockname()[1])
    thread = threading.Thread(target=_serve, args=(listener, server, stop), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=10)
        listener.close()
