"""Bad options get the SDK's own errors and the documented exit statuses."""

from __future__ import annotations

import base64
import socket
from decimal import Decimal

import pytest

import mtgox
import mtgox.cli
from mtgox_runtime.cli import ExitStatus
from mtgox_sandbox.fixture import Sandbox

from .conftest import Cli


def sdk_error(call: object) -> str:
    """The message the SDK itself raises for the same arguments."""
    assert callable(call)
    with pytest.raises(mtgox.MtGoxError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize(
    ("argv", "kwargs"),
    [
        # more decimal places than BTC has
        (["--amount", "0.123456789", "--price", "90"], {"amount": Decimal("0.123456789"), "price": Decimal(90)}),
        # below the catalogue's minimum order
        (["--amount", "0.001", "--price", "90"], {"amount": Decimal("0.001"), "price": Decimal(90)}),
        # negative
        (["--amount", "-1", "--price", "90"], {"amount": Decimal(-1), "price": Decimal(90)}),
        # USD has 5 decimal places
        (["--amount", "1", "--price", "90.123456"], {"amount": Decimal(1), "price": Decimal("90.123456")}),
    ],
)
def test_money_the_sdk_refuses_is_refused_with_the_sdks_message(
    cli: Cli, sandbox_session: Sandbox, argv: list[str], kwargs: dict[str, Decimal]
) -> None:
    run = cli("v2", "order-add", "--pair", "BTCUSD", "--type", "bid", *argv)
    assert run.status == ExitStatus.USAGE
    with mtgox.Client(base_url=sandbox_session.base_url, nonce_store="memory") as client:
        expected = sdk_error(lambda: client.v2.order_add(pair="BTCUSD", type="bid", **kwargs))  # type: ignore[arg-type]
    assert f"invalid_request error: {expected}" in " ".join(run.err.split())
    assert run.out == ""


def test_enum_and_pair_values_are_checked_by_the_sdk(cli: Cli) -> None:
    bad_type = cli("v2", "order-add", "--pair", "BTCUSD", "--type", "buy", "--amount", "1")
    assert bad_type.status == ExitStatus.USAGE
    assert "type='buy' is not one of: ask, bid" in bad_type.err
    bad_pair = cli("v2", "ticker", "--pair", "BTCXYZ")
    assert bad_pair.status == ExitStatus.USAGE
    assert "pair='BTCXYZ' is not one of" in bad_pair.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["v2", "order-add", "--pair", "BTCUSD", "--type", "bid", "--amount", "lots"],
            "amount must be a decimal number",
        ),
        (["v2", "trades-fetch", "--pair", "BTCUSD", "--since", "yesterday"], "since must be an integer"),
        (["v2", "trades-fetch", "--pair", "BTCUSD", "--since", "-5"], "since must be at least 0"),
    ],
)
def test_text_that_is_not_the_options_type_is_a_usage_error(cli: Cli, argv: list[str], message: str) -> None:
    run = cli(*argv)
    assert run.status == ExitStatus.USAGE
    assert message in run.err


def test_argparse_usage_errors_exit_2(cli: Cli) -> None:
    missing = cli("v2", "order-add", "--pair", "BTCUSD", "--amount", "1")
    assert missing.status == ExitStatus.USAGE
    assert "the following arguments are required: --type" in missing.err
    unknown = cli("v2", "no-such-endpoint")
    assert unknown.status == ExitStatus.USAGE


def test_help_comes_from_the_catalogue(cli: Cli) -> None:
    run = cli("v2", "order-add", "--help")
    assert run.status == ExitStatus.OK
    text = " ".join(run.out.split())
    assert "Place a limit order, or a market order when price is left out." in text
    assert "signed (path_body_hmac), key right: trade" in text
    assert "--type {bid,ask}" in text
    assert "in the pair's quote currency, sent as price_int in integer units" in text


def test_api_errors_exit_1_with_the_sdks_typed_error(cli: Cli) -> None:
    unknown = cli("v2", "order-cancel", "--oid", "00000000-0000-0000-0000-000000000000")
    assert unknown.status == ExitStatus.API_ERROR
    assert unknown.err.startswith(f"mtgox: {mtgox.OrderNotFoundError.kind} error:")
    # An unfunded order is accepted (as Mt. Gox did, it waits as "invalid"); a withdrawal is not.
    broke = cli("v2", "bitcoin-send-simple", "--address", "1BitcoinEaterAddressDontSendf59kuE", "--amount", "5000")
    assert broke.status == ExitStatus.API_ERROR
    assert broke.err.startswith(f"mtgox: {mtgox.InsufficientFundsError.kind} error:")


def test_a_wrong_secret_is_an_authentication_error_and_is_never_printed(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = base64.b64encode(b"w" * 64).decode()  # well formed, not the account's
    monkeypatch.setenv("MTGOX_API_SECRET", wrong)
    run = cli("balance")
    assert run.status == ExitStatus.API_ERROR
    assert run.err.startswith(f"mtgox: {mtgox.AuthenticationError.kind} error:")
    assert wrong not in run.out + run.err


def test_configuration_and_transport_errors(cli: Cli) -> None:
    insecure = cli("--base-url", "http://example.com/api", "ticker")
    assert insecure.status == ExitStatus.CONFIGURATION
    assert "configuration error" in insecure.err
    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        refused = cli("--base-url", f"http://127.0.0.1:{port}/api", "--timeout", "5", "ticker")
    assert refused.status == ExitStatus.TRANSPORT
    assert "connection error" in refused.err


def test_global_options_also_work_after_the_command(cli: Cli, sandbox_session: Sandbox) -> None:
    run = cli("v2", "ticker", "--pair", "BTCUSD", "--json", "--base-url", sandbox_session.base_url)
    assert run.status == ExitStatus.OK
    assert run.out.lstrip().startswith("{")


def test_an_insecure_base_url_is_refused_naming_the_flag_not_the_python_keyword(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sandbox_session: Sandbox
) -> None:
    from .conftest import cli_runner

    key, secret = sandbox_session.add_account(fund={"USD": "10"})
    run = cli_runner(capsys, monkeypatch, "http://example.invalid/api", key, secret)
    refused = run("--json", "v2", "info")
    assert refused.status == ExitStatus.CONFIGURATION
    err = " ".join(refused.err.split())
    assert "--allow-insecure-http" in err and "allow_insecure_http" not in err
    # The flag does what it says: the SDK accepts the URL (a loopback sandbox behind a non-loopback name).
    host = sandbox_session.base_url.replace("127.0.0.1", "localhost.localdomain.invalid")
    allowed = run("--allow-insecure-http", "--base-url", host, "--json", "v2", "info")
    assert "allow" not in allowed.err and allowed.status == ExitStatus.TRANSPORT, allowed.err  # it tried to connect


def test_base_url_help_does_not_offer_a_defunct_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert mtgox.cli.main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    line = text[text.index("--base-url BASE_URL API") :][:200]
    assert "$MTGOX_BASE_URL" in line and "defunct" in line
    assert "data.mtgox.com" not in text
