"""The async PubNub driver: `AsyncStream`'s user side over long-polls on the client's own
httpx.AsyncClient (the sync driver, `_pubnub_sync.py`, says how; here a poll whose channels
changed is cancelled, which closes its connection, and the server stops waiting too)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._errors import APIConnectionError, MtGoxError
from ._async import AsyncStream
from ._build import POLL_S, identity
from ._pubnub import Body, Poll, PubNubSession
from ._session import Actions, log_failure

if TYPE_CHECKING:
    from .._drivers import AsyncCallDriver

C = TypeVar("C")


class AsyncPubNubStream(AsyncStream[C]):
    """A live PubNub subscription (asyncio). Use it with `async with`, like `AsyncStream`."""

    session: PubNubSession

    def __init__(self, transport: AsyncCallDriver, session: PubNubSession) -> None:
        super().__init__(transport, session)
        self._changed = asyncio.Event()
        self._polling: tuple[str, ...] = ()
        self._clock: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await super().open()
        self._clock = asyncio.create_task(self._tick(), name="mtgox-pubnub-clock")

    async def aclose(self) -> None:
        self._changed.set()
        await super().aclose()
        if self._clock is not None:
            self._clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._clock

    async def _connect(self) -> None:
        await self._step(self.session.opened)
        await self._poll_once()  # a first answer (timetoken 0 answers at once), or the error

    async def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    await self._poll_once()
                except (httpx.HTTPError, ValueError, OSError) as exc:
                    if self._stopping.is_set() or not await self._reconnect(f"the long-poll failed ({exc})"):
                        break
        except Exception as exc:  # a bug must not end the stream silently: the iterator raises it
            log_failure("the PubNub reader", exc)
            self.failure = APIConnectionError(f"the stream reader failed ({type(exc).__name__}: {exc})")
            self.failure.__cause__ = exc
        finally:
            self._ended = True
            for future in self._futures.values():
                if not future.done():
                    future.set_exception(APIConnectionError("the stream is closed"))
            self._futures.clear()
            self._wakeup.set()

    async def _poll_once(self) -> None:
        """One long-poll; returns early, without an answer, when the channels change."""
        self._changed.clear()
        poll = self.session.next_poll()
        self._polling = self.session.channel_ids()  # all of them, though a poll may confirm new ones alone
        if poll is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), POLL_S)
            return
        fetching = asyncio.ensure_future(fetch(self._transport.http_client, poll, self.session.poll_timeout))
        changed = asyncio.ensure_future(self._changed.wait())
        try:
            await asyncio.wait({fetching, changed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            if not fetching.done():
                fetching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fetching
        if fetching.cancelled():
            return
        body = fetching.result()
        await self._step(functools.partial(self._polled, poll, body))

    def _polled(self, poll: Poll, body: bytes, now: float) -> Actions:
        return self.session.polled(poll, body, now)

    async def _tick(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(POLL_S)
            if self.session.phase == "open":
                await self._step(self.session.tick)

    async def _apply(self, act: Actions) -> None:
        await super()._apply(act)  # no socket: frames go nowhere, calls resolve, readers wake
        if self.session.channel_ids() != self._polling:
            self._changed.set()

    async def _io(self, act: Actions) -> None:
        await super()._io(act)
        if act.drop is not None:
            self._changed.set()

    async def _fetch_idkey(self, raise_errors: bool = False) -> None:
        spec = self.session.spec
        access: Mapping[str, Any] | None = None
        try:
            assert spec.pubnub_private_endpoint is not None
            access = await self._transport.call(spec.pubnub_private_endpoint, spec.pubnub_private_path, (), identity)
        except MtGoxError as exc:
            log_failure("fetching the private channel (stream/private_get)", exc)
            if raise_errors:
                await self._step(functools.partial(self._private, None))
                raise
        await self._step(functools.partial(self._private, access))

    def _private(self, access: Mapping[str, Any] | None, now: float) -> Actions:
        return self.session.set_private(access, now)

    def __repr__(self) -> str:
        return f"AsyncPubNubStream({self.session.phase}, {len(self.session.events)} queued)"


async def fetch(client: httpx.AsyncClient, poll: Poll, timeout: float) -> bytes:
    """One long-poll's body (Body bounds it); httpx.HTTPError or ValueError otherwise."""
    async with client.stream("GET", poll.url, timeout=httpx.Timeout(10.0, read=timeout)) as response:
        response.raise_for_status()
        body = Body()
        async for chunk in response.aiter_bytes():
            body.add(chunk)
    return body.whole()
