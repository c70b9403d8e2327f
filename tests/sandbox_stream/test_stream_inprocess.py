"""The stream inside the ASGI app, in-process: the events of a request reach a subscriber's
queue only after its commit, a refused request publishes nothing, and a failure while building
messages never costs the exchange the request."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.server.app import App
from mtgox_sandbox.stream.hub import Subscriber
from mtgox_sandbox.stream.messages import Builder

from ..sandbox.sandbox_helpers import sign
from ..sandbox.test_sandbox_inprocess import Caller, account


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    application = App(load(), tmp_path / "app.db")
    await application.startup()
    yield application
    await application.shutdown()


def listen(app: App, *names: str) -> Subscriber:
    stream = app.catalogue.stream
    assert stream is not None
    sub = app.services.hub.join()
    for name in names:
        app.services.hub.subscribe(sub, stream.channel(name).id)
    return sub


async def test_a_request_publishes_after_commit_and_a_refused_one_nothing(app: App) -> None:
    sub = listen(app, "depth.BTCUSD")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
        alice = Caller(http, *account(app, USD=10**9))
        await alice(2, "BTCUSD/money/order/add", type="bid", amount_int=10**8, price_int=10**6)
        # published on the event loop right after the commit, before the answer: there once answered
        (message,) = [json.loads(t) for t in sub.drain()]
        assert message["depth"]["total_volume_int"] == str(10**8)
        alice.nonce += 1
        body = f"type=bid&amount_int=100&price_int=100&nonce={alice.nonce}".encode()  # too small: refused
        headers = {"Rest-Key": alice.key, "Rest-Sign": sign(alice.secret, b"BTCUSD/money/order/add\0" + body)}
        refused = await http.post("/api/2/BTCUSD/money/order/add", content=body, headers=headers)
        assert refused.json()["error"] == "Order amount is too low"
        assert sub.drain() == []


async def test_a_broken_message_builder_never_fails_the_request_and_tells_the_subscribers(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(Builder, "build", broken)
    sub = listen(app, "depth.BTCUSD")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
        alice = Caller(http, *account(app, USD=10**9))
        oid = await alice(2, "BTCUSD/money/order/add", type="bid", amount_int=10**8, price_int=10**6)
        assert len(oid) == 36
    told = [json.loads(text) for text in sub.drain()]
    depth = app.services.exchange.catalogue.stream.channel("depth.BTCUSD").id  # type: ignore[union-attr]
    assert [(m["op"], m["channel"], m["resync"]) for m in told] == [("remark", depth, True)]
    assert "lost" in told[0]["message"]
