"""The command line at its edges: falsy options sent, every error a non-zero status, tids in
numeric order, exact decimals in `--json`. The requests are read off a mock transport."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from rich.console import Console

import mtgox.cli
from mtgox_runtime import MtGoxError
from mtgox_runtime.cli import ExitStatus
from mtgox_runtime.cli._exit import status_of
from mtgox_runtime.cli._jsonio import to_json
from mtgox_runtime.cli._verbs import trades_view

BASE = "https://data.mtgox.com/api"
KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    for name, value in (("MTGOX_BASE_URL", BASE), ("MTGOX_API_KEY", KEY), ("MTGOX_API_SECRET", SECRET)):
        monkeypatch.setenv(name, value)
    with respx.mock(assert_all_called=False) as router:
        yield router.route().mock(return_value=httpx.Response(500, json={"result": "error", "error": "edge"}))


def sent(route: respx.Route) -> list[tuple[str, str]]:
    request = route.calls.last.request
    text = request.url.query.decode() if request.method == "GET" else request.content.decode()
    return [(k, v) for k, v in parse_qsl(text, keep_blank_values=True) if k != "nonce"]


def test_a_zero_option_is_sent(wire: respx.Route) -> None:
    mtgox.cli.main(["v2", "trades-fetch", "--pair", "BTCUSD", "--since", "0"])
    assert sent(wire) == [("since", "0")]


def test_false_and_zero_options_of_a_signed_call_are_sent(wire: respx.Route) -> None:
    argv = ["v2", "bitcoin-send-simple", "--address", "1abc", "--amount", "0.5", "--fee", "0"]
    mtgox.cli.main([*argv, "--no-green", "--no-no-instant"])
    assert sent(wire) == [
        ("address", "1abc"),
        ("amount_int", "50000000"),
        ("fee_int", "0"),
        ("no_instant", "0"),
        ("green", "0"),
    ]


def test_an_option_left_out_is_not_sent(wire: respx.Route) -> None:
    mtgox.cli.main(["v2", "trades-fetch", "--pair", "BTCUSD"])
    assert sent(wire) == []


class OddError(MtGoxError):
    """An SDK error of no kind the exit statuses list."""


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (mtgox.InvalidRequestError("x"), ExitStatus.USAGE),
        (mtgox.ConfigurationError("x"), ExitStatus.CONFIGURATION),
        (mtgox.OrderNotFoundError("x"), ExitStatus.API_ERROR),
        (mtgox.APITimeoutError("x"), ExitStatus.TRANSPORT),
        (mtgox.InvalidResponseError("x"), ExitStatus.INVALID_RESPONSE),
        (OddError("x"), ExitStatus.API_ERROR),
        (MtGoxError("x"), ExitStatus.API_ERROR),
    ],
)
def test_every_error_exits_non_zero_with_its_kinds_status(error: MtGoxError, status: ExitStatus) -> None:
    assert status_of(error) == status != ExitStatus.OK


def test_an_unlisted_error_from_a_command_fails_the_command(
    wire: respx.Route, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def odd(self: object, **kwargs: object) -> None:
        raise OddError("something unforeseen")

    monkeypatch.setattr(mtgox.v2.V2, "ticker", odd)
    assert mtgox.cli.main(["v2", "ticker", "--pair", "BTCUSD"]) == ExitStatus.API_ERROR
    assert "something unforeseen" in capsys.readouterr().err


def trade(tid: str) -> SimpleNamespace:
    return SimpleNamespace(
        tid=tid,
        date=datetime(2013, 4, 1, tzinfo=UTC),
        trade_type="bid",
        price=Decimal("100"),
        price_currency="USD",
        amount=Decimal("1"),
        item="BTC",
    )


def text_of(renderable: object) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_trades_are_newest_first_by_number_not_by_text() -> None:
    # tids are integers (api-v0-v1.md): 1000 is newer than 999 though "1000" < "999" as text
    shown = text_of(trades_view("BTCUSD", 2)([trade("999"), trade("1000"), trade("998")]))
    lines = [line for line in shown.splitlines() if "USD" in line and "BTC" in line and "trades" not in line]
    assert [line.split()[-1] for line in lines] == ["1000", "999"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("1E-8"), "0.00000001"),
        (Decimal("0E-8"), "0.00000000"),
        (Decimal("1E+3"), "1000"),
        (Decimal("100.50000"), "100.50000"),
    ],
)
def test_json_decimals_are_plain_digits_never_exponents(value: Decimal, text: str) -> None:
    assert to_json({"amount": value}) == {"amount": text}
    assert Decimal(text) == value
