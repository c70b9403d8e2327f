"""The README's streaming bot, run as written against the sandbox on both transports.

Its endless `for msg in stream:` is bounded here (the only change besides the transport): the
loop ends once the bot has seen its own order, its wallet and a trade, which another client of
the same key causes by buying from the market maker.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import mtgox
from mtgox import stream as ms
from mtgox_sandbox.fixture import Sandbox

from .support import TRANSPORTS

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_bot() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Streaming", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no python block in the README's Streaming section"
    return match.group(1)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_readme_bot_runs_against_the_sandbox(
    sandbox: Sandbox, transport: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.seed_market()
    key, secret = sandbox.add_account(fund={"USD": "10000", "BTC": "10"})
    monkeypatch.setenv("MTGOX_BASE_URL", sandbox.base_url)

    def buy() -> None:
        with mtgox.Client(key, secret) as other:  # same key, same nonce store as the bot's client
            other.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("101"))

    def bounded(stream: Iterator[object]) -> Iterator[object]:
        seen: set[type] = set()
        started = False
        for count, msg in enumerate(stream):
            yield msg
            private_ack = isinstance(msg, ms.Subscribed) and msg.channel not in {c.id for c in ms.STREAM.channels}
            if private_ack and not started:  # the private channel is live: trade
                started = True
                threading.Thread(target=buy).start()
            seen.add(type(msg))
            if {ms.UserOrder, ms.Wallet, ms.Trade} <= seen or count > 5000:
                return

    code = readme_bot()
    assert "for msg in stream:" in code and "client.stream()" in code
    code = code.replace("for msg in stream:", "for msg in bounded(stream):")
    code = code.replace("client.stream()", f"client.stream(transport={transport!r})")
    exec(compile(code, "README.md", "exec"), {"key": key, "secret": secret, "bounded": bounded})  # noqa: S102
    printed = capsys.readouterr().out
    assert "my order" in printed and "wallet" in printed and "trade 50000000 10050000 USD" in printed


#: How long the bot trades against the re-quoting market maker.
BOT_SECONDS = 8.0


def _buy_now_and_then(base_url: str, key: str, secret: str, stop: threading.Event) -> None:
    """Another trader takes 0.01 BTC from the market maker's best ask every 0.3 s: each trade moves
    the last price, the market maker re-quotes around it, and the spread opens past 1 USD."""
    with mtgox.Client(key, secret, base_url=base_url, nonce_store="memory") as other:
        while not stop.wait(0.3):
            other.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=Decimal("1000"))


@pytest.mark.integration
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_readme_bot_cannot_run_away(
    tmp_path: Path, transport: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a market maker re-quoting as others trade, a bot bidding on every message (its own
    echoes included) places hundreds of orders a second; the README's acts when the best prices
    move and holds at most MAX_OPEN_ORDERS. Only its loop is bounded here, in time; nobody
    sells, so none of its bids fills and frees a place."""
    with Sandbox(tmp_path / "mm.db", market_maker=True, extra_args=("--interval", "0.2")) as exchange:
        exchange.seed_market()
        key, secret = exchange.add_account(fund={"USD": "100000"})
        buyer = exchange.add_account(fund={"USD": "100000"})
        monkeypatch.setenv("MTGOX_BASE_URL", exchange.base_url)
        stop = threading.Event()
        trader = threading.Thread(target=_buy_now_and_then, args=(exchange.base_url, *buyer, stop))

        def bounded(stream: Iterator[object]) -> Iterator[object]:
            trader.start()
            end = time.monotonic() + BOT_SECONDS
            for msg in stream:
                yield msg
                if time.monotonic() > end:
                    return

        code = readme_bot()
        limit = re.search(r"^MAX_OPEN_ORDERS = (\d+)", code, re.MULTILINE)
        assert limit is not None and "for msg in stream:" in code
        code = code.replace("for msg in stream:", "for msg in bounded(stream):")
        code = code.replace("client.stream()", f"client.stream(transport={transport!r})")
        try:
            exec(compile(code, "README.md", "exec"), {"key": key, "secret": secret, "bounded": bounded})  # noqa: S102
        finally:
            stop.set()
            trader.join(10)
        placed = set(re.findall(r"^my order (\S+)", capsys.readouterr().out, re.MULTILINE))
        with mtgox.Client(key, secret, base_url=exchange.base_url, nonce_store="memory") as client:
            still_open = client.v2.orders()
    with capsys.disabled():
        print(f"\nREADME bot ({transport}): {len(placed)} orders placed in {BOT_SECONDS:g} s")
    assert 1 <= len(placed) <= int(limit.group(1)), placed
    assert len(still_open) == len(placed)
