"""Public answers kept while what they were made from stays the same: a bot polling the trade
list of an unchanged market gets the page encoded once, not rendered again on every poll.

The key names everything the answer depends on (for the trade list: the pair, the page size,
and the first and last trade of the page's window as the transaction sees them), so a hit is
exactly the answer that would be made now; nothing expires by time. Bounded in bytes: the
least recently used answers go first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

#: Bytes of encoded answers kept per exchange.
DEFAULT_MAX_BYTES = 8 << 20


@dataclass(frozen=True)
class Encoded:
    """A JSON payload encoded already: the envelope is written around its bytes, not around a
    tree encoded again."""

    json: bytes


class AnswerCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._answers: OrderedDict[Hashable, Encoded] = OrderedDict()

    def get(self, key: Hashable) -> Encoded | None:
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
        return found

    def put(self, key: Hashable, answer: Encoded) -> None:
        if len(answer.json) > self.max_bytes:
            return
        old = self._answers.pop(key, None)
        if old is not None:
            self.size -= len(old.json)
        self._answers[key] = answer
        self.size += len(answer.json)
        while self.size > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self.size -= len(dropped.json)
