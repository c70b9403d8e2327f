"""The human output of `book` and `balance` against known sandbox state, and `--json` against the SDK's models."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

import mtgox
from mtgox.types import Depth, Info, Order, Ticker, Trade
from mtgox_runtime.cli import ExitStatus
from mtgox_runtime.cli._jsonio import from_json
from mtgox_sandbox.fixture import Sandbox

from .conftest import Cli, cli_runner


@pytest.fixture
def fresh(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Sandbox, Cli, mtgox.Client]]:
    """A new exchange whose only book is the market maker's ladder, and an account holding 10 BTC, 5000 USD."""
    key, secret = sandbox.add_account(fund={"BTC": "10", "USD": "5000"})
    sandbox.seed_market()
    with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as client:
        yield sandbox, cli_runner(capsys, monkeypatch, sandbox.base_url, key, secret), client


def rows(text: str) -> list[list[str]]:
    """The table's lines as cells (split on runs of spaces), box-drawing lines left out."""
    return [line.split() for line in text.splitlines() if line.strip() and not set(line.strip()) <= set("─━")]


def test_book_is_a_ladder_with_a_depth_chart(fresh: tuple[Sandbox, Cli, mtgox.Client]) -> None:
    _, cli, _ = fresh
    run = cli("book", "BTCUSD", "--levels", "3")
    assert run.status == ExitStatus.OK, run.err
    table = [r for r in rows(run.out) if r[0] in ("ask", "bid")]
    # Asks from the third best down to the best, then bids from the best: price, amount, cumulative.
    assert [r[:4] for r in table] == [
        ["ask", "101.5", "1", "3"],
        ["ask", "101", "1", "2"],
        ["ask", "100.5", "1", "1"],
        ["bid", "99.5", "1", "1"],
        ["bid", "99", "1", "2"],
        ["bid", "98.5", "1", "3"],
    ]
    bars = [r[4].count("█") if len(r) > 4 else 0 for r in table]
    assert bars[0] == bars[-1] > bars[1] == bars[-2] > bars[2] == bars[3] > 0, "bar length follows the cumulative depth"
    assert "spread 1.0" in " ".join(run.out.split())
    assert "price (USD)" in run.out and "amount (BTC)" in run.out
    assert "10 ask levels, 10 bid levels" in run.out


def test_balance_shows_every_wallet_exactly(fresh: tuple[Sandbox, Cli, mtgox.Client]) -> None:
    _, cli, client = fresh
    client.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.25"), price=200)
    run = cli("balance")
    assert run.status == ExitStatus.OK, run.err
    table = {r[0]: r[1:] for r in rows(run.out) if r[0] in ("BTC", "USD")}
    assert table["BTC"] == ["10.00000000", "BTC", "0.25000000", "BTC", "9.75000000", "BTC"]
    assert table["USD"] == ["5000.00000", "USD", "0.00000", "USD", "5000.00000", "USD"]
    assert re.search(r"balances \(trade fee 0\.6 %\)", run.out)


def unstamped(value: object) -> object:
    """The value with the server's clock (`now`, which moves between two calls) left out."""
    if hasattr(value, "now"):
        value.now = None
    return value


def test_json_output_round_trips_to_the_sdks_models(fresh: tuple[Sandbox, Cli, mtgox.Client]) -> None:
    _, cli, client = fresh
    client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=90)
    client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"))  # fills: a trade
    for argv, hint, expected in (
        (["book", "BTCUSD"], Depth, client.v2.depth_fetch(pair="BTCUSD")),
        (["book", "BTCUSD", "--full"], Depth, client.v2.depth_full(pair="BTCUSD")),
        (["balance"], Info, client.v2.info()),
        (["orders"], list[Order], client.v2.orders()),
        (["trades", "BTCUSD"], list[Trade], client.v2.trades_fetch(pair="BTCUSD")),
        (["v1", "info"], Info, client.v1.info()),
    ):
        run = cli("--json", *argv)
        assert run.status == ExitStatus.OK, run.err
        assert unstamped(from_json(hint, json.loads(run.out))) == unstamped(expected), argv
    ticker = cli("--json", "ticker", "BTCUSD")
    parsed = from_json(Ticker, json.loads(ticker.out))
    assert isinstance(parsed, Ticker)
    assert parsed.last == client.v2.ticker(pair="BTCUSD").last
    assert json.loads(ticker.out)["last"]["value"] == "100.50000", "money is the exact text, never a float"
