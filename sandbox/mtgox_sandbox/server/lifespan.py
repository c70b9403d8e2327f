"""The ASGI lifespan protocol for anything with async `startup()` and `shutdown()` (the `App`,
and the fixture's `Switch` in front of one)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from ..web.types import Receive, Send

log = logging.getLogger("mtgox_sandbox")


async def lifespan(
    receive: Receive, send: Send, startup: Callable[[], Awaitable[None]], shutdown: Callable[[], Awaitable[None]]
) -> None:
    """Run `startup` on lifespan.startup (reporting a failure to the server), `shutdown` at the end."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await startup()
            except Exception as exc:
                log.exception("start-up failed")
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
