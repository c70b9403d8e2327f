"""Socket.IO protocol revision 1 (the socket.io 0.9 era), namespace `/mtgox`, transport-free: the
handshake sessions waiting for their websocket, and the frame format. web/socketio.py serves it.

1. Handshake: GET or POST `/socket.io/1` or `/socket.io/1/` (optionally with the MtGox query)
   answers `sid:heartbeat:close:websocket`, chunked as Mt. Gox sent it; the sid must be used
   within `session_expiry_s`.
2. Upgrade (RFC 6455, on the same keep-alive connection or a new one) at
   `/socket.io/1/websocket/<sid>`: the server sends `1::`; the client `1::/mtgox`,
   `1::/mtgox:` or `1::/mtgox?Currency=EUR`; the server echoes `1::/mtgox`; data flows.
3. Frames `type:id:endpoint:data`: server data as `4::/mtgox:{json}`; client data as `4::` (JSON)
   or `3::` (text holding JSON); `2::` heartbeats (the server sends one after
   `heartbeat_timeout_s / 2` without output, and ignores the client's, which only answer or
   keep alive); `0::` disconnects.
"""

from __future__ import annotations

import secrets
import time

from mtgox_catalogue.model import SocketIoTransport

from .session import parse_query

#: Handshakes waiting for their websocket upgrade (each for at most the session expiry, 30 s).
MAX_PENDING_SESSIONS = 1024


class SocketIoSessions:
    """Handshakes not yet upgraded: sid -> (expiry on the monotonic clock, the handshake's query)."""

    def __init__(self, spec: SocketIoTransport) -> None:
        self.spec = spec
        self.path = "/" + spec.path.strip("/")
        self.namespace = spec.namespace
        self._sessions: dict[str, tuple[float, dict[str, str]]] = {}

    def owns(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + "/")

    def open(self, query_string: bytes) -> str | None:
        """A new session's handshake answer (`sid:heartbeat:close:websocket`), None when full."""
        now = time.monotonic()
        if not self._admit(now):
            return None
        sid = secrets.token_hex(10)
        self._sessions[sid] = (now + self.spec.session_expiry_s, parse_query(query_string))
        return f"{sid}:{self.spec.heartbeat_timeout_s}:{self.spec.close_timeout_s}:websocket"

    def _admit(self, now: float) -> bool:
        """Drop expired sessions and say whether one more fits. Every session lives the same time,
        so insertion order is expiry order: only the oldest are looked at, O(1) amortised per
        handshake, and at most MAX_PENDING_SESSIONS wait for their upgrade."""
        sessions = self._sessions
        while sessions:
            oldest = next(iter(sessions))
            if sessions[oldest][0] > now:
                break
            del sessions[oldest]
        return len(sessions) < MAX_PENDING_SESSIONS

    def take(self, path: str) -> dict[str, str] | None:
        """The query of the session a websocket path names, once (None: unknown or expired)."""
        head = self.path + "/websocket/"
        if not path.startswith(head):
            return None
        found = self._sessions.pop(path[len(head) :].strip("/"), None)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]


def split_frame(frame: str) -> tuple[str, str, str, str]:
    """`4:1+:/mtgox:{...}` -> ("4", "1+", "/mtgox", "{...}"); missing parts are empty."""
    parts = frame.split(":", 3)
    parts += [""] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]
