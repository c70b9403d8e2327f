"""The sync PubNub driver: `Stream`'s user side over long-polls on the client's own httpx.Client.

The reader thread runs one long-poll at a time (each in a helper thread, so that it can stop
waiting for it); when the channels change (a subscription, the account's channel) or the
stream closes, it stops waiting and starts the next poll at once, and the abandoned one is
answered by the server at its next message or idle timeout, and dropped. A clock thread runs
the session's deadlines (book snapshots, the private channel's refresh) while a poll waits.
What the user sees is `Stream`'s: iteration, handlers, `order_book`, `subscribe_private`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._errors import APIConnectionError, MtGoxError
from ._build import POLL_S, identity
from ._pubnub import Body, Poll, PubNubSession
from ._session import Actions, log_failure
from ._sync import Stream

if TYPE_CHECKING:
    from .._drivers import SyncCallDriver

C = TypeVar("C")


class _Changed(Exception):
    """The channels changed while a poll waited: the next poll names the new ones."""


class PubNubStream(Stream[C]):
    """A live PubNub subscription (sync). Use it as a context manager, like `Stream`."""

    session: PubNubSession

    def __init__(self, transport: SyncCallDriver, session: PubNubSession) -> None:
        super().__init__(transport, session)
        self._changed = threading.Event()
        self._polling: tuple[str, ...] = ()
        self._clock: threading.Thread | None = None

    # -- lifetime --------------------------------------------------------------------------------

    def open(self) -> None:
        super().open()
        self._clock = threading.Thread(target=self._tick, name="mtgox-pubnub-clock", daemon=True)
        self._clock.start()

    def close(self) -> None:
        self._changed.set()
        super().close()
        if self._clock is not None and self._clock is not threading.current_thread():
            self._clock.join(timeout=10)

    def _connect(self) -> None:
        with self._cond:
            act = self.session.opened(time.monotonic())
            self._apply(act)
        self._io(act)
        # A first answer (timetoken 0 answers at once), or the error; when the account's channel
        # arrived meanwhile, the reader polls it next.
        with contextlib.suppress(_Changed):
            self._poll_once()

    # -- the reader thread -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._poll_once()
                except _Changed:
                    continue
                except (httpx.HTTPError, ValueError, OSError) as exc:
                    if self._stop.is_set() or not self._reconnect(f"the long-poll failed ({exc})"):
                        break
        except Exception as exc:  # a bug must not end the stream silently: the iterator raises it
            log_failure("the PubNub reader", exc)
            self.failure = APIConnectionError(f"the stream reader failed ({type(exc).__name__}: {exc})")
            self.failure.__cause__ = exc
        finally:
            with self._cond:
                self._ended = True
                for future in self._futures.values():
                    if not future.done():
                        future.set_exception(APIConnectionError("the stream is closed"))
                self._futures.clear()
                self._cond.notify_all()

    def _poll_once(self) -> None:
        with self._cond:  # as `_apply` compares: a change from now on is seen
            self._changed.clear()
            poll = self.session.next_poll()
            self._polling = self.session.channel_ids()  # all of them, though a poll may confirm new ones alone
        if poll is None:
            self._changed.wait(POLL_S)
            return
        result: Future[bytes] = Future()
        threading.Thread(target=self._fetch, args=(poll, result), name="mtgox-pubnub-poll", daemon=True).start()
        while not result.done():
            if self._changed.wait(POLL_S) and not result.done():
                raise _Changed
        body = result.result()
        self._step(functools.partial(self._polled, poll, body))

    def _fetch(self, poll: Poll, result: Future[bytes]) -> None:
        try:
            result.set_result(fetch(self._transport.http_client, poll, self.session.poll_timeout))
        except BaseException as exc:  # handed to the reader, which reconnects
            result.set_exception(exc)

    def _polled(self, poll: Poll, body: bytes, now: float) -> Actions:
        return self.session.polled(poll, body, now)

    def _tick(self) -> None:
        while not self._stop.wait(POLL_S):
            if self.session.phase == "open":
                self._step(self.session.tick)

    # -- the session's requests ------------------------------------------------------------------

    def _apply(self, act: Actions) -> None:
        super()._apply(act)  # no socket: frames go nowhere, calls resolve, readers wake
        if self.session.channel_ids() != self._polling:
            self._changed.set()

    def _io(self, act: Actions) -> None:
        super()._io(act)
        if act.drop is not None:
            self._changed.set()

    def _fetch_idkey(self, raise_errors: bool = False) -> None:
        spec = self.session.spec
        access: Mapping[str, Any] | None = None
        try:
            assert spec.pubnub_private_endpoint is not None
            access = self._transport.call(spec.pubnub_private_endpoint, spec.pubnub_private_path, (), identity)
        except MtGoxError as exc:
            log_failure("fetching the private channel (stream/private_get)", exc)
            if raise_errors:
                self._step(functools.partial(self._private, None))
                raise
        self._step(functools.partial(self._private, access))

    def _private(self, access: Mapping[str, Any] | None, now: float) -> Actions:
        return self.session.set_private(access, now)

    @property
    def connected(self) -> bool:
        return self.session.phase == "open"

    def __repr__(self) -> str:
        return f"PubNubStream({self.session.phase}, {len(self.session.events)} queued)"


def fetch(client: httpx.Client, poll: Poll, timeout: float) -> bytes:
    """One long-poll's body (Body bounds it); httpx.HTTPError or ValueError otherwise."""
    with client.stream("GET", poll.url, timeout=httpx.Timeout(10.0, read=timeout)) as response:
        response.raise_for_status()
        body = Body()
        for chunk in response.iter_bytes():
            body.add(chunk)
    return body.whole()
