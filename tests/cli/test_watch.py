"""`--watch`: live from the Streaming API (the sandbox's, over a real socket), or by polling HTTP."""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

import mtgox
from mtgox.types import Ticker
from mtgox_runtime.cli import ExitStatus
from mtgox_runtime.cli._jsonio import from_json
from mtgox_sandbox.fixture import Sandbox
from tests.reliability.wire import Act, FaultServer

from .conftest import Cli, cli_runner

#: Generous: each step needs well under a second.
STEP_TIMEOUT_S = 60


@pytest.fixture
def market(sandbox: Sandbox) -> Iterator[tuple[Sandbox, mtgox.Client, dict[str, str]]]:
    """A fresh exchange with the market maker's ladder, a trader, and the environment `mtgox` runs with."""
    key, secret = sandbox.add_account(fund={"BTC": "10", "USD": "5000"})
    sandbox.seed_market()
    env = dict(os.environ, MTGOX_BASE_URL=sandbox.base_url, MTGOX_API_KEY=key, MTGOX_API_SECRET=secret, COLUMNS="120")
    with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as client:
        yield sandbox, client, env


def watching(env: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    script = Path(sys.executable).with_name("mtgox")
    return subprocess.Popen([str(script), *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def next_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"mtgox ended early: {process.wait(STEP_TIMEOUT_S)} {process.stderr.read() if process.stderr else ''}"
    return line


def levels(state: dict[str, list[dict[str, str]]], side: str) -> dict[str, str]:
    return {level["price"]: level["amount"] for level in state[side]}


def test_book_watch_streams_an_order_placed_after_it_started(
    market: tuple[Sandbox, mtgox.Client, dict[str, str]],
) -> None:
    _, client, env = market
    process = watching(env, "--json", "book", "BTCUSD", "--watch", "--count", "2")
    try:
        snapshot = json.loads(next_line(process))  # printed once the stream's book is synced
        assert levels(snapshot, "bids")["99.5"] == "1"
        assert "99.75" not in levels(snapshot, "bids")
        client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.3"), price=Decimal("99.75"))
        update = json.loads(next_line(process))  # from the stream's depth message: nothing polls
        assert levels(update, "bids")["99.75"] == "0.3"
        assert process.wait(STEP_TIMEOUT_S) == ExitStatus.OK
    finally:
        process.kill()
        process.wait()


def test_ticker_watch_streams_the_ticker_after_a_trade(
    market: tuple[Sandbox, mtgox.Client, dict[str, str]],
) -> None:
    _, client, env = market
    process = watching(env, "--json", "ticker", "BTCUSD", "--watch", "--count", "2")
    try:
        first = from_json(Ticker, json.loads(next_line(process)))
        assert first.last.value == Decimal("100.00000")
        client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.3"), price=Decimal("100.5"))  # fills
        pushed = from_json(Ticker, json.loads(next_line(process)))
        assert pushed.last.value == Decimal("100.50000")
        assert process.wait(STEP_TIMEOUT_S) == ExitStatus.OK
    finally:
        process.kill()
        process.wait()


def test_book_watch_draws_the_live_ladder_from_the_streams_book(
    market: tuple[Sandbox, mtgox.Client, dict[str, str]],
) -> None:
    """The human view of the stream's book (updates are the JSON test's: a pipe shows only the last frame)."""
    _, _, env = market
    process = watching(env, "book", "BTCUSD", "--watch", "--count", "1", "--levels", "2")
    out, err = process.communicate(timeout=STEP_TIMEOUT_S)
    assert process.returncode == ExitStatus.OK, err
    rows = [line.split()[:4] for line in out.splitlines() if line.split()[:1] in (["ask"], ["bid"])]
    assert rows == [
        ["ask", "101", "1", "2"],
        ["ask", "100.5", "1", "1"],
        ["bid", "99.5", "1", "1"],
        ["bid", "99", "1", "2"],
    ]
    assert "█" in out


def test_poll_watches_by_http_until_count(cli: Cli) -> None:
    machine = cli("--json", "ticker", "BTCUSD", "--watch", "--poll", "--interval", "0", "--count", "3")
    assert machine.status == ExitStatus.OK, machine.err
    documents = [json.loads(line) for line in machine.out.splitlines()]  # JSON Lines
    assert len(documents) == 3
    assert all("last" in d for d in documents)
    placed = cli("v2", "order-add", "--pair", "BTCUSD", "--type", "ask", "--amount", "0.5", "--price", "5000")
    assert placed.status == ExitStatus.OK, placed.err
    human = cli("book", "BTCUSD", "--watch", "--poll", "--interval", "0", "--count", "2", "--levels", "2")
    assert human.status == ExitStatus.OK, human.err
    assert "order book" in human.out


def test_without_websockets_watch_polls(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "websockets", None)
    run = cli("--json", "ticker", "BTCUSD", "--watch", "--interval", "0", "--count", "2")
    assert run.status == ExitStatus.OK, run.err
    assert "polling HTTP instead of streaming" in run.err
    assert len(run.out.splitlines()) == 2


def stderr_line(process: subprocess.Popen[str]) -> str:
    """The next line on standard error, or a failure after STEP_TIMEOUT_S (never a hang)."""
    assert process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stderr.readline() if process.stderr else ""), daemon=True).start()
    try:
        line = lines.get(timeout=STEP_TIMEOUT_S)
    except queue.Empty:
        raise AssertionError(f"mtgox said nothing on standard error in {STEP_TIMEOUT_S} s") from None
    assert line, f"mtgox ended early: {process.wait(STEP_TIMEOUT_S)}"
    return line


def test_ticker_watch_says_when_the_stream_drops_and_when_it_is_back(
    market: tuple[Sandbox, mtgox.Client, dict[str, str]],
) -> None:
    """The exchange goes away under a live view: not stale data shown as live, but a line saying
    it is disconnected and reconnecting, then the current ticker once it is back."""
    sandbox, _, env = market
    process = watching(env, "--json", "ticker", "BTCUSD", "--watch", "--count", "2")
    try:
        first = from_json(Ticker, json.loads(next_line(process)))
        sandbox.stop()
        dropped = stderr_line(process)
        assert "disconnected (" in dropped and "reconnecting; showing what came at" in dropped
        sandbox.start()  # the same port and database
        back = from_json(Ticker, json.loads(next_line(process)))  # fetched over HTTP after reconnecting
        assert back.last == first.last
        assert "connected again: live" in stderr_line(process)
        assert process.wait(STEP_TIMEOUT_S) == ExitStatus.OK
    finally:
        process.kill()
        process.wait()


def test_the_live_view_shows_a_stale_banner_over_the_last_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """The human view, drawn to a terminal: the banner comes above what was shown last, and goes."""
    from mtgox_runtime.cli._context import Context
    from mtgox_runtime.cli._watch import Stale, show

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    args = argparse.Namespace(watch=True, poll=False, count=2, interval=0.0, json=False)
    ctx = Context(mtgox.Client, args, out=console, err=console)
    monkeypatch.setattr("mtgox_runtime.cli._watch.streaming_available", lambda ctx: True)
    values = ["first view", Stale("connection lost (\x1b[2Jno close frame)"), "second view"]
    show(ctx, args, lambda: None, lambda v: Text(str(v)), lambda: iter(values))
    frames = out.getvalue()
    banner = frames.index("disconnected (connection lost (\\x1b[2Jno close frame)): reconnecting; showing what came at")
    assert frames.index("first view") < banner < frames.rindex("first view") < frames.index("second view")
    assert "\x1b[2J" not in frames


def test_polling_says_when_the_exchange_cannot_be_reached(
    sandbox_session: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with mtgox.Client(base_url=sandbox_session.base_url) as client:
        body = client.v2.with_raw_response.ticker(pair="BTCUSD").content
    with FaultServer() as server:
        # one poll's three attempts are reset: that poll is stale, the next one live again
        server.script(Act("answer", body=body), *[Act("reset_before")] * 3, Act("answer", body=body))
        run = cli_runner(capsys, monkeypatch, server.base_url, "", "")
        result = run("--json", "ticker", "BTCUSD", "--watch", "--poll", "--interval", "0", "--count", "2")
    assert result.status == ExitStatus.OK, result.err
    assert len(result.out.splitlines()) == 2
    assert "disconnected (" in result.err and "connected again: live" in result.err
