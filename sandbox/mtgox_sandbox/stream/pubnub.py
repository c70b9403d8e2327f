"""PubNub as Mt. Gox used it (2013-10 to 2014-02), transport-free: the subscribe long-poll's
channel logs, timetokens and answers; web/pubnub.py serves it over HTTP.

`GET /subscribe/SUB_KEY/CHANNELS/CALLBACK/TIMETOKEN[?auth=..&uuid=..]`: timetoken `0` answers at
once `[[], "TIMETOKEN"]`, and so does any timetoken for a channel not recorded yet (the
exchange restarted since the client's last poll, or the channel was never polled: what was
published meanwhile is unknown, and PubNub's clients took an early empty answer as a
timetoken reset);
a later timetoken answers the messages published after it,
`[[msg, ...], "TIMETOKEN"]` (with several channels a third element names each message's
channel, in order), or waits for one (PubNub answered an idle poll empty after about 5 minutes:
the catalogue's `timeout_s`). Channels are the public channels' Mt. Gox ids and the account
channels that `stream/private_get` hands out with their `auth` (403 without it).

Messages are the websocket's JSON objects plus a top-level `stamp` (microseconds, a number, as
in the PubNub era); the account channel's are PubNub's legacy AES of that JSON: AES-256-CBC,
the key the first 32 hex digits of SHA-256 of the `cipher` key (as 32 ASCII bytes), the IV
`0123456789012345`, PKCS#7 padding, base64, sent as a JSON string.

A channel is recorded only while polled: its log joins the hub at its first poll and leaves it
`timeout_s` + `LINGER_S` after its last one. What a peer can make the sandbox hold is bounded:
each log keeps at most `BACKLOG_BYTES` of messages (the oldest go first), an answer carries at
most `ANSWER_BYTES`, a poll names at most `MAX_CHANNELS` channels, at most `MAX_LOGS` logs exist
at once, and each waiting poll is one connection under the server's connection cap.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mtgox_catalogue.model import PubNubTransport

from ..core import idkey
from ..core.db import Transactions
from .channels import Channels
from .hub import Hub, Subscriber

#: What one channel keeps for its pollers (PubNub kept about 100 messages a channel).
BACKLOG_BYTES = 256 * 1024
#: The most one answer carries; the rest comes with the next poll.
ANSWER_BYTES = 512 * 1024
MAX_CHANNELS = 64
MAX_LOGS = 1024
#: A channel no one polled for the poll timeout and this long is no longer recorded.
LINGER_S = 60.0
IV = b"0123456789012345"
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")


def cipher_key(cipher: str) -> bytes:
    """PubNub's legacy key: the first 32 hex digits of SHA-256 of the cipher key, as ASCII bytes."""
    return hashlib.sha256(cipher.encode("utf-8")).hexdigest()[:32].encode("ascii")


