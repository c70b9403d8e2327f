"""The sync and async call drivers: they run the shared call loop (`_call_flow.py`).

Only I/O, sleeping and lock taking differ between the two; request building, signing,
envelope decoding, error mapping and retry decisions all live in `CallFlow.run()` and the
parts it calls. (They sit above httpx's own transports, which they send through; the public
names `SyncTransport` and `AsyncTransport` stay as aliases.)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ._body import BodyReader, InvalidRedirect, already_read, attempt_deadline, store
from ._call_flow import CallFlow, CallSettings, Command, LockRequest, Outcome
from ._catalogue_info import Endpoint
from ._nonce import KeyOrderingLock

if TYPE_CHECKING:  # imported by the async client only, so sync programs never pay for asyncio
    import asyncio

T = TypeVar("T")


def attempt_budget(request: httpx.Request) -> float | None:
    """Seconds one attempt may take in all: the read timeout, which is the caller's number.

    httpx applies its timeouts to each network operation, so a server trickling its answer a
    byte at a time could hold a call for ever; the drivers also enforce this overall deadline,
    from the request's first byte to the body's last (status line and headers included).
    """
    timeouts = request.extensions.get("timeout")
    return timeouts.get("read") if isinstance(timeouts, dict) else None


def _overrun(request: httpx.Request, budget: float | None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"no complete answer within {budget or 0:g} s", request=request)


class SyncCallDriver(CallFlow):
    """Sends the calls of a sync client through an `httpx.Client`."""

    def __init__(self, config: CallSettings, client: httpx.Client, *, owns_client: bool) -> None:
        super().__init__(config)
        self.http_client = client
        self.owns_client = owns_client
        #: How the driver waits (rate limit, backoff); tests replace it.
        self.sleep: Callable[[float], None] = time.sleep

    def call(
        self,
        endpoint: Endpoint,
        path: str,
        params: Sequence[tuple[str, str]],
        parse: Callable[[Any], T],
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send one call (with its retries) and return `parse(payload)`."""
        self.check_open(self.http_client.is_closed)
        return self._drive(self.run(endpoint, path, params, parse, timeout, extra_headers))

    def _send(self, request: httpx.Request) -> httpx.Response:
        return self.fetch(request, self.max_response_bytes, attempt_budget(request))

    def fetch(self, request: httpx.Request, limit: int, budget: float | None) -> httpx.Response:
        """`request` sent without following redirects, its body read whole: at most `limit` bytes
        once decoded (`BodyTooLarge`), within `budget` seconds in all (`httpx.ReadTimeout`)."""
        deadline = attempt_deadline(budget)
        with deadline:  # clamps each socket operation of the default transport (see _body.py)
            try:
                response = self.http_client.send(request, follow_redirects=False, stream=True)
            except httpx.InvalidURL as exc:
                raise InvalidRedirect(str(exc), request) from None
            try:
                if already_read(response, limit):
                    return response
                reader = BodyReader(response, limit)
                for chunk in response.iter_raw():
                    reader.feed(chunk)
                    if deadline.expired:  # a custom transport has no clamped sockets
                        raise _overrun(request, budget)
                store(response, reader.finish())
            finally:
                response.close()
        return response

    def _drive(self, flow: Generator[Command, Outcome, T]) -> T:
        send = self._send
        held: KeyOrderingLock | None = None
        try:
            command = next(flow)
            while True:
                if isinstance(command, httpx.Request):
                    outcome: Outcome
                    try:
                        outcome = send(command)
                    except httpx.HTTPError as exc:
                        outcome = exc
                    finally:
                        if held is not None:
                            held.release()
                            held = None
                    command = flow.send(outcome)
                elif isinstance(command, LockRequest):
                    command.lock.acquire()
                    held = command.lock
                    command = flow.send(None)
                else:
                    self.sleep(command)
                    command = flow.send(None)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            if held is not None:
                held.release()
            flow.close()

    def close(self) -> None:
        if self.owns_client:
            self.http_client.close()


class AsyncCallDriver(CallFlow):
    """Sends the calls of an async client through an `httpx.AsyncClient`."""

    def __init__(self, config: CallSettings, client: httpx.AsyncClient, *, owns_client: bool) -> None:
        import asyncio

        super().__init__(config)
        self.http_client = client
        self.owns_client = owns_client
        #: How the driver waits (rate limit, backoff); tests replace it.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def call(
        self,
        endpoint: Endpoint,
        path: str,
        params: Sequence[tuple[str, str]],
        parse: Callable[[Any], T],
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send one call (with its retries) and return `parse(payload)`."""
        self.check_open(self.http_client.is_closed)
        return await self._drive(self.run(endpoint, path, params, parse, timeout, extra_headers))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        return await self.fetch(request, self.max_response_bytes, attempt_budget(request))

    async def fetch(self, request: httpx.Request, limit: int, budget: float | None) -> httpx.Response:
        """`request` sent without following redirects, its body read whole: at most `limit` bytes
        once decoded (`BodyTooLarge`), within `budget` seconds in all (`httpx.ReadTimeout`)."""
        import asyncio

        try:
            async with asyncio.timeout(budget):
                try:
                    response = await self.http_client.send(request, follow_redirects=False, stream=True)
                except httpx.InvalidURL as exc:
                    raise InvalidRedirect(str(exc), request) from None
                try:
                    if already_read(response, limit):
                        return response
                    reader = BodyReader(response, limit)
                    async for chunk in response.aiter_raw():
                        reader.feed(chunk)
                    store(response, reader.finish())
                finally:
                    await response.aclose()
                return response
        except TimeoutError:
            raise _overrun(request, budget) from None

    async def _drive(self, flow: Generator[Command, Outcome, T]) -> T:
        send = self._send
        held: tuple[KeyOrderingLock, asyncio.Lock] | None = None
        try:
            command = next(flow)
            while True:
                if isinstance(command, httpx.Request):
                    outcome: Outcome
                    try:
                        outcome = await send(command)
                    except httpx.HTTPError as exc:
                        outcome = exc
                    finally:
                        if held is not None:
                            held[0].release_async(held[1])
                            held = None
                    command = flow.send(outcome)
                elif isinstance(command, LockRequest):
                    held = (command.lock, await command.lock.acquire_async())
                    command = flow.send(None)
                else:
                    await self.sleep(command)
                    command = flow.send(None)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            if held is not None:
                held[0].release_async(held[1])
            flow.close()

    async def aclose(self) -> None:
        if self.owns_client:
            await self.http_client.aclose()


#: The names these classes were published under.
SyncTransport = SyncCallDriver
AsyncTransport = AsyncCallDriver
