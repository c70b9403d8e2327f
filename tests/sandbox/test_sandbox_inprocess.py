"""The ASGI app in-process (httpx's ASGI transport), and the handlers the catalogue keeps canned.

The catalogue marks a few endpoints `sandbox: canned` although the sandbox implements them;
switching them to stateful here keeps those handlers tested until the catalogue adopts them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.server.app import App

from .sandbox_helpers import sign

ADOPTED = {"v0.redeem_code", "v1.private_trades", "v1.private_trades_all", "v2.stream_list_public", "v2.bitcoin_null"}


class Caller:
    def __init__(self, http: httpx.AsyncClient, key: str, secret: str) -> None:
        self.http, self.key, self.secret, self.nonce = http, key, secret, 0

    async def __call__(self, version: int, path: str, **params: Any) -> Any:
        self.nonce += 1
        body = urlencode([*params.items(), ("nonce", self.nonce)]).encode()
        message = path.encode() + b"\0" + body if version == 2 else body
        headers = {"Rest-Key": self.key, "Rest-Sign": sign(self.secret, message)}
        response = await self.http.post(f"/api/{version}/{path}", content=body, headers=headers)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert "error" not in answer, answer
        return answer if version == 0 else answer["return" if version == 1 else "data"]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    catalogue = load()
    endpoints = tuple(
        dataclasses.replace(e, sandbox="stateful") if e.key in ADOPTED else e for e in catalogue.endpoints
    )
    application = App(dataclasses.replace(catalogue, endpoints=endpoints), tmp_path / "app.db")
    await application.startup()
    yield application
    await application.shutdown()


def account(app: App, **fund: int) -> tuple[str, str]:
    conn = connect(app.services.worker.path)
    with transaction(conn) as tx:
        creds = ledger.create_account(tx)
        ledger.fund(tx, creds.account_id, fund)
    conn.close()
    return creds.key, creds.secret


async def test_adopted_handlers(app: App) -> None:
    assert set(app.services.dispatcher.handlers) >= ADOPTED
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        alice = Caller(http, *account(app, BTC=10**8, USD=10**8))
        bob = Caller(http, *account(app, USD=10**8))
        channels = (await http.get("/api/2/stream/list_public")).json()["data"]
        assert "ticker.BTCUSD" in channels and "trade.lag" in channels
        assert (await http.get("/api/2/money/bitcoin/null")).json()["data"]["addr"].startswith("1")

        code = await alice(0, "withdraw.php", group1="BTC2CODE", amount="0.5")
        redeemed = await bob(0, "redeemCode.php", code=code["code"])
        assert redeemed["amount"] == 0.5 and redeemed["currency"] == "BTC"
        assert redeemed["status"] == "Your account has been credited by 0.50000000 BTC"
        again = await http.post(
            "/api/0/redeemCode.php",
            content=f"code={code['code']}&nonce=99".encode(),
            headers={"Rest-Key": bob.key, "Rest-Sign": sign(bob.secret, f"code={code['code']}&nonce=99".encode())},
        )
        assert again.json()["error"] == "Invalid code"
        bob.nonce = 99

        await alice(2, "BTCUSD/money/order/add", type="ask", amount_int=10_000_000, price_int=10_000_000)
        await bob(1, "BTCUSD/order/add", type="bid", amount_int=10_000_000)
        mine = await bob(1, "BTCUSD/private/trades")
        assert len(mine) == 1 and mine[0]["amount"] == "0.1" and mine[0]["trade_type"] == "bid"
        assert await alice(1, "generic/private/trades") == mine
        assert await bob(1, "generic/private/trades", since=mine[0]["tid"]) == []

        conn = connect(app.services.worker.path)
        with transaction(conn, write=False) as tx:
            assert ledger.check_invariants(tx) == []
        conn.close()


async def test_internal_errors_roll_back_and_answer_500(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from mtgox_sandbox.api.handlers import account as account_handlers

    def broken(call: Any) -> Any:
        call.tx.execute("UPDATE wallets SET balance = balance + 1")
        raise RuntimeError("boom")

    monkeypatch.setitem(app.services.dispatcher.handlers, "v2.info", broken)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        key, secret = account(app, USD=100)
        body = b"nonce=1"
        headers = {"Rest-Key": key, "Rest-Sign": sign(secret, b"money/info\0" + body)}
        response = await http.post("/api/2/money/info", content=body, headers=headers)
        assert response.status_code == 500
        assert response.json() == {
            "result": "error",
            "error": "Internal error, please retry later",
            "token": "unknown_error",
        }
        # everything rolled back, the nonce included: the same request works once fixed
        monkeypatch.setitem(app.services.dispatcher.handlers, "v2.info", account_handlers.info)
        retried = await http.post("/api/2/money/info", content=body, headers=headers)
        assert retried.json()["data"]["Wallets"]["USD"]["Balance"]["value_int"] == "100"