def encrypt(cipher: str, text: str) -> str:
    """PubNub's legacy AES of `text`: base64(AES-256-CBC(key, IV, PKCS#7(utf-8 text)))."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(cipher_key(cipher)), modes.CBC(IV)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


class Refused(Exception):
    """A poll PubNub would refuse: its HTTP status and PubNub's error body's message."""

    def __init__(self, status: int, message: str, channels: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.channels = tuple(channels)


@dataclass(frozen=True)
class Answer:
    #: The JSON text of each message, and its channel.
    messages: tuple[tuple[str, str], ...]
    timetoken: str


class Clock:
    """Timetokens (PubNub's 17 digits, 100 ns units) that strictly increase, and their stamp."""

    def __init__(self, now_us: Callable[[], int] = lambda: time.time_ns() // 1000) -> None:
        self._now_us = now_us
        self._last_us = 0

    def next(self) -> int:
        """The next stamp in microseconds (its timetoken is ten times it)."""
        self._last_us = max(self._now_us(), self._last_us + 1)
        return self._last_us

    def now_token(self) -> int:
        return max(self._now_us(), self._last_us) * 10


class ChannelLog(Subscriber):
    """One channel's recent messages for its pollers: a subscriber of the hub that records."""

    def __init__(self, hub: Hub, channel: str, clock: Clock, cipher: str | None, auth: str | None) -> None:
        super().__init__(hub, limit=1)
        self.channel = channel
        self.clock = clock
        #: An account channel's cipher key, and the auth key that opened it (None: public).
        self.cipher = cipher
        self.auth = auth
        #: (timetoken, JSON text), oldest first, at most BACKLOG_BYTES of text.
        self.backlog: deque[tuple[int, str]] = deque()
        self.size = 0
        self.waiters: set[asyncio.Event] = set()
        self.last_poll = time.monotonic()

    def offer(self, text: str) -> None:
        stamp = self.clock.next()
        body = text[:-1] + f',"stamp":{stamp}}}' if text.endswith("}") else text
        entry = '"' + encrypt(self.cipher, body) + '"' if self.cipher is not None else body
        self.backlog.append((stamp * 10, entry))
        self.size += len(entry)
        while self.size > BACKLOG_BYTES and len(self.backlog) > 1:
            self.size -= len(self.backlog.popleft()[1])
        for waiter in self.waiters:
            waiter.set()

    def after(self, token: int) -> list[tuple[int, str]]:
        return [entry for entry in self.backlog if entry[0] > token]


class PubNubService:
    """The subscribe long-poll of one exchange (one per exchange, like its hub)."""

    def __init__(self, spec: PubNubTransport, channels: Channels, hub: Hub, transactions: Transactions) -> None:
        self.spec = spec
        self.channels = channels
        self.hub = hub
        self.transactions = transactions
        self.clock = Clock()
        self.logs: dict[str, ChannelLog] = {}
        self._closed = asyncio.Event()
        self._last_sweep = 0.0

    def close(self) -> None:
        """The exchange ends: every waiting poll answers now."""
        self._closed.set()
        for log in self.logs.values():
            for waiter in log.waiters:
                waiter.set()

    async def poll(self, sub_key: str, names: str, token_text: str, auth: str | None) -> Answer:
        """One subscribe request: the messages after `token_text` on `names`, waiting for some."""
        if sub_key != self.spec.subscribe_key:
            raise Refused(400, "Invalid Subscribe Key")
        wanted = [n for n in dict.fromkeys(names.split(",")) if n]
        if not wanted:
            raise Refused(400, "No channel to subscribe to")
        if len(wanted) > MAX_CHANNELS:
            raise Refused(400, f"At most {MAX_CHANNELS} channels in one subscribe")
        if not token_text.isdigit() or len(token_text) > 20:
            raise Refused(400, "Invalid timetoken")
        unrecorded = any(name not in self.logs for name in wanted)
        logs = [await self._log(name, auth) for name in wanted]
        token = int(token_text)
        if token == 0 or unrecorded:
            # PubNub's first call: where to start from. Or a timetoken from before this
            # exchange recorded one of the channels (it restarted, or the channel was never
            # polled): what came between is unknown, and an early empty answer says so.
            return Answer((), str(self.clock.now_token()))
        self._sweep()
        waiter = asyncio.Event()
        for log in logs:
            log.waiters.add(waiter)
        try:
            deadline = asyncio.get_running_loop().time() + self.spec.timeout_s
            while True:
                found = self._collect(logs, token)
                if found.messages or self._closed.is_set():
                    return found
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    return Answer((), str(max(token, self.clock.now_token())))
                waiter.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.wait(), left)
        finally:
            now = time.monotonic()
            for log in logs:
                log.waiters.discard(waiter)
                log.last_poll = now

    def _collect(self, logs: list[ChannelLog], token: int) -> Answer:
        entries = sorted(((t, text, log.channel) for log in logs for t, text in log.after(token)), key=lambda e: e[0])
        out: list[tuple[str, str]] = []
        size = 0
        last = token
        for t, text, channel in entries:
            if out and size + len(text) > ANSWER_BYTES:
                break
            out.append((text, channel))
            size += len(text)
            last = t
        return Answer(tuple(out), str(last))

    async def _log(self, name: str, auth: str | None) -> ChannelLog:
        log = self.logs.get(name)
        public = self.channels.by_id.get(name)
        if log is not None and (public is not None or (auth and log.auth and hmac.compare_digest(log.auth, auth))):
            log.last_poll = time.monotonic()
            return log
        cipher: str | None = None
        if public is None:
            try:
                uuid.UUID(name)
            except ValueError:
                raise Refused(400, f"Unknown channel {name[:80]} (not a Mt. Gox channel id)") from None
            found = await self.transactions.run(
                lambda tx: idkey.pubnub_cipher(tx, name, auth) if auth else None, write=False
            )
            if found is None:
                raise Refused(403, "Forbidden", [name])
            cipher = found
            if log is not None:  # the same key, spelled otherwise than the one that opened it
                return log
        if len(self.logs) >= MAX_LOGS:
            self._sweep(force=True)
            if len(self.logs) >= MAX_LOGS:
                raise Refused(503, f"Too many channels are being polled (at most {MAX_LOGS}); retry later")
        log = ChannelLog(self.hub, name, self.clock, cipher, auth if cipher is not None else None)
        self.hub.attach(log)
        self.hub.subscribe(log, name)
        self.logs[name] = log
        return log

    def _sweep(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_sweep < 1.0:
            return
        self._last_sweep = now
        idle = self.spec.timeout_s + LINGER_S
        for name, log in list(self.logs.items()):
            if not log.waiters and now - log.last_poll > idle:
                self.hub.leave(log)
                del self.logs[name]


def answer_text(answer: Answer, several: bool) -> str:
    """`[[msg, ...], "TIMETOKEN"]`, with `"chan1,chan2"` naming each message's channel when several."""
    body = "[[" + ",".join(text for text, _ in answer.messages) + '],"' + answer.timetoken + '"'
    if several:
        body += ',"' + ",".join(channel for _, channel in answer.messages) + '"'
    return body + "]"


def jsonp(callback: str, body: str) -> str | None:
    """`callback(body)` for a JSONP callback name, the body itself for `0`; None for a bad name."""
    if callback == "0":
        return body
    return f"{callback}({body})" if _CALLBACK.fullmatch(callback) else None
