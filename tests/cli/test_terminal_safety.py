"""What a server sends never reaches the terminal as a control sequence.

Real answers of the sandbox are taken, their text fields replaced by escape sequences (clear the
screen, retitle the window, an OSC 8 hyperlink, a C1 CSI, backspaces, a bidi override, rich
markup), and served back by a scripted server on loopback; every view of `mtgox` must print
them escaped: errors, tables, the ticker, wallet history, `--watch`, and `--json` (JSON-escaped).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

import mtgox
import mtgox.cli
from mtgox_runtime.cli import ExitStatus
from mtgox_sandbox.fixture import Sandbox
from tests.reliability.support import KEY, SECRET
from tests.reliability.wire import Act, FaultServer, answer

from .conftest import Run

pytestmark = pytest.mark.integration

EVIL = (
    "\x1b]0;pwned\x07"  # window title
    "\x1b[2J\x1b[H"  # clear screen, cursor home
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "\x9b31m"  # C1 CSI
    "\x08\x08\r\x7f"  # backspaces, carriage return, DEL
    "\u202eevil"  # right-to-left override
    "[link=https://evil.example]markup[/link]"  # rich markup
)
#: Allowed in output: newlines, and what rich itself writes to a terminal: colours (SGR), hiding
#: the cursor, and a live view's moves up a line and line erasing (never a clear screen).
_RICH = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[[0-9]*[AK]|\r")
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_printable(text: str) -> None:
    found = _CONTROL.findall(_RICH.sub("", text))
    assert not found, f"raw control characters reached the terminal: {found!r} in {text!r:.300}"
    assert "\x1b]8;" not in text, "a hyperlink was drawn"


def poison(value: Any, keys: set[str]) -> Any:
    """`value` with every string under one of `keys` replaced by EVIL."""
    if isinstance(value, dict):
        return {k: EVIL if k in keys and isinstance(v, str) else poison(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, keys) for v in value]
    return value


@pytest.fixture(scope="module")
def answers(sandbox_session: Sandbox) -> dict[str, Any]:
    """Real answers (whole v2 envelopes) of the commands tested, from the sandbox."""
    key, secret = sandbox_session.add_account(fund={"BTC": "10", "USD": "10000"})
    sandbox_session.seed_market()
    with mtgox.Client(key, secret, base_url=sandbox_session.base_url, nonce_store="memory") as api:
        api.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("101"))  # a trade
        api.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("50"))  # stays open
        raw = api.v2.with_raw_response
        bodies = {
            "ticker": raw.ticker(pair="BTCUSD").content,
            "info": raw.info().content,
            "orders": raw.orders().content,
            "history": raw.wallet_history(currency="USD").content,
            "trades": raw.trades_fetch(pair="BTCUSD").content,
        }
    return {name: json.loads(body) for name, body in bodies.items()}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


@pytest.fixture
def run(server: FaultServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    monkeypatch.setenv("MTGOX_BASE_URL", server.base_url)
    monkeypatch.setenv("MTGOX_API_KEY", KEY)
    monkeypatch.setenv("MTGOX_API_SECRET", SECRET)
    monkeypatch.setenv("COLUMNS", "1000")  # wide enough that no escaped value is cropped from view

    def go(*argv: str, color: bool = False) -> Run:
        if color:
            monkeypatch.setenv("FORCE_COLOR", "1")
        else:
            monkeypatch.delenv("FORCE_COLOR", raising=False)
        capsys.readouterr()
        status = mtgox.cli.main(list(argv))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return go


@pytest.mark.parametrize("color", [False, True], ids=["pipe", "terminal"])
def test_an_error_message_is_printed_escaped_on_one_line(
    server: FaultServer, run: Callable[..., Run], color: bool
) -> None:
    server.default = answer({"result": "error", "error": EVIL + "\nsecond line"})
    result = run("ticker", "BTCUSD", color=color)
    assert result.status == ExitStatus.API_ERROR
    assert_printable(result.err + result.out)
    assert "\\x1b]0;pwned\\x07" in result.err and "\\u202eevil" in result.err and "\\nsecond line" in result.err
    assert len(result.err.strip().splitlines()) == 1


COMMANDS = {
    "ticker": (("ticker", "BTCUSD"), "ticker", {"currency", "display", "display_short"}),
    "balance": (("balance",), "info", {"Login", "currency", "display", "Id"}),
    "orders": (("orders",), "orders", {"oid", "status", "type", "currency", "display", "item"}),
    "history": (("history", "USD"), "history", {"Info", "Type", "currency", "display", "Link"}),
    "trades": (("trades", "BTCUSD"), "trades", {"tid", "trade_type", "price_currency", "item", "properties"}),
    "v2 info": (("v2", "info"), "info", {"Login", "currency", "display", "Id"}),
    "v2 orders": (("v2", "orders"), "orders", {"oid", "status", "type", "currency", "display"}),
}


@pytest.mark.parametrize("json_output", [False, True], ids=["table", "json"])
@pytest.mark.parametrize("color", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_server_text_in_every_view_is_escaped(
    server: FaultServer,
    run: Callable[..., Run],
    answers: dict[str, Any],
    name: str,
    color: bool,
    json_output: bool,
) -> None:
    argv, body, keys = COMMANDS[name]
    server.default = answer(poison(answers[body], keys))
    result = run(*(("--json",) if json_output else ()), *argv, color=color)
    output = result.out + result.err
    assert_printable(output)
    if result.status != ExitStatus.OK:  # the SDK refused the poisoned value: its error is escaped
        assert result.status == ExitStatus.INVALID_RESPONSE, result.err
        return
    if json_output:
        json.loads(result.out)  # still JSON, and EVIL read back whole
        assert EVIL in result.out.encode().decode("unicode_escape", "ignore") or "\\u001b" in result.out
    else:  # shown escaped (a long value may be folded over lines, or cropped to fit)
        assert "\\x1b]0;pwned" in output or "…" in output


def test_every_command_shows_some_server_text(
    server: FaultServer, run: Callable[..., Run], answers: dict[str, Any]
) -> None:
    """The poisoning reaches output: most views print a poisoned field (escaped) rather than refuse."""
    shown = 0
    for argv, body, keys in COMMANDS.values():
        server.default = answer(poison(answers[body], keys))
        result = run(*argv)
        shown += result.status == ExitStatus.OK and "\\x1b]0;pwned" in result.out
    assert shown >= 5


def test_watch_views_are_escaped(server: FaultServer, run: Callable[..., Run], answers: dict[str, Any]) -> None:
    server.default = answer(poison(answers["ticker"], {"currency", "display"}))
    watched = run("ticker", "BTCUSD", "--watch", "--poll", "--interval", "0", "--count", "2", color=True)
    assert_printable(watched.out + watched.err)
    server.default = Act("answer", body=json.dumps({"result": "error", "error": EVIL}).encode())
    failed = run("--json", "orders", "--watch", "--interval", "0", "--count", "2")
    assert failed.status == ExitStatus.API_ERROR
    assert_printable(failed.out + failed.err)


def test_the_sdks_log_lines_are_escaped_too(
    server: FaultServer, run: Callable[..., Run], caplog: pytest.LogCaptureFixture
) -> None:
    """A stream warning quotes what the server sent (a remark, a failed snapshot): escaped as well."""
    server.default = answer({"result": "error", "error": "x"})
    run("ticker", "BTCUSD")
    with caplog.at_level(logging.WARNING, logger="mtgox"):
        logging.getLogger("mtgox").warning("stream: the BTCUSD snapshot failed: %s", EVIL)
    (record,) = caplog.records
    assert_printable(record.getMessage())
    assert "\\x1b]0;pwned" in record.getMessage()
