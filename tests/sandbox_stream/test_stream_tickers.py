"""Tickers as Mt. Gox sent them: about one a second per subscribed pair on a quiet market (a
serve option and a fixture argument, off by default), the same message a trade causes."""

from __future__ import annotations

import time

import pytest

from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .streams import Raw, private


@pytest.mark.sandbox(ticker_interval_s=1.0)
def test_a_quiet_market_sends_a_ticker_about_once_a_second(sandbox: Sandbox, traders: tuple[Api, Api]) -> None:
    seller, _ = traders
    seller.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 10**8, "price_int": 10_000_000})
    raw = Raw(sandbox, query="Channel=ticker.BTCUSD")
    assert raw.recv()["op"] == "subscribe"
    began = time.monotonic()
    tickers = []
    while time.monotonic() - began < 12:
        message = raw.recv(timeout=3)  # never three seconds of silence
        assert private("ticker")(message), message
        tickers.append(message)
    assert len(tickers) >= 8, len(tickers)
    ticker = tickers[-1]
    assert ticker["channel_name"] == "ticker.BTCUSD" and ticker["ticker"]["sell"]["value_int"] == "10000000"
    # the same message as the ticker a change causes (the v2 ticker's figures), fresh `now`
    answer = Api(sandbox.base_url).public(2, "BTCUSD/money/ticker")
    assert ticker["ticker"]["sell"] == answer["sell"] and ticker["ticker"]["vol"] == answer["vol"]
    assert int(tickers[-1]["ticker"]["now"]) > int(tickers[0]["ticker"]["now"])
    raw.close()


@pytest.mark.sandbox(ticker_interval_s=0.2)
def test_only_subscribed_pairs_get_repeated_tickers(sandbox: Sandbox) -> None:
    raw = Raw(sandbox, query="Channel=ticker.BTCEUR/depth.BTCUSD")
    assert [raw.recv()["op"] for _ in range(2)] == ["subscribe", "subscribe"]
    names = {raw.recv(timeout=3)["channel_name"] for _ in range(5)}
    assert names == {"ticker.BTCEUR"}
    raw.close()


def test_the_fixture_repeats_no_ticker_unless_asked(sandbox: Sandbox) -> None:
    raw = Raw(sandbox, query="Channel=ticker.BTCUSD")
    assert raw.recv()["op"] == "subscribe"
    with pytest.raises(TimeoutError):
        raw.recv(timeout=2.5)
    raw.close()


def test_a_negative_ticker_interval_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from mtgox_sandbox.server.cli import main

    assert main(["serve", "--ticker-interval", "-1"]) == 2
    assert "--ticker-interval must be between 0 and 3600 seconds" in capsys.readouterr().err
