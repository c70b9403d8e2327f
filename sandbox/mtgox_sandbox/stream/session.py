"""One stream client's session, whatever transport carries it: its query, its subscriptions, its
ops, its writer.

Client ops (reference section 3), all answered on the same connection:
- `mtgox.subscribe` (or the undocumented `subscribe`) with `type` (ticker | depth | trades |
  lag; ticker and depth of the connection's currencies), `channel` (a name like
  `depth.BTCEUR` or a uuid) or `key` (an idkey: the account's private channel); each channel
  is acknowledged `{"op": "subscribe", "channel": uuid}`;
- `unsubscribe` with `channel` (uuid or name) or `type`; acknowledged likewise;
- `call`: a signed call (calls.py), answered `result` or `remark` with the caller's `id`,
  before any message the call's transaction caused (the subscriber holds them: hub.py);
- anything that is not a JSON object: a remark whose `debug.data_raw` quotes it (its first
  ECHO_CHARS characters: an echo whole, JSON-escaped, let a client that never reads make the
  server hold six times what it sent).
Query: `Currency=EUR,USD` picks the currencies of the default ticker and depth channels (USD
when absent); `Channel=a/b` (names, `*` and `?` wildcards) subscribes those instead of the
defaults. What a query can cost is bounded: at most MAX_QUERY_NAMES names or currencies (the
rest ignored, with a remark that says so), at most MAX_WILDCARDS of them with wildcards, none
longer than MAX_NAME_CHARS, and each channel subscribed (and acknowledged) once.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from .hub import Subscriber
from .messages import dumps, remark
from .service import StreamService

log = logging.getLogger("mtgox_sandbox.stream")

SLOW_REMARK = "Too slow: this connection could not keep up with the stream and is closed"
#: After a cut-off, how long the remark may take to leave before the socket is dropped.
CUTOFF_GRACE_S = 5.0
#: How much of a frame that is not a JSON op its remark quotes.
ECHO_CHARS = 64
#: Names (or currencies) a connection's query may give; wildcard patterns among them; a name's length.
MAX_QUERY_NAMES = 64
MAX_WILDCARDS = 8
MAX_NAME_CHARS = 64
_WILDCARD = re.compile(r"[*?\[]")


def parse_query(query: str | bytes) -> dict[str, str]:
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    return {k.lower(): v for k, v in parse_qsl(text.lstrip("?"), keep_blank_values=True)}


class Session:
    def __init__(self, service: StreamService, query: dict[str, str], path: str = "/mtgox") -> None:
        self.service = service
        self.hub = service.hub
        self.sub: Subscriber = self.hub.join()
        self.sub.path = path
        stream = service.stream
        #: What the query asked for past the limits (the remark `open` sends).
        self.dropped: list[str] = []
        currencies = self._names(query.get("currency", "").upper().split(","), "currencies in Currency=")
        self.currencies = currencies or [stream.default_currency]
        self.query = query

    def _names(self, given: list[str], what: str) -> list[str]:
        """The distinct names given, at most MAX_QUERY_NAMES of them (a note for the rest)."""
        names = list(dict.fromkeys(n.strip() for n in given if n.strip()))
        if len(names) > MAX_QUERY_NAMES:
            self.dropped.append(f"at most {MAX_QUERY_NAMES} {what}, {len(names) - MAX_QUERY_NAMES} ignored")
            del names[MAX_QUERY_NAMES:]
        return names

    # -- subscriptions -----------------------------------------------------------------------

    def open(self) -> None:
        """The subscriptions a new connection gets from its query."""
        channels = self.service.channels
        names = self._names(self.query.get("channel", "").split("/"), "channels in Channel=")
        chosen: dict[str, None] = {}  # channel ids, in order, each once
        if names:
            wildcards = 0
            for name in names:
                if len(name) > MAX_NAME_CHARS:
                    continue  # longer than any channel's name or id: it names none
                if _WILDCARD.search(name) is None:
                    if (found := channels.find(name)) is not None:
                        chosen[found.id] = None
                    continue
                wildcards += 1
                if wildcards > MAX_WILDCARDS:
                    continue
                # re's own cache is bounded; fnmatch's would keep every pattern a client sends
                pattern = re.compile(fnmatch.translate(name.lower()))
                for channel in self.service.stream.channels:
                    if pattern.match(channel.name.lower()):
                        chosen[channel.id] = None
            if wildcards > MAX_WILDCARDS:
                self.dropped.append(f"at most {MAX_WILDCARDS} wildcard patterns, {wildcards - MAX_WILDCARDS} ignored")
        else:
            chosen = dict.fromkeys(c.id for c in channels.defaults(self.currencies, self.service.item))
        for channel_id in chosen:
            self._subscribe(channel_id)
        if self.dropped:
            self.reply(remark("Query too long: " + "; ".join(self.dropped)))
        self.service.drop_if_faulted(self.sub)  # a drop-stream fault in force closes it at once

    def _subscribe(self, channel_id: str) -> None:
        self.hub.subscribe(self.sub, channel_id)
        self.reply({"op": "subscribe", "channel": channel_id})

    def _unsubscribe(self, channel_id: str) -> None:
        self.hub.unsubscribe(self.sub, channel_id)
        self.reply({"op": "unsubscribe", "channel": channel_id})

    def reply(self, message: dict[str, Any]) -> None:
        self.sub.offer(dumps(message))

    def close(self) -> None:
        self.hub.leave(self.sub)

    # -- ops ---------------------------------------------------------------------------------

    async def handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self.reply(remark("Invalid JSON", debug={"data_raw": text[:ECHO_CHARS]}))
            return
        op = message.get("op")
        if op in ("mtgox.subscribe", "subscribe"):
            await self._op_subscribe(message)
        elif op == "unsubscribe":
            self._op_unsubscribe(message)
        elif op == "call":
            # The answer leaves before the messages its transaction caused (hub.py).
            self.sub.hold()
            answer = remark("Internal error", message.get("id"))
            try:
                answer = await self.service.call(message)
            except Exception:
                log.exception("stream call failed")
            finally:
                self.sub.release(dumps(answer))
        else:
            self.reply(remark("Unknown operation", message.get("id"), debug={"data_raw": text[:ECHO_CHARS]}))

    async def _op_subscribe(self, message: dict[str, Any]) -> None:
        channels = self.service.channels
        if isinstance(message.get("key"), str):
            private = await self.service.private_channel(message["key"])
            if private is None:
                self.reply(remark("Invalid idkey", message.get("id")))
            else:
                self._subscribe(private)
                self.service.drop_if_faulted(self.sub)  # a fault for this account
        elif isinstance(message.get("channel"), str):
            found = channels.find(message["channel"])
            if found is None:
                self.reply(remark(f"Unknown channel {message['channel']}", message.get("id")))
            else:
                self._subscribe(found.id)
        elif isinstance(message.get("type"), str):
            chosen = channels.of_kind(message["type"].lower(), self.currencies, self.service.item)
            if not chosen:
                self.reply(remark(f"Unknown channel type {message['type']}", message.get("id")))
            for channel in chosen:
                self._subscribe(channel.id)
        else:
            self.reply(remark("Nothing to subscribe to: give type, channel or key", message.get("id")))

    def _op_unsubscribe(self, message: dict[str, Any]) -> None:
        channels = self.service.channels
        target = message.get("channel")
        if isinstance(target, str):
            found = channels.find(target)
            channel_id = found.id if found else target
            if channel_id in self.sub.channels:
                self._unsubscribe(channel_id)
            else:
                self.reply(remark(f"Not subscribed to {target}", message.get("id")))
        elif isinstance(message.get("type"), str):
            for channel in channels.of_kind(message["type"].lower(), self.currencies, self.service.item):
                if channel.id in self.sub.channels:
                    self._unsubscribe(channel.id)
        else:
            self.reply(remark("Nothing to unsubscribe from: give channel or type", message.get("id")))

    # -- running -----------------------------------------------------------------------------

    async def run(
        self,
        read: Callable[[], Awaitable[str | None]],
        write: Callable[[str], Awaitable[None]],
        frame: Callable[[str], str],
        close: Callable[[], Awaitable[None]],
        *,
        idle: tuple[float, str] | None = None,
    ) -> None:
        """Read ops until the client leaves; write its queue meanwhile; cut it off when too slow.

        `read` gives the next op text (None when the client is gone), `frame` wraps a message
        for the transport, `idle` = (seconds, frame) is sent after that long without output
        (socket.io heartbeats).
        """
        reader = asyncio.create_task(self._read(read))
        writer = asyncio.create_task(self._write(write, frame, close, idle))
        watchdog = asyncio.create_task(self._watch())
        tasks = {reader, writer, watchdog}
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.close()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _read(self, read: Callable[[], Awaitable[str | None]]) -> None:
        sub = self.sub
        while (text := await read()) is not None:
            # Cut off: what it still sends is read (so that it can get to reading its remark)
            # but never handled, until the writer or the watchdog ends the connection.
            if not sub.overflowed.is_set():
                await self.handle(text)

    async def _write(
        self,
        write: Callable[[str], Awaitable[None]],
        frame: Callable[[str], str],
        close: Callable[[], Awaitable[None]],
        idle: tuple[float, str] | None,
    ) -> None:
        sub = self.sub
        while True:
            if sub.ended.is_set():
                await close()
                return
            if not sub.queue and not sub.overflowed.is_set():
                try:
                    await asyncio.wait_for(sub.wake.wait(), idle[0] if idle else None)
                except TimeoutError:
                    assert idle is not None
                    await write(idle[1])
                    continue
            if sub.overflowed.is_set():
                await write(frame(dumps(remark(SLOW_REMARK))))
                await close()
                return
            for text in sub.drain():
                await write(frame(text))

    async def _watch(self) -> None:
        """A cut-off client that does not even take its remark is dropped after a grace time,
        as is any client once the exchange ends."""
        overflowed = asyncio.ensure_future(self.sub.overflowed.wait())
        ended = asyncio.ensure_future(self.sub.ended.wait())
        try:
            await asyncio.wait({overflowed, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            overflowed.cancel()
            ended.cancel()
        await asyncio.sleep(CUTOFF_GRACE_S)
