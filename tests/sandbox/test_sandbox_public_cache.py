"""Mt. Gox's 10-second cache of public answers, as an option: off unless asked for, per
exchange (`serve --public-cache`, `@pytest.mark.sandbox(public_cache_s=...)`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

import mtgox
from mtgox_sandbox import Sandbox
from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.server.app import App
from mtgox_sandbox.server.options import ExchangeOptions, OptionsError

TICKER = "/api/2/BTCUSD/money/ticker"


async def _app(tmp_path: Path, seconds: float) -> App:
    app = App(load(), tmp_path / "cache.db", options=ExchangeOptions(public_cache_s=seconds))
    await app.startup()
    return app


@pytest.fixture
async def cached(tmp_path: Path) -> AsyncIterator[App]:
    app = await _app(tmp_path, 3600)
    yield app
    await app.shutdown()


def _trade(app: App) -> None:
    """A trade written straight into the exchange's database: the ticker's last price moves."""
    conn = connect(app.services.worker.path)
    with transaction(conn) as tx:
        a = ledger.create_account(tx, "a").account_id
        b = ledger.create_account(tx, "b").account_id
        ledger.fund(tx, a, {"USD": 10**9})
        ledger.fund(tx, b, {"BTC": 10**9})
        app.services.exchange.engine.place(tx, b, "BTCUSD", "ask", 10**8, 12_345_678)
        app.services.exchange.engine.place(tx, a, "BTCUSD", "bid", 10**8, 12_345_678)
    conn.close()


async def test_a_public_answer_is_served_again_until_it_is_older_than_the_cache(cached: App) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cached), base_url="http://sandbox") as http:
        before = (await http.get(TICKER)).json()["data"]["last"]["value_int"]
        _trade(cached)
        again = (await http.get(TICKER)).json()["data"]["last"]["value_int"]
        fresh = (await http.get(TICKER + "?raw")).json()["last"]["value_int"]  # another query: not kept yet
    assert before == again == "0"  # Mt. Gox's clients saw a cached ticker for up to 10 s
    assert fresh == "12345678"


async def test_without_the_option_every_answer_is_fresh(tmp_path: Path) -> None:
    app = await _app(tmp_path, 0)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as http:
            assert (await http.get(TICKER)).json()["data"]["last"]["value_int"] == "0"
            _trade(app)
            assert (await http.get(TICKER)).json()["data"]["last"]["value_int"] == "12345678"
    finally:
        await app.shutdown()


async def test_errors_and_private_calls_are_never_kept(cached: App) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cached), base_url="http://sandbox") as http:
        missing = await http.get("/api/2/BTCUSD/money/no_such")
        private = await http.post("/api/2/money/info", headers={"Rest-Key": "x", "Rest-Sign": "eA=="})
        again = await http.get("/api/2/BTCUSD/money/ticker", headers={"Rest-Key": "x"})
    assert missing.status_code == 404 and private.status_code == 403 and again.status_code == 200
    assert cached.options.public_cache_s == 3600


def test_options_are_checked_by_name_and_value() -> None:
    with pytest.raises(OptionsError, match="unknown sandbox option"):
        ExchangeOptions().but({"public_cache": 10})
    with pytest.raises(OptionsError, match="between 0 and 3600"):
        ExchangeOptions(public_cache_s=-1)
    with pytest.raises(OptionsError, match="number of seconds"):
        ExchangeOptions().but({"public_cache_s": "ten"})


def test_serve_refuses_a_bad_cache_age(tmp_path: Path) -> None:
    for args in (["--public-cache", "-5"], ["--options", '{"nope": 1}'], ["--options", "[1]"]):
        done = subprocess.run(
            [sys.executable, "-m", "mtgox_sandbox", "serve", "--db", str(tmp_path / "x.db"), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and done.stderr.startswith("mtgox-sandbox: ")


def _last_after_a_trade(sandbox: Sandbox) -> tuple[str, str]:
    """The ticker's last price before and after a trade at 99 USD, read over the wire (not
    through the SDK, whose own client-side cache would hide the server's)."""
    key, secret = sandbox.add_account({"BTC": "2", "USD": "1000"})
    with (
        httpx.Client(base_url=sandbox.url) as http,
        mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as client,
    ):
        before = http.get(TICKER).json()["data"]["last"]["value"]
        client.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("1"), price=Decimal("99"))
        client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("1"), price=Decimal("99"))
        assert client.v2.info().wallets["BTC"].balance.value < Decimal("2")  # private: always fresh
        return before, http.get(TICKER).json()["data"]["last"]["value"]


@pytest.mark.sandbox(public_cache_s=600)
def test_the_fixture_takes_the_option_for_one_test(sandbox: Sandbox) -> None:
    assert _last_after_a_trade(sandbox) == ("0.00000", "0.00000")  # kept for 600 s


def test_the_next_test_gets_a_fresh_answer_again(sandbox: Sandbox) -> None:
    assert _last_after_a_trade(sandbox) == ("0.00000", "99.00000")


def test_a_bad_option_is_refused_before_the_server_hears_of_it(sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(OptionsError):
        sandbox.reset(tmp_path / "other.db", public_cache_seconds=1)
    assert sandbox.process is not None and sandbox.process.poll() is None  # still serving
