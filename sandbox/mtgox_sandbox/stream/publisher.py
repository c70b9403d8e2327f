"""From a committed transaction to its subscribers: the stream's part in every write.

The server's worker calls `begin` as a write transaction starts (facts are recorded only while
someone listens), `before_commit` once its calls have run (still inside it: the little the
messages need beyond the facts is read here, the private channel of each account concerned and
each touched pair's best prices), and the function that returns right after the commit, on the
event loop, before any answer leaves: the messages are built from the facts alone and queued
in commit order.

Reading before the commit can be interrupted like any statement of an inline transaction; the
worker then runs the whole transaction again on its thread, so nothing is lost. Building
cannot fail for a reason the transaction did not have; should it fail all the same, every
subscriber of every channel the messages were for gets a remark saying what was lost and to
resync (`"resync": true`): never silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..core import book
from ..core.db import Tx
from ..core.events import Event
from .hub import Hub, Outgoing
from .messages import Builder, Snapshot, accounts_of, dumps, remark, touched_pairs

log = logging.getLogger("mtgox_sandbox.stream")

LOST = "Messages of a transaction could not be built and were lost: resync this channel (a snapshot)"


class Publisher:
    def __init__(self, builder: Builder, hub: Hub) -> None:
        self.builder = builder
        self.hub = hub
        #: account id -> private channel id (an account's uuid never changes).
        self._private: dict[int, str] = {}
        #: Transactions whose messages could not be built (for tests and diagnostics).
        self.failures = 0

    def begin(self, tx: Tx) -> None:
        tx.events = [] if self.hub.active else None

    def before_commit(self, tx: Tx) -> Callable[[], None] | None:
        facts = tx.events
        if not facts:
            return None
        missing = accounts_of(facts) - self._private.keys()
        if missing:
            marks = ",".join("?" * len(missing))
            for row in tx.all(f"SELECT id, uuid FROM accounts WHERE id IN ({marks})", sorted(missing)):  # noqa: S608
                self._private[int(row[0])] = str(row[1])
        best = {code: (book.best(tx, code, "bid"), book.best(tx, code, "ask")) for code in touched_pairs(facts)}
        snap = Snapshot({a: self._private[a] for a in accounts_of(facts) if a in self._private}, best, tx.now_us)
        return lambda: self.publish(list(facts), snap)

    def publish(self, facts: list[Event], snap: Snapshot) -> None:
        """On the event loop, right after the commit."""
        try:
            messages = self.builder.build(facts, snap, self.hub.wants)
        except Exception:
            self.failures += 1
            log.exception("building the stream messages of a transaction failed; its subscribers are told")
            self.hub.publish(self._lost(facts, snap))
            return
        self.hub.publish(messages)

    def _lost(self, facts: list[Event], snap: Snapshot) -> list[Outgoing]:
        out = []
        for channel in self.builder.channels_of(facts, snap):
            if self.hub.wants(channel):
                out.append(Outgoing(channel, dumps(remark(LOST, channel=channel, resync=True))))
        return out
