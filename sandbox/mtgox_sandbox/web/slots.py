"""Stream connections, counted apart from HTTP's: one `StreamSlots` per server process.

A stream connection (an RFC 6455 or Hixie websocket, a PubNub subscribe long-poll while it
waits) lives for minutes or hours where an HTTP request lasts milliseconds, so it takes a slot
here rather than one of HTTP's connections (guarded.py counts HTTP connections as all of them
less these): however many streams are open, HTTP keeps its own connections. Streams have
their own cap, and a cap per peer (netaddr.py) so that one address cannot take them all.
"""

from __future__ import annotations


class StreamSlots:
    def __init__(self, most: int, per_peer: int) -> None:
        self.most = most
        self.per_peer = per_peer
        #: Stream connections open now.
        self.total = 0
        self._by_peer: dict[str, int] = {}

    def refusal(self, peer: str) -> str | None:
        """Why one more stream from `peer` is refused, or None when it may open."""
        if self.total >= self.most:
            return f"Too many stream connections (at most {self.most}); retry later"
        if self._by_peer.get(peer, 0) >= self.per_peer:
            return f"Too many stream connections from one address (at most {self.per_peer}); retry later"
        return None

    def take(self, peer: str) -> None:
        self.total += 1
        self._by_peer[peer] = self._by_peer.get(peer, 0) + 1

    def give_back(self, peer: str) -> None:
        self.total -= 1
        left = self._by_peer.get(peer, 0) - 1
        if left > 0:
            self._by_peer[peer] = left
        else:
            self._by_peer.pop(peer, None)
