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
- anything that is not a JSON object: a remark whose `debug.data_raw` echoes it.
Query: `Currency=EUR,USD` picks the currencies of the default ticker and depth channels (USD
when absent); `Channel=a/b` (names, `*` wildcards) subscribes those instead of the defaults.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
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
        currencies = [c.strip().upper() for c in query.get("currency", "").split(",") if c.strip()]
        self.currencies = currencies or [stream.default_currency]
        self.query = query

    # -- subscriptions -----------------------------------------------------------------------

    def open(self) -> None:
        """The subscriptions a new connection gets from its query."""
        channels = self.service.channels
        names = [n.strip() for n in self.query.get("channel", "").split("/") if n.strip()]
        if names:
            for name in names:
                if any(ch in name for ch in "*?["):
                    for channel in self.service.stream.channels:
                        if fnmatch.fnmatchcase(channel.name.lower(), name.lower()):
                            self._subscribe(channel.id)
                elif (found := channels.find(name)) is not None:
                    self._subscribe(found.id)
        else:
            for channel in channels.defaults(self.currencies, self.service.item):
                self._subscribe(channel.id)
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
            self.reply(remark("Invalid JSON", debug={"data_raw": text}))
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
            self.reply(remark("Unknown operation", message.get("id"), debug={"data_raw": text}))

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
        while True:
            text = await read()
            if text is None:
                return
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
