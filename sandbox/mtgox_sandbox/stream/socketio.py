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
#: Of those, what one peer (an address: web/netaddr.py says which) may have waiting. A client
#: upgrades within milliseconds of its handshake, so a few are plenty; past them the peer is
#: answered 503 at once, and a flood from one address leaves the others' room untouched.
MAX_PENDING_PER_PEER = 32


class SocketIoSessions:
    """Handshakes not yet upgraded: sid -> (expiry on the monotonic clock, the peer, the handshake's
    query), and how many each peer has waiting."""

    def __init__(self, spec: SocketIoTransport) -> None:
        self.spec = spec
        self.path = "/" + spec.path.strip("/")
        self.namespace = spec.namespace
        self._sessions: dict[str, tuple[float, str, dict[str, str]]] = {}
        self._by_peer: dict[str, int] = {}

    def owns(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + "/")

    def open(self, query_string: bytes, peer: str = "") -> str | None:
        """A new session's handshake answer (`sid:heartbeat:close:websocket`) for `peer`, None when
        the table or the peer's share of it is full."""
        now = time.monotonic()
        if not self._admit(now, peer):
            return None
        sid = secrets.token_hex(10)
        self._sessions[sid] = (now + self.spec.session_expiry_s, peer, parse_query(query_string))
        self._by_peer[peer] = self._by_peer.get(peer, 0) + 1
        return f"{sid}:{self.spec.heartbeat_timeout_s}:{self.spec.close_timeout_s}:websocket"

    def pending(self, peer: str) -> int:
        return self._by_peer.get(peer, 0)

    def _admit(self, now: float, peer: str) -> bool:
        """Drop expired sessions and say whether one more fits. Every session lives the same time,
        so insertion order is expiry order: only the oldest are looked at, O(1) amortised per
        handshake; at most MAX_PENDING_SESSIONS wait for their upgrade, MAX_PENDING_PER_PEER of
        them from one peer."""
        sessions = self._sessions
        while sessions:
            oldest = next(iter(sessions))
            if sessions[oldest][0] > now:
                break
            self._forget(oldest)
        return len(sessions) < MAX_PENDING_SESSIONS and self._by_peer.get(peer, 0) < MAX_PENDING_PER_PEER

    def _forget(self, sid: str) -> tuple[float, str, dict[str, str]] | None:
        found = self._sessions.pop(sid, None)
        if found is not None:
            left = self._by_peer[found[1]] - 1
            if left:
                self._by_peer[found[1]] = left
            else:
                del self._by_peer[found[1]]
        return found

    def take(self, path: str) -> dict[str, str] | None:
        """The query of the session a websocket path names, once (None: unknown or expired)."""
        head = self.path + "/websocket/"
        if not path.startswith(head):
            return None
        found = self._forget(path[len(head) :].strip("/"))
        if found is None or found[0] < time.monotonic():
            return None
        return found[2]


def split_frame(frame: str) -> tuple[str, str, str, str]:
    """`4:1+:/mtgox:{...}` -> ("4", "1+", "/mtgox", "{...}"); missing parts are empty."""
    parts = frame.split(":", 3)
    parts += [""] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]
