"""The async stream driver: a reader task over `websockets.asyncio.client` feeds the session.

The same split as the sync driver (`_sync.py`), with a task for the thread and an
`asyncio.Event` for the condition; all decisions are the session's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from .._errors import APIConnectionError, MtGoxError
from .._parse import to_str
from . import _protocol as p
from ._book import OrderBook
from ._build import NOT_OPEN, POLL_S, Handlers, identity, require_websockets, resolve
from ._connect import HANDSHAKE_MAX_BYTES, async_connect, handshake_request, open_error, read_handshake, refused_message
from ._session import Actions, StreamSession, log_failure, private_not_confirmed

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from .._drivers import AsyncCallDriver

T = TypeVar("T")
M = TypeVar("M")
C = TypeVar("C")


class AsyncStream(Generic[C]):
    """A live connection to the streaming API (asyncio). Use it with `async with`."""

    def __init__(self, transport: AsyncCallDriver, session: StreamSession) -> None:
        require_websockets()
        self._transport = transport
        self.session = session
        self._ws: ClientConnection | None = None
        self._futures: dict[str, asyncio.Future[Any]] = {}
        self._wakeup = asyncio.Event()
        self._private_live = asyncio.Event()
        self._stopping = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._ended = False
        #: Why the stream ended, when not closed by the user: raised by the iterator.
        self.failure: MtGoxError | None = None
        self._handlers = Handlers()
        factory = session.spec.async_calls
        #: The typed signed calls (`stream.calls.order_add(...)`), when the package generated them.
        self.calls: C = factory(self) if factory is not None else None  # type: ignore[assignment]

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Connect (a first failure is raised, typed), then keep the connection up in a task."""
        try:
            await self._connect()
        except Exception as exc:
            self.session.close()
            raise open_error(exc, self.session.settings) from exc
        self._task = asyncio.create_task(self._run(), name="mtgox-stream")

    async def aclose(self) -> None:
        self.session.close()
        self._stopping.set()
        ws = self._ws
        if ws is not None:
            await ws.close()
        if self._task is not None and self._task is not asyncio.current_task():
            try:
                await asyncio.wait_for(self._task, 10)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
        self._ended = True
        self._wakeup.set()

    async def _connect(self) -> None:
        settings = self.session.settings
        async with asyncio.timeout(settings.open_timeout):  # one deadline for every step
            handshake = None
            url = self.session.handshake_url()
            if url is not None:
                request = handshake_request(self._transport.http_client, url, settings.open_timeout)
                response = await self._transport.fetch(request, HANDSHAKE_MAX_BYTES, settings.open_timeout)
                handshake = read_handshake(response)
            ws = await async_connect(self.session.websocket_url(handshake), settings, settings.open_timeout)
            self._ws = ws
            await self._step(functools.partial(self._opened, handshake))
            while self.session.phase == "joining":  # socket.io: until the namespace is joined
                await self._step(functools.partial(self._received, await ws.recv()))

    def _opened(self, handshake: p.Handshake | None, now: float) -> Actions:
        return self.session.opened(now, handshake)

    def _received(self, text: str | bytes, now: float) -> Actions:
        return self.session.received(text, now)

    def _refused(self, error: MtGoxError, now: float) -> Actions:
        return self.session.rejected(error, "", now)

    def _loaded(self, pair: str, data: Mapping[str, Any] | None, now: float) -> Actions:
        return self.session.snapshot_loaded(pair, data, now)

    def _idkey(self, idkey: str | None, now: float) -> Actions:
        return self.session.set_idkey(idkey, now)

    async def _run(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.protocol import State

        try:
            while not self._stopping.is_set():
                ws = self._ws
                if ws is None:
                    break
                deadline = self.session.next_deadline()
                wait = POLL_S if deadline is None else min(POLL_S, max(0.0, deadline - time.monotonic()))
                try:
                    async with asyncio.timeout(wait):
                        text = await ws.recv()
                except TimeoutError:
                    if ws.state is State.CLOSING:  # we failed it; close() ends the wait for the peer
                        await ws.close()
                        continue
                    await self._step(self.session.tick)
                    continue
                except (ConnectionClosed, OSError) as exc:
                    self._ws = None  # gone: `connected` is False from here, before any event says why
                    refused = refused_message(exc, self.session.settings) if isinstance(exc, ConnectionClosed) else None
                    if refused is not None:
                        await self._step(functools.partial(self._refused, refused))
                    if self._stopping.is_set() or not await self._reconnect(f"connection lost ({exc})"):
                        break
                    continue
                await self._step(functools.partial(self._received, text))
        except Exception as exc:  # a bug must not end the stream silently: the iterator raises it
            log_failure("the stream reader", exc)
            self.failure = APIConnectionError(f"the stream reader failed ({type(exc).__name__}: {exc})")
            self.failure.__cause__ = exc
        finally:
            self.session.close()  # `connected` is False from here on
            self._ended = True
            ws, self._ws = self._ws, None
            if ws is not None:  # a reader that stopped on a bug leaves no connection open
                with contextlib.suppress(Exception):
                    await ws.close()
            for future in self._futures.values():
                if not future.done():
                    future.set_exception(APIConnectionError("the stream is closed"))
            self._futures.clear()
            self._wakeup.set()

    async def _reconnect(self, reason: str) -> bool:
        while True:
            self._ws = None
            act, delay = self.session.closed(time.monotonic(), reason)
            await self._apply(act)
            if delay is None:
                if not self._stopping.is_set():
                    self.failure = APIConnectionError(f"the stream stopped reconnecting: {reason}")
                return False
            try:
                await asyncio.wait_for(self._stopping.wait(), delay)
                return False
            except TimeoutError:
                pass
            try:
                await self._connect()
                return True
            except Exception as exc:
                reason = f"reconnecting failed ({type(exc).__name__}: {exc})"

    async def _step(self, fn: Callable[[float], Actions]) -> None:
        act = fn(time.monotonic())
        await self._apply(act)
        await self._io(act)

    async def _apply(self, act: Actions) -> None:
        ws = self._ws
        if ws is not None and act.frames:
            async with self._send_lock:
                try:
                    for frame in act.frames:
                        await ws.send(frame)
                except Exception as exc:  # the reader sees the closed connection and reconnects
                    log_failure("sending", exc)
        resolve(self._futures, act.completions)
        if act.delivered:
            self._wakeup.set()
        if act.private_live:
            self._private_live.set()

    async def _io(self, act: Actions) -> None:
        spec = self.session.spec
        for pair in act.snapshots:
            data: Mapping[str, Any] | None = None
            try:
                assert spec.depth_endpoint is not None
                data = await self._transport.call(spec.depth_endpoint, spec.depth_path.format(pair=pair), (), identity)
            except MtGoxError as exc:
                log_failure(f"the {pair} snapshot", exc)
            await self._step(functools.partial(self._loaded, pair, data))
        if act.idkey:
            if asyncio.current_task() is self._task:
                # Not on the reader: the signed request waits for the key's ordering lock, which a
                # stream call may hold until the reader delivers its answer.
                task = asyncio.create_task(self._fetch_idkey())
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            else:
                await self._fetch_idkey(raise_errors=True)
        if act.drop is not None:
            ws = self._ws
            if ws is not None:
                await ws.close(code=1000, reason=act.drop[:100])

    async def _fetch_idkey(self, raise_errors: bool = False) -> None:
        spec = self.session.spec
        idkey = None
        try:
            assert spec.idkey_endpoint is not None
            idkey = await self._transport.call(spec.idkey_endpoint, spec.idkey_path, (), to_str)
        except MtGoxError as exc:
            log_failure("fetching the idkey", exc)
            if raise_errors:
                await self._step(functools.partial(self._idkey, None))
                raise
        await self._step(functools.partial(self._idkey, idkey))

    # -- the user's side ------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[object]:
        return self

    async def __anext__(self) -> object:
        if self._task is None and not self._ended and not self.session.events:
            raise RuntimeError(NOT_OPEN)
        while not self.session.events:
            if self._ended:
                if self.failure is not None:
                    raise self.failure
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        message = self.session.pop_event()
        for outcome in self._handlers.call(message):
            if asyncio.iscoroutine(outcome):
                await outcome
        return message

    def on(self, kind: type[M] | None, handler: Callable[[M], object]) -> None:
        """Call `handler` (a function or a coroutine function) for each message of type `kind`."""
        self._handlers.add(kind, handler)

    async def run(self) -> None:
        """Iterate until the stream closes, calling the handlers (`on`)."""
        async for _ in self:
            pass

    async def subscribe(self, *, kind: str | None = None, channel: str | None = None) -> None:
        """`kind="ticker"|"depth"|"trades"|"lag"` (of the connection currency) or `channel="depth.BTCEUR"`."""
        await self._step(functools.partial(self._subscribe, kind, channel))

    def _subscribe(self, kind: str | None, channel: str | None, now: float) -> Actions:
        return self.session.subscribe(now, kind=kind, channel=channel)

    def _unsubscribe(self, kind: str | None, channel: str | None, now: float) -> Actions:
        return self.session.unsubscribe(now, kind=kind, channel=channel)

    async def unsubscribe(self, *, kind: str | None = None, channel: str | None = None) -> None:
        await self._step(functools.partial(self._unsubscribe, kind, channel))

    async def subscribe_private(self, *, wait: float | None = None) -> None:
        """The account's own channel: fetches an idkey over HTTP now (its errors are raised) and
        before it expires.

        With `wait` (seconds), returns only once the exchange has confirmed the subscription, so
        an order placed next is seen on the channel (`APITimeoutError` if it does not in time).
        """
        await self._step(self.session.want_private)
        if wait is None:
            return
        deadline = time.monotonic() + wait
        while not self.session.private_live:
            self._private_live.clear()
            try:
                await asyncio.wait_for(self._private_live.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise private_not_confirmed(wait) from None

    async def order_book(self, pair: str) -> OrderBook:
        """The book of `pair`, kept from a snapshot and this stream's depth messages."""
        book, act = self.session.add_book(pair, time.monotonic())
        await self._apply(act)
        await self._io(act)
        return book

    async def call(
        self,
        name: str,
        params: Mapping[str, object] | None = None,
        *,
        item: str | None = None,
        currency: str | None = None,
        timeout: float | None = None,
        parse: Callable[[Any], T] = identity,
    ) -> T:
        """A signed call over the socket: its parsed `result`; a `remark` is raised as a typed error."""
        limit = timeout if timeout is not None else self.session.settings.call_timeout
        order = self._transport.key_order
        held = await order.acquire_async() if order is not None else None
        try:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            call_id, act = self.session.begin_call(name, params, time.monotonic(), item=item, currency=currency)
            self._futures[call_id] = future
            await self._apply(act)
            try:
                result = await asyncio.wait_for(asyncio.shield(future), limit)
            except TimeoutError:
                self._futures.pop(call_id, None)
                error = self.session.expire_call(call_id, limit)
                if error is not None:
                    raise error from None
                result = future.result()
        finally:
            if order is not None and held is not None:
                order.release_async(held)
        return parse(result)

    @property
    def connected(self) -> bool:
        """True while the connection is up and the reader serves it (False while reconnecting,
        and for good once the reader has stopped)."""
        return self.session.phase == "open" and not self._ended and self._ws is not None

    def __repr__(self) -> str:
        return (
            f"AsyncStream({self.session.settings.transport}, {self.session.phase}, {len(self.session.events)} queued)"
        )
