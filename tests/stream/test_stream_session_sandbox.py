"""The session's transitions over real sockets against the sandbox, with the default settings.

The drivers read `time.monotonic()` through their module's `time`; the tests move that clock
half a day ahead instead of waiting. Half a day of silence is a dead connection (60 s is the
default limit), so the driver drops it and reconnects after its default wait (0.5 to 1 s), and
the idkey, now as old as its refresh age (half of its 24 hours), is fetched again before the
account's channel is subscribed anew; the book is fetched again too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

import mtgox
from mtgox import stream as ms
from mtgox_runtime.stream import Reconnected, StreamSession
from mtgox_runtime.stream import _async as async_driver
from mtgox_runtime.stream import _sync as sync_driver
from mtgox_sandbox.fixture import Sandbox

from .support import TRANSPORTS, take_until, wait_until

FUNDS = {"BTC": "10", "USD": "10000"}
HALF_A_DAY = 12 * 3600.0


class Clock:
    """`time.monotonic` plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    shim = SimpleNamespace(monotonic=fake.monotonic)
    monkeypatch.setattr(sync_driver, "time", shim)
    monkeypatch.setattr(async_driver, "time", shim)
    return fake


@pytest.fixture
def account(sandbox: Sandbox) -> tuple[str, str]:
    return sandbox.add_account(fund=FUNDS)


def record_idkeys(session: StreamSession, monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Each idkey the driver hands the session (None: a failed fetch)."""
    fetched: list[str | None] = []
    original = session.set_idkey

    def set_idkey(idkey: str | None, now: float) -> Any:
        fetched.append(idkey)
        return original(idkey, now)

    monkeypatch.setattr(session, "set_idkey", set_idkey)
    return fetched


@pytest.fixture
def bot(sandbox: Sandbox, account: tuple[str, str]) -> Iterator[mtgox.Client]:
    with mtgox.Client(*account, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as client:
        yield client


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_half_a_day_of_silence_reconnects_refetches_the_idkey_and_resyncs(
    bot: mtgox.Client, clock: Clock, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    with bot.stream(transport=transport) as stream:
        fetched = record_idkeys(stream.session, monkeypatch)
        book = stream.order_book("BTCUSD")
        stream.subscribe_private(wait=20)
        wait_until(lambda: book.synced)
        assert len(fetched) == 1 and fetched[0] and stream.connected
        clock.offset += HALF_A_DAY
        (back,) = [m for m in take_until(stream, lambda m: isinstance(m, Reconnected)) if isinstance(m, Reconnected)]
        assert "no message for 60 s" in back.reason and back.attempts == 1
        wait_until(lambda: stream.session.private_live and book.synced)
        assert len(fetched) == 2 and fetched[1]  # a new fetch, not the old idkey sent again
        assert book.snapshots == 2
        oid = bot.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=Decimal("1"))
        seen = take_until(stream, lambda m: isinstance(m, ms.UserOrder), limit=200)
        assert seen[-1].user_order.oid == oid  # type: ignore[attr-defined]


def test_less_than_the_silence_limit_changes_nothing(
    bot: mtgox.Client, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with bot.stream() as stream:
        fetched = record_idkeys(stream.session, monkeypatch)
        stream.subscribe_private(wait=20)
        clock.offset += 50.0
        time.sleep(1.5)  # the reader's next ticks (once a second) see about 51 s of silence: not dead
        assert stream.connected and stream.session.connections == 1 and len(fetched) == 1


async def test_async_half_a_day_of_silence_reconnects_and_refetches_the_idkey(
    sandbox: Sandbox, account: tuple[str, str], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        mtgox.AsyncClient(*account, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None) as bot,
        bot.stream() as stream,
    ):
        fetched = record_idkeys(stream.session, monkeypatch)
        await stream.subscribe_private(wait=20)
        clock.offset += HALF_A_DAY
        async with asyncio.timeout(20):
            async for msg in stream:
                if isinstance(msg, Reconnected):
                    assert "no message for 60 s" in msg.reason
                    break
        await asyncio.to_thread(wait_until, lambda: stream.session.private_live)
        assert len(fetched) == 2 and all(fetched)
