"""The stream client's one implementation, without I/O: the sync and async drivers feed it.

Inputs (each returns `Actions` for the driver): `opened()`, `received(text)`, `tick()` (at
`next_deadline()`), `closed()`, and the user's `subscribe()`, `unsubscribe()`,
`want_private()`, `begin_call()`, `expire_call()`, `add_book()`, plus the answers of the HTTP
requests the session asked for (`snapshot_loaded()`, `set_idkey()`). Every time is a
`time.monotonic()` value the driver passes in, so tests drive it with a fake clock.

What it decides: the frames to send (subscriptions, joins, heartbeats, calls), the messages for
the user, which pending call an answer resolves (and the typed error of a `remark`), when to
fetch an order book's snapshot or a fresh idkey, when silence means a dead connection, how long
to wait before reconnecting (exponential backoff with jitter), and what to resend afterwards.

A peer decides what arrives, so no single message can end the stream: one that cannot be used
(not JSON, nested past the parser's depth, a depth message the book cannot apply) is skipped
with a `Skipped` event the iterator yields, and the order books it may have put out of date
fetch a new snapshot. What is held is bounded: the queue of unread messages in messages and in
bytes, each book in price levels.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .._auth import Credentials, call_body, packed_call
from .._catalogue_info import CurrencyInfo, ErrorRule
from .._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    InvalidRequestError,
    InvalidResponseError,
    MtGoxError,
)
from .._logging import logger
from .._nonce import NonceStore
from . import _protocol as p
from ._book import DEFAULT_MAX_LEVELS, BookError, OrderBook
from ._messages import InvalidMessageError
from ._spec import ChannelInfo, StreamSpec

Phase = Literal["idle", "joining", "open", "down", "closed"]


@dataclass(frozen=True)
class StreamSettings:
    """How a stream connects and recovers; every field has a default a bot can keep."""

    #: "websocket" (plain) or "socketio" (protocol revision 1); None: the catalogue's default.
    transport: p.Transport | None = None
    #: `Currency=` of the connection: the currency of the default ticker and depth channels.
    currency: str | None = None
    #: `Channel=a/b`: connect with exactly these channels (the server then adds no defaults).
    channels: tuple[str, ...] = ()
    stream_url: str | None = None
    #: No message for this long means a dead connection: drop it and reconnect.
    silence_timeout: float = 60.0
    #: Reconnect waits: base * 2**attempt capped, half of it fixed and half random (jitter).
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    #: Give up after this many failed attempts in a row (None: never).
    max_reconnects: int | None = None
    reconnect: bool = True
    #: Seconds a signed call waits for its `result` or `remark`.
    call_timeout: float = 30.0
    #: Fetch a new idkey when the current one is this old (default: half its lifetime).
    idkey_refresh_s: float | None = None
    #: Fetch a book's snapshot this long after (re)joining if the server never acknowledged
    #: the depth subscription.
    snapshot_wait_s: float = 2.0
    #: Seconds `open()` (and each reconnection) may take in all: the Socket.IO handshake, the
    #: websocket's opening handshake and joining the namespace share this one deadline.
    open_timeout: float = 10.0
    #: Messages kept for the iterator; when full the oldest are dropped (counted in `dropped`).
    max_queued: int = 100_000
    #: ...and at most about this much memory (`message_weight`), the oldest dropped first.
    max_queued_bytes: int = 64 * 1024 * 1024
    #: The largest message accepted, in bytes after decompression: a larger one drops the
    #: connection (the websocket cannot skip part of a message) with a `Skipped` warning
    #: holding `ResponseTooLargeError`, and the stream reconnects. A real message is under a
    #: kilobyte; a signed call answering with more (thousands of orders) needs a larger value.
    max_message_bytes: int = 1024 * 1024
    #: "deflate" asks the server for permessage-deflate; None (the default) does not, since a
    #: few compressed bytes can inflate to `max_message_bytes`, and Mt. Gox never compressed.
    compression: Literal["deflate"] | None = None
    #: Price levels an order book keeps a side.
    max_book_levels: int = DEFAULT_MAX_LEVELS


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The connection dropped and is back: messages may have been missed in between.

    Subscriptions (private included) were sent again and order books are resyncing.
    """

    attempts: int
    down_s: float
    reason: str

    message = "the stream reconnected; messages may have been missed"


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection dropped: until `Reconnected` comes, nothing new arrives and what was
    received last (an order book's levels included) may be stale. `retry_in_s` is the wait
    before the next attempt (None: the stream will not reconnect)."""

    reason: str
    retry_in_s: float | None

    message = "the stream is disconnected; reconnecting"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A server message the stream could not use: it was skipped and the stream goes on.

    `error` says why, typed (`InvalidMessageError` for text that is not a JSON object,
    `ResponseTooLargeError` past `max_message_bytes`, `InvalidResponseError` otherwise);
    `excerpt` is the message's start, printable; `resync` names the order books that may have
    missed a change and are fetching a new snapshot.
    """

    error: MtGoxError
    excerpt: str
    resync: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return f"a stream message was skipped: {self.error.message}"


def message_weight(text: str | bytes) -> int:
    """About the memory a message takes once decoded: its size, plus a Python object for each
    JSON object or array and a slot for each element. A byte of `[{},{},...]` costs twenty;
    counting only the size would let a peer fill memory many times past the queue's limit."""
    if isinstance(text, str):
        containers, elements = text.count("{") + text.count("["), text.count(",")
    else:
        containers, elements = text.count(b"{") + text.count(b"["), text.count(b",")
    return len(text) + 64 * containers + 16 * elements


def excerpt(text: str | bytes, limit: int = 120) -> str:
    """The start of a message as a printable literal (control characters escaped)."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


@dataclass(frozen=True, slots=True)
class Unparsed:
    """A server message the parser refused: kept raw, with the error."""

    raw: Mapping[str, Any]
    error: str


@dataclass
class Actions:
    """What the driver must do after an input."""

    frames: list[str] = field(default_factory=list)
    #: (call id, result, error): answers for pending calls.
    completions: list[tuple[str, Any, MtGoxError | None]] = field(default_factory=list)
    #: Pairs whose HTTP full-depth snapshot the driver must fetch and hand to `snapshot_loaded`.
    snapshots: list[str] = field(default_factory=list)
    #: Fetch an idkey over HTTP and hand it to `set_idkey`.
    idkey: bool = False
    #: Drop the connection (the driver then calls `closed`).
    drop: str | None = None
    #: New messages for the iterator.
    delivered: int = 0
    #: The exchange confirmed the account's channel on this connection.
    private_live: bool = False


def remark_error(
    obj: Mapping[str, Any],
    rules: Sequence[tuple[ErrorRule, type[APIError]]],
    call: str,
    *,
    body: str | bytes | None = None,
) -> APIError:
    """A `remark` answering a call, as the typed error the same message gets over HTTP (`body`:
    the message as received; by default `obj` encoded again)."""
    raw_message = obj.get("message")
    message = raw_message if isinstance(raw_message, str) and raw_message else "remark without a message"
    token = obj.get("token")
    token = token if isinstance(token, str) else None
    text = p.encode(obj) if body is None else body
    for rule, cls in rules:
        if rule.matches(token=token, message=message, status=None):
            return cls(message, endpoint=f"stream.{call}", token=token, body=text)
    return APIError(message, endpoint=f"stream.{call}", token=token, body=text)


class StreamSession:
    """Subscriptions, pending calls, heartbeats, silence, backoff, resubscription and books."""

    def __init__(
        self,
        spec: StreamSpec,
        settings: StreamSettings,
        *,
        base_url: str,
        allow_insecure_http: bool = False,
        rules: Sequence[tuple[ErrorRule, type[APIError]]] = (),
        credentials: Credentials | None = None,
        nonces: NonceStore | None = None,
        use_tonce: bool = False,
        currencies: Mapping[str, CurrencyInfo] | None = None,
        pairs: Mapping[str, tuple[str, str]] | None = None,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if settings.transport is None:
            settings = dataclasses.replace(settings, transport=spec.info.default_transport)
        if settings.transport not in p.TRANSPORTS:
            raise ConfigurationError(f"transport must be one of {', '.join(p.TRANSPORTS)}, not {settings.transport!r}")
        for name in settings.channels:
            if name not in spec.by_name:
                raise ConfigurationError(f"unknown stream channel {name!r} in channels=")
        for option in ("max_queued", "max_queued_bytes", "max_message_bytes", "max_book_levels"):
            value = getattr(settings, option)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{option} must be a positive int, not {value!r}")
        if settings.compression not in (None, "deflate"):
            raise ConfigurationError(f'compression must be None or "deflate", not {settings.compression!r}')
        self.spec = spec
        self.settings = settings
        self.currency = (settings.currency or spec.info.default_currency).split(",")[0]
        self._server = p.origin(base_url, settings.stream_url, allow_insecure_http=allow_insecure_http)
        self._query = p.query(settings.currency or spec.info.default_currency, settings.channels)
        self._rules = rules
        self._creds = credentials
        self._nonces = nonces
        self._nonce_field = "tonce" if use_tonce else "nonce"
        self._currencies = dict(currencies or {})
        self._pairs = dict(pairs or {})
        self._jitter = jitter
        self._sio = settings.transport == "socketio"
        self._ns = spec.info.socketio_namespace
        self.phase: Phase = "idle"
        self._subs: dict[tuple[str, str], dict[str, Any]] = {}
        self._unsubs: dict[str, dict[str, Any]] = {}
        self._private = False
        #: The exchange has confirmed the account's channel on the current connection.
        self.private_live = False
        self._idkey: str | None = None
        self._idkey_at = 0.0
        self._idkey_pending = False
        self._pending: dict[str, str] = {}  # call id -> call name
        self.books: dict[str, OrderBook] = {}
        self._book_due: dict[str, float] = {}  # pair -> when to fetch its snapshot
        self._fetching: set[str] = set()  # pairs whose snapshot the driver is fetching
        self._heartbeat: float | None = None
        self._last_rx = 0.0
        self._last_tx = 0.0
        self._failures = 0  # failed connection attempts in a row
        self._down_since: float | None = None
        self._down_reason = ""
        self._was_open = False
        #: Messages for the iterator, oldest first (`pop_event` takes one).
        self.events: deque[object] = deque()
        self._sizes: deque[int] = deque()  # each event's weight, counted against max_queued_bytes
        #: The weight (`message_weight`) of the messages in `events`.
        self.queued_bytes = 0
        #: Messages dropped because nobody read them (the queue was full).
        self.dropped = 0
        #: Messages skipped because they could not be used (each one also a `Skipped` event).
        self.skipped = 0
        self._resynced_at: dict[str, float] = {}  # pair -> when its last resync was asked
        #: Connections made (1 + reconnections).
        self.connections = 0

    # -- connecting -----------------------------------------------------------------------------

    def handshake_url(self) -> str | None:
        """The socket.io handshake to GET first (None for the plain websocket)."""
        if not self._sio:
            return None
        return p.socketio_handshake_url(self._server, self.spec.info.socketio_path, self._query)

    def websocket_url(self, handshake: p.Handshake | None) -> str:
        if handshake is not None:
            return p.socketio_websocket_url(self._server, self.spec.info.socketio_path, handshake.sid, self._query)
        return p.websocket_url(
            self._server, self.spec.websocket_path, self._query, explicit=self.settings.stream_url is not None
        )

    def opened(self, now: float, handshake: p.Handshake | None = None) -> Actions:
        self.connections += 1
        self._last_rx = self._last_tx = now
        act = Actions()
        if self._sio:
            self.phase = "joining"  # until the server's `1::`, answered with `1::/mtgox`
            hb = handshake.heartbeat_s if handshake is not None else None
            self._heartbeat = max(1.0, min(hb - 5.0, hb * 0.75)) if hb else 25.0
        else:
            self._joined(now, act)
        return act

    def _joined(self, now: float, act: Actions) -> None:
        self.phase = "open"
        for op in self._unsubs.values():
            self._send(act, op, now)
        for op in self._subs.values():
            self._send(act, op, now)
        if self._private:
            if self._idkey is not None and not self._idkey_stale(now):
                self._send(act, p.subscribe_key(self._idkey), now)
            else:
                self._ask_idkey(act)
        for pair in self.books:
            self._book_due[pair] = now + self.settings.snapshot_wait_s
        if self._was_open:
            down = now - self._down_since if self._down_since is not None else 0.0
            self._deliver(act, Reconnected(self._failures, down, self._down_reason))
        self._was_open = True
        self._down_since = None

    def _send(self, act: Actions, op: Mapping[str, Any], now: float) -> None:
        act.frames.append(p.sio_json(self._ns, op) if self._sio else p.encode(op))
        self._last_tx = now

    def _deliver(self, act: Actions, event: object, size: int = 64) -> None:
        while self.events and (
            len(self.events) >= self.settings.max_queued or self.queued_bytes + size > self.settings.max_queued_bytes
        ):
            self.events.popleft()
            self.queued_bytes -= self._sizes.popleft()
            if self.dropped == 0 or self.dropped % 10_000 == 0:
                logger.warning("stream: messages are not being read; dropping the oldest (%d so far)", self.dropped + 1)
            self.dropped += 1
        self.events.append(event)
        self._sizes.append(size)
        self.queued_bytes += size
        act.delivered += 1

    def pop_event(self) -> object:
        """The oldest message for the iterator (IndexError when there is none)."""
        event = self.events.popleft()
        self.queued_bytes -= self._sizes.popleft()
        return event

    def _skip(self, act: Actions, error: MtGoxError, text: str | bytes, now: float, books: Sequence[str] = ()) -> None:
        """A message that cannot be used: warn (a `Skipped` event) and resync the books it may have changed."""
        for pair in books:
            self._resync(pair, now)
        self.skipped += 1
        event = Skipped(error, excerpt(text), tuple(books))
        logger.warning("stream: %s%s", event.message, f"; resyncing {', '.join(books)}" if books else "")
        self._deliver(act, event, len(event.excerpt) + 64)

    def _resync(self, pair: str, now: float) -> None:
        """The book may be wrong: reset it and fetch a new snapshot (at most one per
        `snapshot_wait_s`, so a peer sending bad messages cannot make it hammer the API)."""
        book = self.books.get(pair)
        if book is None:
            return
        book.reset()
        self._fetching.discard(pair)  # a snapshot asked for before the bad message is not enough
        due = max(now, self._resynced_at.get(pair, -1e18) + self.settings.snapshot_wait_s)
        self._resynced_at[pair] = due
        self._book_due[pair] = min(self._book_due.get(pair, due), due)

    def rejected(self, error: MtGoxError, text: str | bytes, now: float) -> Actions:
        """The connection refused a message (too large, a frame breaking the protocol) before the
        session saw it: warn; the driver then reconnects, and the books resync with it."""
        act = Actions()
        self._skip(act, error, text, now)
        return act

    def closed(self, now: float, reason: str) -> tuple[Actions, float | None]:
        """The connection is gone (or never came up): fail pending calls; the wait before
        reconnecting, or None to stop."""
        act = Actions()
        self.private_live = False
        was_open = self.phase == "open"  # not closed by the user: they are told it dropped
        for call_id, name in self._pending.items():
            act.completions.append(
                (
                    call_id,
                    None,
                    APIConnectionError(
                        f"the stream connection closed before {name} was answered ({reason}); "
                        "the call may or may not have been carried out",
                        endpoint=f"stream.{name}",
                    ),
                )
            )
        self._pending.clear()
        if self.phase == "open":
            self._failures = 0
        for book in self.books.values():
            book.reset()
        self._book_due.clear()
        self._fetching.clear()
        if self._down_since is None:
            self._down_since = now
        self._down_reason = reason
        delay = self._next_wait(reason)
        if was_open:
            self._deliver(act, Disconnected(reason, delay))
        return act, delay

    def _next_wait(self, reason: str) -> float | None:
        if self.phase == "closed" or not self.settings.reconnect:
            self.phase = "closed"
            return None
        self.phase = "down"
        self._failures += 1
        limit = self.settings.max_reconnects
        if limit is not None and self._failures > limit:
            self.phase = "closed"
            return None
        cap = min(self.settings.backoff_cap, self.settings.backoff_base * 2.0 ** min(self._failures - 1, 30))
        delay = cap / 2 + self._jitter(0.0, cap / 2)
        logger.info("stream: %s; reconnecting in %.2f s (attempt %d)", reason, delay, self._failures)
        return delay

    def close(self) -> None:
        """The user closes the stream: no reconnecting."""
        self.phase = "closed"

    # -- receiving ------------------------------------------------------------------------------

    def received(self, text: str | bytes, now: float) -> Actions:
        self._last_rx = now
        act = Actions()
        try:
            self._received(text, now, act)
        except Exception as exc:  # a bug meeting an odd message: skip it, and trust no book blindly
            logger.debug("stream: handling a message failed", exc_info=True)
            error = InvalidResponseError(f"the stream message could not be handled ({type(exc).__name__}: {exc})")
            self._skip(act, error, text, now, books=list(self.books))
        return act

    def _received(self, text: str | bytes, now: float, act: Actions) -> None:
        if not self._sio:
            self._message(text, now, act)
            return
        packet = p.parse_packet(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
        kind = packet.type
        if kind == "1":
            if self.phase == "joining" and not packet.endpoint:
                act.frames.append(p.sio_connect(self._ns))
                self._last_tx = now
            elif self.phase == "joining":
                self._joined(now, act)
        elif kind == "2":
            act.frames.append(p.SIO_HEARTBEAT)
            self._last_tx = now
        elif kind in ("3", "4"):
            if self.phase == "joining":  # a server that does not echo the join
                self._joined(now, act)
            self._message(packet.data, now, act)
        elif kind == "0":
            act.drop = "the server disconnected (socket.io 0::)"
        elif kind == "7":
            act.drop = f"socket.io error: {packet.data or 'no reason given'}"

    def _message(self, text: str | bytes, now: float, act: Actions) -> None:
        try:
            obj = p.decode(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            self._skip(act, InvalidMessageError(f"the stream message is not valid JSON ({exc})"), text, now)
            return
        if not isinstance(obj, dict):
            message = f"the stream message is a JSON {type(obj).__name__}, not an object"
            self._skip(act, InvalidMessageError(message), text, now)
            return
        self._object(obj, text, now, act)

    def _object(self, obj: dict[str, Any], text: str | bytes, now: float, act: Actions) -> None:
        """One decoded server message and its text (a transport without frames hands these over:
        _pubnub.py); the text is what excerpts quote and what a queued message weighs."""
        op = obj.get("op")
        call_id = obj.get("id")
        if op in ("result", "remark") and isinstance(call_id, str) and call_id in self._pending:
            name = self._pending.pop(call_id)
            if op == "result":
                act.completions.append((call_id, obj.get("result"), None))
            else:
                act.completions.append((call_id, None, remark_error(obj, self._rules, name, body=text)))
            return
        if op == "subscribe":
            self._on_subscribed(obj.get("channel"), now, act)
        elif op == "private" and obj.get("private") == "depth":
            depth = obj.get("depth")
            if isinstance(depth, dict):
                for book in self.books.values():
                    if not book.matches(depth):
                        continue
                    try:
                        book.on_depth(depth)
                    except BookError as exc:
                        error = InvalidResponseError(f"{book.pair}: {exc}", endpoint="stream.depth")
                        self._skip(act, error, text, now, books=[book.pair])
                        continue
                    if not book.synced and book.pair not in self._fetching:
                        # the subscription is live: the snapshot will hold what came before
                        self._book_due[book.pair] = now
        parsed: object
        try:
            parsed = self.spec.parse(obj)
        except Exception as exc:  # a bot keeps running; the raw message is handed over
            logger.warning("stream: message not understood (%s): %s", type(exc).__name__, excerpt(text))
            parsed = Unparsed(obj, f"{type(exc).__name__}: {exc}")
        self._deliver(act, parsed, message_weight(text))
        self._due_snapshots(now, act)

    def _on_subscribed(self, channel: object, now: float, act: Actions) -> None:
        if isinstance(channel, str) and channel not in self.spec.by_id and self._private and self._idkey is not None:
            # no catalogued channel: the account's own, subscribed with the idkey
            self.private_live = act.private_live = True
        info = self.spec.by_id.get(channel) if isinstance(channel, str) else None
        if info is None or info.kind != "depth":
            return
        for pair, book in self.books.items():
            if not book.synced and f"depth.{pair}" == info.name and pair not in self._fetching:
                self._book_due[pair] = now

    # -- time -----------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        times = list(self._book_due.values())
        if self.phase in ("open", "joining"):
            if self.settings.silence_timeout:
                times.append(self._last_rx + self.settings.silence_timeout)
            if self._heartbeat is not None and self.phase == "open":
                times.append(self._last_tx + self._heartbeat)
            if self._private and not self._idkey_pending:  # a refresh, or a retry of a failed first fetch
                times.append(self._idkey_at + self._idkey_refresh())
        return min(times) if times else None

    def tick(self, now: float) -> Actions:
        act = Actions()
        if self.phase not in ("open", "joining"):
            return act
        silence = self.settings.silence_timeout
        if silence and now - self._last_rx >= silence:
            act.drop = f"no message for {silence:g} s"
            return act
        if self._heartbeat is not None and self.phase == "open" and now - self._last_tx >= self._heartbeat:
            act.frames.append(p.SIO_HEARTBEAT)
            self._last_tx = now
        if self._private and not self._idkey_pending and self._idkey_stale(now):
            self._ask_idkey(act)
        self._due_snapshots(now, act)
        return act

    def _due_snapshots(self, now: float, act: Actions) -> None:
        if self.phase != "open":
            return
        for pair, due in list(self._book_due.items()):
            if due <= now:
                del self._book_due[pair]
                self._fetching.add(pair)
                act.snapshots.append(pair)

    # -- subscriptions --------------------------------------------------------------------------

    def _channel_for_kind(self, kind: str) -> str:
        server_kind = p.KINDS[kind]
        if server_kind == "trades":
            return "trade.BTC"
        if server_kind == "lag":
            return "trade.lag"
        return f"{server_kind}.BTC{self.currency}"

    def _target(self, kind: str | None, channel: str | None) -> tuple[tuple[str, str], dict[str, Any], ChannelInfo]:
        """(subscription key, subscribe op, channel) for `kind=` or `channel=` (exactly one)."""
        if (kind is None) == (channel is None):
            raise InvalidRequestError("give one of kind= or channel=")
        if kind is not None:
            if kind not in p.KINDS:
                raise InvalidRequestError(f"kind must be one of ticker, depth, trades, lag; not {kind!r}", param="kind")
            key, op, name = ("kind", p.KINDS[kind]), p.subscribe_kind(kind), self._channel_for_kind(kind)
        else:
            assert channel is not None
            key, op, name = ("channel", channel), p.subscribe_channel(channel), channel
        info = self.spec.by_name.get(name)
        if info is None:
            raise InvalidRequestError(f"unknown stream channel {name!r}", param="channel")
        return key, op, info

    def subscribe(self, now: float, *, kind: str | None = None, channel: str | None = None) -> Actions:
        key, op, info = self._target(kind, channel)
        act = Actions()
        self._unsubs.pop(info.id, None)
        self._subs[key] = op
        if self.phase == "open":
            self._send(act, op, now)
        return act

    def unsubscribe(self, now: float, *, kind: str | None = None, channel: str | None = None) -> Actions:
        key, _, info = self._target(kind, channel)
        act = Actions()
        self._subs.pop(key, None)
        self._subs.pop(("channel", info.name), None)
        op = p.unsubscribe(info.id)
        self._unsubs[info.id] = op
        if self.phase == "open":
            self._send(act, op, now)
        return act

    def want_private(self, now: float) -> Actions:
        """Subscribe the account's channel: fetch an idkey (the driver), then `set_idkey`."""
        if self.spec.idkey_endpoint is None:
            raise ConfigurationError("this stream has no idkey endpoint, so no private channel")
        act = Actions()
        self._private = True
        self._ask_idkey(act)
        return act

    def _ask_idkey(self, act: Actions) -> None:
        if not self._idkey_pending:
            self._idkey_pending = True
            act.idkey = True

    def _idkey_refresh(self) -> float:
        return self.settings.idkey_refresh_s or self.spec.info.idkey_lifetime_s / 2

    def _idkey_stale(self, now: float) -> bool:
        return now - self._idkey_at >= self._idkey_refresh()

    def set_idkey(self, idkey: str | None, now: float) -> Actions:
        """The fetched idkey (None: fetching failed, try again at the next refresh time)."""
        act = Actions()
        self._idkey_pending = False
        if idkey is None:
            self._idkey_at = now - self._idkey_refresh() + min(60.0, self._idkey_refresh())
            return act
        self._idkey, self._idkey_at = idkey, now
        if self.phase == "open":
            self._send(act, p.subscribe_key(idkey), now)
        return act

    # -- order books ----------------------------------------------------------------------------

    def add_book(self, pair: str, now: float) -> tuple[OrderBook, Actions]:
        pair = pair.upper()
        book = self.books.get(pair)
        if book is not None:
            return book, Actions()
        if self.spec.depth_endpoint is None:
            raise ConfigurationError("this stream has no full-depth endpoint, so no order book")
        if f"depth.{pair}" not in self.spec.by_name:
            raise InvalidRequestError(f"no depth channel for {pair!r}", param="pair")
        item, currency = self._pairs.get(pair, (pair[:3], pair[3:]))
        info_item, info_cur = self._currencies.get(item), self._currencies.get(currency)
        if info_item is None or info_cur is None:
            raise InvalidRequestError(f"unknown currencies in {pair!r}", param="pair")
        book = OrderBook(
            pair,
            item,
            currency,
            price_divisor=info_cur.divisor,
            amount_divisor=info_item.divisor,
            max_levels=self.settings.max_book_levels,
        )
        self.books[pair] = book
        act = self.subscribe(now, channel=f"depth.{pair}")
        if self.phase == "open":
            self._book_due[pair] = now + self.settings.snapshot_wait_s
        return book, act

    def snapshot_loaded(self, pair: str, data: Mapping[str, Any] | None, now: float) -> Actions:
        """The HTTP snapshot for `pair` (None: it failed; try again shortly)."""
        act = Actions()
        if pair not in self._fetching:  # asked for before a reconnect or a resync: a new one is due
            return act
        self._fetching.discard(pair)
        retry = now + max(1.0, self.settings.snapshot_wait_s)
        if data is None:
            self._book_due[pair] = retry
            return act
        try:
            if not isinstance(data, Mapping):
                raise BookError(f"the snapshot is a {type(data).__name__}, not an object")
            self.books[pair].load_snapshot(data)
        except BookError as exc:
            self._book_due[pair] = retry
            error = InvalidResponseError(f"{pair}: {exc}; fetching another", endpoint="stream.snapshot")
            self.skipped += 1
            event = Skipped(error, excerpt(repr(data)[:200]), (pair,))
            logger.warning("stream: %s", error)
            self._deliver(act, event, 256)
        return act

    # -- signed calls ---------------------------------------------------------------------------

    def begin_call(
        self,
        name: str,
        params: Mapping[str, object] | None,
        now: float,
        *,
        item: str | None = None,
        currency: str | None = None,
    ) -> tuple[str, Actions]:
        """Sign and send a call (the driver holds the key's ordering lock): (call id, actions)."""
        if self._creds is None or self._nonces is None:
            raise ConfigurationError(
                f"stream call {name} needs an API key: pass key= and secret= to the client", endpoint=f"stream.{name}"
            )
        if self.phase != "open":
            raise APIConnectionError(f"the stream is not connected; {name} was not sent", endpoint=f"stream.{name}")
        call_id = uuid.uuid4().hex
        inner: dict[str, Any] = {"id": call_id, "call": name, "params": dict(params or {})}
        if item is not None:
            inner["item"] = item
        if currency is not None:
            inner["currency"] = currency
        inner[self._nonce_field] = self._nonces.next_nonce(self._creds.key)
        body = call_body(inner)
        act = Actions()
        self._send(act, p.call_op(call_id, packed_call(self._creds, body)), now)
        self._pending[call_id] = name
        return call_id, act

    def expire_call(self, call_id: str, timeout: float) -> MtGoxError | None:
        """The call's time is up: its error, or None when it was answered meanwhile."""
        name = self._pending.pop(call_id, None)
        if name is None:
            return None
        return APITimeoutError(
            f"no answer to {name} within {timeout:g} s; the call may or may not have been carried out",
            endpoint=f"stream.{name}",
        )


def private_not_confirmed(wait: float) -> APITimeoutError:
    """`subscribe_private(wait=...)` saw no acknowledgement of the account's channel in time."""
    return APITimeoutError(
        f"the exchange did not confirm the private channel within {wait:g} s", endpoint="stream.subscribe_private"
    )


def log_failure(what: str, exc: BaseException) -> None:
    logger.warning("stream: %s failed: %s", what, exc, exc_info=logger.isEnabledFor(logging.DEBUG))
