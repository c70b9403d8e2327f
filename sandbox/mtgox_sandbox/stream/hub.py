"""Subscribers and fan-out: one bounded queue per connection, never a wait on a slow one.

`publish` runs on the event loop and only appends to queues (a JSON text is made once per
message, whatever the number of subscribers). A subscriber whose queue is full is cut off:
its queue is emptied, it leaves every channel at once (so memory stays bounded and the others
do not notice), and its connection sends it a remark and closes (connection.py).

While its connection waits for the answer to a signed call, a subscriber holds back what is
offered (`hold`): the answer goes out first, then what was held (`release`), in order, as
Mt. Gox queued an order and answered before the engine ran it. What is held counts towards the
same limit as the queue.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

#: Messages a connection may have waiting before it is judged too slow (about 2 MB of depth
#: messages); MTGOX_SANDBOX_STREAM_QUEUE sets another limit.
QUEUE_LIMIT = 4096
QUEUE_ENV = "MTGOX_SANDBOX_STREAM_QUEUE"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one channel (a public channel id or an account's private channel id)."""

    channel: str
    text: str


def queue_limit() -> int:
    text = os.environ.get(QUEUE_ENV, "").strip()
    return max(1, int(text)) if text.isdigit() else QUEUE_LIMIT


class Subscriber:
    def __init__(self, hub: Hub, limit: int) -> None:
        self.hub = hub
        self.limit = limit
        self.queue: deque[str] = deque()
        self.channels: set[str] = set()
        self.wake = asyncio.Event()
        self.overflowed = asyncio.Event()
        #: Set when the exchange shuts down (or is replaced): the connection closes.
        self.ended = asyncio.Event()
        #: The longest the queue has been (for tests and the benchmark).
        self.high_water = 0
        #: The path the connection came in on (`/mtgox`, `/socket.io/1/websocket/...`): what a
        #: stream fault's glob is matched against.
        self.path = ""
        #: Messages held back while a call's answer is awaited (None: not holding).
        self.held: deque[str] | None = None

    def offer(self, text: str) -> None:
        if self.overflowed.is_set():
            return
        held = self.held
        if len(self.queue) + (len(held) if held is not None else 0) >= self.limit:
            self.queue.clear()
            self.held = None
            self.overflowed.set()
            self.hub.leave(self)
        elif held is not None:
            held.append(text)
            return
        else:
            self.queue.append(text)
            if len(self.queue) > self.high_water:
                self.high_water = len(self.queue)
        self.wake.set()

    def hold(self) -> None:
        """Hold back what is offered from now on, until `release`."""
        if self.held is None:
            self.held = deque()

    def release(self, first: str) -> None:
        """Offer `first` (a call's answer), then everything held since `hold`."""
        held, self.held = self.held, None
        self.offer(first)
        for text in held or ():
            self.offer(text)

    def drain(self) -> list[str]:
        items = list(self.queue)
        self.queue.clear()
        self.wake.clear()
        return items


class Hub:
    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit if limit is not None else queue_limit()
        self.subscribers: set[Subscriber] = set()
        self._by_channel: dict[str, set[Subscriber]] = {}

    @property
    def active(self) -> bool:
        return bool(self.subscribers)

    def join(self) -> Subscriber:
        sub = Subscriber(self, self.limit)
        self.subscribers.add(sub)
        return sub

    def attach(self, sub: Subscriber) -> None:
        """A subscriber of another kind (PubNub's channel logs: pubnub.py)."""
        self.subscribers.add(sub)

    def leave(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        for channel in sub.channels:
            members = self._by_channel.get(channel)
            if members is not None:
                members.discard(sub)
                if not members:
                    del self._by_channel[channel]
        sub.channels.clear()

    def subscribe(self, sub: Subscriber, channel: str) -> None:
        if sub in self.subscribers:
            sub.channels.add(channel)
            self._by_channel.setdefault(channel, set()).add(sub)

    def unsubscribe(self, sub: Subscriber, channel: str) -> None:
        sub.channels.discard(channel)
        members = self._by_channel.get(channel)
        if members is not None:
            members.discard(sub)
            if not members:
                del self._by_channel[channel]

    def end_all(self) -> None:
        """Close every connection (the exchange is shutting down or being replaced)."""
        for sub in tuple(self.subscribers):
            self.end(sub)

    def end(self, sub: Subscriber) -> None:
        """Close one connection (a dropped stream): it leaves its channels, its writer closes it."""
        self.leave(sub)
        sub.ended.set()
        sub.wake.set()

    def wants(self, channel: str) -> bool:
        """Whether anyone listens to `channel` (read from the database thread: a plain dict lookup)."""
        return channel in self._by_channel

    def publish(self, messages: Iterable[Outgoing]) -> None:
        for message in messages:
            for sub in tuple(self._by_channel.get(message.channel, ())):
                sub.offer(message.text)
