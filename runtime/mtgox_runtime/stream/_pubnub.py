"""The PubNub transport (Mt. Gox, 2013-10 to 2014-02), without I/O: the session's PubNub side.

PubNub's subscribe long-poll, `GET /subscribe/SUB_KEY/CHANNELS/0/TIMETOKEN?uuid=..&auth=..`,
answers `[[msg, ...], "TIMETOKEN"(, "chan1,chan2")]`: the first call (timetoken `0`) says where
to start, each next one passes the last timetoken and waits for messages (PubNub answered an
idle one empty after about 5 minutes). The public channels are named by their Mt. Gox ids; the
account's channel, its `auth` and its `cipher` come from the HTTP call `stream/private_get`,
and its messages are PubNub's legacy AES of their JSON (AES-256-CBC, key = the first 32 hex
digits of SHA-256 of the cipher, IV `0123456789012345`, PKCS#7, base64), decrypted here with
`cryptography` (the `pubnub` extra). Messages are those of the websocket plus a top-level
`stamp` (microseconds); the ones of one answer are handed over in `stamp` order, as goxtool
sorted them, since PubNub did not order channels among themselves.

`PubNubSession` is the websocket session (subscriptions, books, parsing, backoff) with PubNub's
differences: no frames and no calls (orders go over HTTP, as every client of the time sent
them), the channels to poll come from the subscriptions (the defaults the websocket server
would add, unless `channels=` names them), a channel counts as subscribed once a poll naming
it is answered (one added later is first polled alone from timetoken 0, answered at once, then
joins the others at the stream's timetoken), and silence is judged by the poll, which may
rightly wait `timeout_s`.
Resuming after a reconnect passes the last timetoken, so nothing still in PubNub's backlog is
missed; books are fetched again all the same. An early empty answer (long before the idle
timeout) is a timetoken reset: the server does not have what came since ours (it restarted
between two polls), so the stream says `Reconnected` and fetches its books again.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .._errors import ConfigurationError
from .._logging import logger
from . import _protocol as p
from ._session import Actions, Reconnected, StreamSession, StreamSettings
from ._spec import StreamSpec

IV = b"0123456789012345"
#: The most one long-poll answer may hold (after gzip): past it the poll fails and reconnects.
MAX_ANSWER_BYTES = 8 << 20
#: How much longer than the server's idle answer a poll may take before it counts as dead.
POLL_MARGIN_S = 30.0


def _cryptography() -> Any:
    try:
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:
        raise ConfigurationError(
            "the PubNub private channel is encrypted: pip install 'mtgox-sdk[pubnub]' (cryptography)"
        ) from None
    return padding, Cipher, algorithms, modes


def decrypt(cipher: str, text: str) -> str:
    """PubNub's legacy AES: the plaintext of a private message (ValueError when it is not one)."""
    padding, cipher_cls, algorithms, modes = _cryptography()
    key = hashlib.sha256(cipher.encode("utf-8")).hexdigest()[:32].encode("ascii")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64: {exc}") from None
    if not data or len(data) % 16:
        raise ValueError("not a whole number of AES blocks")
    decryptor = cipher_cls(algorithms.AES(key), modes.CBC(IV)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    padded = decryptor.update(data) + decryptor.finalize()
    plain: bytes = unpadder.update(padded) + unpadder.finalize()
    return plain.decode("utf-8")


class Body:
    """A long-poll answer's body, read chunk by chunk, never past MAX_ANSWER_BYTES."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > MAX_ANSWER_BYTES:
            raise ValueError(f"a PubNub answer of more than {MAX_ANSWER_BYTES} bytes")
        self.chunks.append(chunk)

    def whole(self) -> bytes:
        return b"".join(self.chunks)


@dataclasses.dataclass(frozen=True)
class Poll:
    """One long-poll: its URL and the channels it names."""

    url: str
    channels: tuple[str, ...]
    #: Timetoken 0 for channels not yet polled: answered at once, it confirms them (and their
    #: auth), and the server records them from then on; the stream's timetoken stays.
    confirm: bool = False
    #: The timetoken it carries ("0": the first of a connection, answered at once).
    since: str = "0"
    started: float = dataclasses.field(default_factory=time.monotonic)


class PubNubSession(StreamSession):
    def __init__(self, spec: StreamSpec, settings: StreamSettings, **kwargs: Any) -> None:
        if spec.info.pubnub_subscribe_key is None:
            raise ConfigurationError("this stream has no PubNub transport (no stream.transports.pubnub)")
        # An idle poll is answered after timeout_s: only a poll slower than that is silence.
        poll_s = spec.info.pubnub_timeout_s + POLL_MARGIN_S
        settings = dataclasses.replace(settings, silence_timeout=max(settings.silence_timeout, poll_s))
        super().__init__(spec, settings, **kwargs)
        self.poll_timeout = poll_s
        self.timetoken = "0"
        self._uuid = str(uuid.uuid4())
        #: The account's channel, auth and cipher (stream/private_get), once fetched.
        self._access: Mapping[str, str] | None = None
        self._live: set[str] = set()

    @property
    def live(self) -> frozenset[str]:
        """The channels (ids) a poll has named and the server answered, on this connection."""
        return frozenset(self._live)

    # -- what to poll ----------------------------------------------------------------------------

    def channel_ids(self) -> tuple[str, ...]:
        """The channels the next poll names: the subscriptions (or the server's defaults), then
        the account's channel once its access is known."""
        names: list[str] = list(self.settings.channels)
        if not names:  # what the websocket server subscribes a connection to unasked
            names.append("trade.BTC")
            for currency in (self.settings.currency or self.spec.info.default_currency).split(","):
                names += [f"ticker.BTC{currency.strip()}", f"depth.BTC{currency.strip()}"]
        for key in self._subs:
            names.append(self._channel_for_kind(key[1]) if key[0] == "kind" else key[1])
        ids = [info.id for name in names if (info := self.spec.by_name.get(name)) is not None]
        dropped = set(self._unsubs)
        ids = [i for i in dict.fromkeys(ids) if i not in dropped]
        if self._private and self._access is not None:
            ids.append(self._access["channel"])
        return tuple(ids)

    def next_poll(self) -> Poll | None:
        """The next long-poll, or None when there is nothing to poll (no channel)."""
        channels = self.channel_ids()
        if not channels:
            return None
        new = tuple(c for c in channels if c not in self._live)
        confirm = bool(new) and self.timetoken != "0"
        if confirm:
            channels = new
        info = self.spec.info
        assert info.pubnub_subscribe_key is not None
        path = (
            f"{info.pubnub_path.rstrip('/')}/{quote(info.pubnub_subscribe_key, safe='')}/"
            f"{','.join(quote(c, safe='') for c in channels)}/0/{'0' if confirm else self.timetoken}"
        )
        query = f"uuid={self._uuid}&pnsdk=mtgox-sdk"
        if self._access is not None and self._access["channel"] in channels:
            query += f"&auth={quote(self._access['auth'], safe='')}"
        return Poll(
            f"{self._server.copy_with(path=path)}?{query}", channels, confirm, "0" if confirm else self.timetoken
        )

    # -- answers ---------------------------------------------------------------------------------

    def polled(self, poll: Poll, body: bytes, now: float) -> Actions:
        """A long-poll's answer: its messages for the user and the books, the next timetoken."""
        act = Actions()
        self._last_rx = now
        answer = p.decode(body)
        if not (isinstance(answer, list) and len(answer) >= 2 and isinstance(answer[0], list)):
            raise ValueError(f"not a PubNub subscribe answer: {body[:80]!r}")
        token = answer[1]
        if not (isinstance(token, str) and token.isdigit()):
            raise ValueError(f"not a PubNub timetoken: {token!r}")
        if not poll.confirm:
            if poll.since != "0" and not answer[0] and now - poll.started < self.spec.info.pubnub_timeout_s / 2:
                self._reset(now, act)
            self.timetoken = token
        for channel in poll.channels:
            if channel not in self._live:
                self._live.add(channel)
                self._on_subscribed(channel, now, act)
        private = self._access["channel"] if self._access is not None else None
        if private is not None and private in poll.channels:
            self.private_live = act.private_live = True
        messages = []
        for item in answer[0]:
            message = self._plain(item)
            if message is not None:
                messages.append(message)
        messages.sort(key=_stamp)
        for message in messages:
            self._object(message, json.dumps(message, separators=(",", ":"), default=str), now, act)
        self._due_snapshots(now, act)
        return act

    def _reset(self, now: float, act: Actions) -> None:
        """An early empty answer: the server reset the timetoken (it restarted, or lost what came
        since ours), so messages may have been missed: said as a reconnection, books fetched again."""
        for pair, book in self.books.items():
            book.reset()
            self._book_due[pair] = now
        self._deliver(act, Reconnected(0, 0.0, "the PubNub timetoken was reset: messages may have been missed"))

    def _plain(self, item: object) -> dict[str, Any] | None:
        if isinstance(item, str):  # the account's channel: encrypted
            if self._access is None:
                logger.warning("stream: an encrypted PubNub message without a cipher key: dropped")
                return None
            try:
                item = p.decode(decrypt(self._access["cipher"], item))
            except (ValueError, UnicodeDecodeError) as exc:
                logger.warning("stream: a PubNub message that does not decrypt (%s): dropped", exc)
                return None
        if not isinstance(item, dict):
            logger.warning("stream: ignoring a PubNub message that is not a JSON object: %.80r", item)
            return None
        return item

    # -- the account's channel -------------------------------------------------------------------

    def set_private(self, access: Mapping[str, Any] | None, now: float) -> Actions:
        """The answer of stream/private_get (None: fetching failed, try again later)."""
        if access is not None:
            missing = [k for k in ("channel", "auth", "cipher") if not isinstance(access.get(k), str)]
            if missing:
                logger.warning("stream: stream/private_get answered without %s", ", ".join(missing))
                access = None
        if access is not None:
            self._access = {k: str(access[k]) for k in ("channel", "auth", "cipher")}
            self._live.discard(self._access["channel"])
        # The channel stands where the websocket's idkey does: refreshed on the same schedule.
        return self.set_idkey(self._access["channel"] if access is not None and self._access else None, now)

    def want_private(self, now: float) -> Actions:
        if self.spec.pubnub_private_endpoint is None:
            raise ConfigurationError("this stream has no stream/private_get endpoint, so no private PubNub channel")
        self._private = True
        act = Actions()
        self._ask_idkey(act)
        return act

    # -- what PubNub does not do -----------------------------------------------------------------

    def handshake_url(self) -> str | None:
        return None

    def closed(self, now: float, reason: str) -> tuple[Actions, float | None]:
        self._live.clear()
        return super().closed(now, reason)

    def begin_call(self, name: str, *args: Any, **kwargs: Any) -> tuple[str, Actions]:
        raise ConfigurationError(
            f"PubNub carries no calls: send {name} over HTTP (the client's v2 methods), as clients of "
            "the PubNub era did, or open the stream with transport='websocket'",
            endpoint=f"stream.{name}",
        )


def _stamp(message: Mapping[str, Any]) -> int:
    stamp = message.get("stamp")
    return stamp if isinstance(stamp, int) else 0
