"""The sync stream driver: a reader thread over `websockets.sync.client` feeds the session.

The reader thread receives frames, runs the session's deadlines, reconnects, and fetches the
HTTP snapshots and idkeys the session asks for. The user's thread iterates over the messages
(`for msg in stream`), subscribes and makes signed calls; a call holds the key's ordering lock
(as an HTTP call does) from drawing its nonce until its answer or timeout.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from .._errors import APIConnectionError, MtGoxError
from .._parse import to_str
from ._book import OrderBook
from ._build import NOT_OPEN, POLL_S, Handlers, identity, require_websockets, resolve
from ._connect import (
    HANDSHAKE_MAX_BYTES,
    handshake_request,
    left,
    open_error,
    read_handshake,
    refused_message,
    sync_connect,
)
from ._session import Actions, StreamSession, log_failure, private_not_confirmed

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

    from .._drivers import SyncCallDriver

T = TypeVar("T")
M = TypeVar("M")
C = TypeVar("C")


class Stream(Generic[C]):
    """A live connection to the streaming API (sync). Use it as a context manager."""

    def __init__(self, transport: SyncCallDriver, session: StreamSession) -> None:
        require_websockets()
        self._transport = transport
        self.session = session
        self._cond = threading.Condition(threading.RLock())
        self._ws: ClientConnection | None = None
        self._futures: dict[str, Future[Any]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ended = False
        #: Why the stream ended, when not closed by the user: raised by the iterator.
        self.failure: MtGoxError | None = None
        self._handlers = Handlers()
        factory = session.spec.calls
        #: The typed signed calls (`stream.calls.order_add(...)`), when the package generated them.
        self.calls: C = factory(self) if factory is not None else None  # type: ignore[assignment]

    # -- lifetime -------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect (a first failure is raised, typed), then keep the connection up in a thread."""
        try:
            self._connect()
        except Exception as exc:
            self.session.close()
            raise open_error(exc, self.session.settings) from exc
        self._thread = threading.Thread(target=self._run, name="mtgox-stream", daemon=True)
        self._thread.start()

    def close(self) -> None:
        with self._cond:
            self.session.close()
            self._stop.set()
            ws = self._ws
        if ws is not None:
            ws.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def _connect(self) -> None:
        settings = self.session.settings
        deadline = time.monotonic() + settings.open_timeout  # one deadline for every step
        handshake = None
        url = self.session.handshake_url()
        if url is not None:
            request = handshake_request(self._transport.http_client, url, left(deadline))
            handshake = read_handshake(self._transport.fetch(request, HANDSHAKE_MAX_BYTES, left(deadline)))
        ws = sync_connect(self.session.websocket_url(handshake), settings, left(deadline))
        with self._cond:
            self._ws = ws
            act = self.session.opened(time.monotonic(), handshake)
            self._apply(act)
        self._io(act)
        while self.session.phase == "joining":  # socket.io: until the namespace is joined
            text = ws.recv(timeout=left(deadline))
            self._step(functools.partial(self._received, text))

    # -- the reader thread ----------------------------------------------------------------------

    def _run(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.protocol import State

        try:
            while not self._stop.is_set():
                ws = self._ws
                if ws is None:
                    break
                deadline = self.session.next_deadline()
                wait = POLL_S if deadline is None else min(POLL_S, max(0.0, deadline - time.monotonic()))
                try:
                    text = ws.recv(timeout=wait)
                except TimeoutError:
                    if ws.state is State.CLOSING:  # we failed it; close() ends the wait for the peer
                        ws.close()
                        continue
                    self._step(self.session.tick)
                    continue
                except (ConnectionClosed, OSError) as exc:
                    self._ws = None  # gone: `connected` is False from here, before any event says why
                    refused = refused_message(exc, self.session.settings) if isinstance(exc, ConnectionClosed) else None
                    if refused is not None:
                        self._step(functools.partial(self._refused, refused))
                    if self._stop.is_set() or not self._reconnect(f"connection lost ({exc})"):
                        break
                    continue
                self._step(functools.partial(self._received, text))
        except Exception as exc:  # a bug must not end the stream silently: the iterator raises it
            log_failure("the stream reader", exc)
            self.failure = APIConnectionError(f"the stream reader failed ({type(exc).__name__}: {exc})")
            self.failure.__cause__ = exc
        finally:
            with self._cond:
                self.session.close()  # `connected` is False from here on
                self._ended = True
                ws, self._ws = self._ws, None
            if ws is not None:  # a reader that stopped on a bug leaves no connection open
                with contextlib.suppress(Exception):
                    ws.close()
            with self._cond:
                for future in self._futures.values():
                    if not future.done():
                        future.set_exception(APIConnectionError("the stream is closed"))
                self._futures.clear()
                self._cond.notify_all()

    def _reconnect(self, reason: str) -> bool:
        while True:
            with self._cond:
                self._ws = None
                act, delay = self.session.closed(time.monotonic(), reason)
                self._apply(act)
            if delay is None and not self._stop.is_set():
                self.failure = APIConnectionError(f"the stream stopped reconnecting: {reason}")
            if delay is None or self._stop.wait(delay):
                return False
            try:
                self._connect()
                return True
            except Exception as exc:
                reason = f"reconnecting failed ({type(exc).__name__}: {exc})"

    def _received(self, text: str | bytes, now: float) -> Actions:
        return self.session.received(text, now)

    def _refused(self, error: MtGoxError, now: float) -> Actions:
        return self.session.rejected(error, "", now)

    def _loaded(self, pair: str, data: Mapping[str, Any] | None, now: float) -> Actions:
        return self.session.snapshot_loaded(pair, data, now)

    def _step(self, fn: Callable[[float], Actions]) -> None:
        with self._cond:
            act = fn(time.monotonic())
            self._apply(act)
        self._io(act)

    def _apply(self, act: Actions) -> None:
        """Send the frames, resolve calls, wake readers (the lock is held)."""
        ws = self._ws
        if ws is not None:
            try:
                for frame in act.frames:
                    ws.send(frame)
            except Exception as exc:  # the reader sees the closed connection and reconnects
                log_failure("sending", exc)
        resolve(self._futures, act.completions)
        if act.delivered or act.private_live:
            self._cond.notify_all()

    def _io(self, act: Actions) -> None:
        """The HTTP requests the session asked for, and dropping the connection (no lock held)."""
        spec = self.session.spec
        for pair in act.snapshots:
            data: Mapping[str, Any] | None = None
            try:
                assert spec.depth_endpoint is not None
                data = self._transport.call(spec.depth_endpoint, spec.depth_path.format(pair=pair), (), identity)
            except MtGoxError as exc:
                log_failure(f"the {pair} snapshot", exc)
            self._step(functools.partial(self._loaded, pair, data))
        if act.idkey:
            if threading.current_thread() is self._thread:
                # Not on the reader: the signed request waits for the key's ordering lock, which a
                # stream call may hold until the reader delivers its answer.
                threading.Thread(target=self._fetch_idkey, name="mtgox-stream-idkey", daemon=True).start()
            else:
                self._fetch_idkey(raise_errors=True)
        if act.drop is not None:
            ws = self._ws
            if ws is not None:
                ws.close(code=1000, reason=act.drop[:100])

    def _fetch_idkey(self, raise_errors: bool = False) -> None:
        spec = self.session.spec
        idkey = None
        try:
            assert spec.idkey_endpoint is not None
            idkey = self._transport.call(spec.idkey_endpoint, spec.idkey_path, (), to_str)
        except MtGoxError as exc:
            log_failure("fetching the idkey", exc)
            if raise_errors:
                self._step(functools.partial(self._idkey, None))
                raise
        self._step(functools.partial(self._idkey, idkey))

    def _idkey(self, idkey: str | None, now: float) -> Actions:
        return self.session.set_idkey(idkey, now)

    # -- the user's side ------------------------------------------------------------------------

    def __iter__(self) -> Iterator[object]:
        return self

    def __next__(self) -> object:
        with self._cond:
            if self._thread is None and not self._ended and not self.session.events:
                raise RuntimeError(NOT_OPEN)
            while not self.session.events:
                if self._ended:
                    if self.failure is not None:
                        raise self.failure
                    raise StopIteration
                self._cond.wait()
            message = self.session.pop_event()
        self._handlers.call(message)
        return message

    def on(self, kind: type[M] | None, handler: Callable[[M], object]) -> None:
        """Call `handler` for each message of type `kind` (None: every message) as it is iterated."""
        self._handlers.add(kind, handler)

    def run(self) -> None:
        """Iterate until the stream closes, calling the handlers (`on`)."""
        for _ in self:
            pass

    def subscribe(self, *, kind: str | None = None, channel: str | None = None) -> None:
        """`kind="ticker"|"depth"|"trades"|"lag"` (of the connection currency) or `channel="depth.BTCEUR"`."""
        self._step(lambda now: self.session.subscribe(now, kind=kind, channel=channel))

    def unsubscribe(self, *, kind: str | None = None, channel: str | None = None) -> None:
        self._step(lambda now: self.session.unsubscribe(now, kind=kind, channel=channel))

    def subscribe_private(self, *, wait: float | None = None) -> None:
        """The account's own channel (user_order, wallet, own trades): fetches an idkey over HTTP
        now (its errors are raised), again before it expires, and after reconnecting when it is old.

        With `wait` (seconds), returns only once the exchange has confirmed the subscription, so
        an order placed next is seen on the channel (`APITimeoutError` if it does not in time).
        """
        self._step(self.session.want_private)
        if wait is None:
            return
        deadline = time.monotonic() + wait
        with self._cond:
            while not self.session.private_live:
                left = deadline - time.monotonic()
                if left <= 0 or self._ended:
                    raise private_not_confirmed(wait)
                self._cond.wait(left)

    def order_book(self, pair: str) -> OrderBook:
        """The book of `pair`, kept from a snapshot and this stream's depth messages."""
        with self._cond:
            book, act = self.session.add_book(pair, time.monotonic())
            self._apply(act)
        self._io(act)
        return book

    def call(
        self,
        name: str,
        params: Mapping[str, object] | None = None,
        *,
        item: str | None = None,
        currency: str | None = None,
        timeout: float | None = None,
        parse: Callable[[Any], T] = identity,
    ) -> T:
        """A signed call over the socket (`order/add`, `private/info`...): its parsed `result`.

        A `remark` answering it is raised as the typed error HTTP uses for the same message.
        """
        limit = timeout if timeout is not None else self.session.settings.call_timeout
        order = self._transport.key_order
        if order is not None:
            order.acquire()
        try:
            future: Future[Any] = Future()
            with self._cond:
                call_id, act = self.session.begin_call(name, params, time.monotonic(), item=item, currency=currency)
                self._futures[call_id] = future
                self._apply(act)
            try:
                result = future.result(timeout=limit)
            except FutureTimeout:
                with self._cond:
                    self._futures.pop(call_id, None)
                    error = self.session.expire_call(call_id, limit)
                if error is not None:
                    raise error from None
                result = future.result(timeout=0)
        finally:
            if order is not None:
                order.release()
        return parse(result)

    @property
    def connected(self) -> bool:
        """True while the connection is up and the reader serves it (False while reconnecting,
        and for good once the reader has stopped)."""
        return self.session.phase == "open" and not self._ended and self._ws is not None

    def __repr__(self) -> str:
        return f"Stream({self.session.settings.transport}, {self.session.phase}, {len(self.session.events)} queued)"
