"""A bounded slowloris: trickling, idle and huge-body connections, and how long the server holds each.

    python -m tests.sandbox.slowloris HOST PORT [SECONDS]    # prints what the sandbox held, and for how long

Every connection is a plain socket; one that the server closes is seen as EOF (or a reset)
when read. `Attack.run()` returns, per kind, the seconds after which the server closed each
connection (None: still open when the run ended).
"""

from __future__ import annotations

import selectors
import socket
import sys
import time
from dataclasses import dataclass, field

REQUEST_HEAD = b"POST /api/2/money/info HTTP/1.1\r\nHost: sandbox\r\n"


@dataclass
class Held:
    kind: str
    sock: socket.socket
    opened: float
    closed_after: float | None = None
    answer: bytes = b""
    #: what a trickling connection still has to send, one byte at a time
    pending: bytes = b""


@dataclass
class Attack:
    host: str
    port: int
    trickling: int = 20
    idle: int = 20
    huge: int = 1
    trickle_every: float = 0.2
    held: list[Held] = field(default_factory=list)

    def open(self) -> None:
        for kind, count in (("trickling", self.trickling), ("idle", self.idle), ("huge", self.huge)):
            for _ in range(count):
                sock = socket.create_connection((self.host, self.port), timeout=5)
                sock.setblocking(False)
                conn = Held(kind, sock, time.monotonic())
                if kind == "trickling":
                    conn.pending = REQUEST_HEAD + b"X-Padding: " + b"a" * 10_000
                elif kind == "huge":
                    head = REQUEST_HEAD + b"Content-Length: 10000000000\r\nRest-Key: x\r\nRest-Sign: x\r\n\r\n"
                    sock.sendall(head + b"nonce=1")
                self.held.append(conn)

    def run(self, seconds: float) -> dict[str, list[float | None]]:
        """Trickle for up to `seconds`, stopping early once the server closed everything."""
        self.open()
        selector = selectors.DefaultSelector()
        for conn in self.held:
            selector.register(conn.sock, selectors.EVENT_READ, conn)
        deadline = time.monotonic() + seconds
        next_trickle = time.monotonic()
        try:
            while time.monotonic() < deadline and any(c.closed_after is None for c in self.held):
                now = time.monotonic()
                if now >= next_trickle:
                    next_trickle = now + self.trickle_every
                    for conn in self.held:
                        if conn.closed_after is None and conn.pending:
                            try:
                                conn.sock.send(conn.pending[:1])
                                conn.pending = conn.pending[1:]
                            except OSError:
                                self._closed(selector, conn)
                for key, _ in selector.select(min(0.05, max(0.0, next_trickle - time.monotonic()))):
                    conn = key.data
                    try:
                        data = conn.sock.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if data:
                        conn.answer += data
                    else:
                        self._closed(selector, conn)
        finally:
            selector.close()
            for conn in self.held:
                conn.sock.close()
        out: dict[str, list[float | None]] = {}
        for conn in self.held:
            out.setdefault(conn.kind, []).append(conn.closed_after)
        return out

    def _closed(self, selector: selectors.BaseSelector, conn: Held) -> None:
        if conn.closed_after is None:
            conn.closed_after = time.monotonic() - conn.opened
            selector.unregister(conn.sock)


def summary(result: dict[str, list[float | None]]) -> str:
    parts = []
    for kind, times in result.items():
        cut = [t for t in times if t is not None]
        held = len(times) - len(cut)
        worst = f", cut after {max(cut):.1f} s at most" if cut else ""
        parts.append(f"{kind}: {len(times)} opened, {held} still held{worst}")
    return "; ".join(parts)


if __name__ == "__main__":
    attack = Attack(sys.argv[1], int(sys.argv[2]))
    print(summary(attack.run(float(sys.argv[3]) if len(sys.argv) > 3 else 15.0)))
