"""Tests for the deliberate bugs that survived the suite before (issue 10), one or more each.

Each test names the mutant it kills; tests/mutation/run.py applies the mutants and checks that
these tests (and the golden ones) fail on them. Expected values are worked out by hand here.
"""

from __future__ import annotations

import time
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

import mtgox
from mtgox_runtime import InvalidRequestError
from mtgox_runtime._config import is_loopback_url_host as runtime_is_loopback
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.server.serve import binds_loopback_only as sandbox_is_loopback

from .signing import KEY, SECRET, rest_sign

FORM = "application/x-www-form-urlencoded"


def client(sandbox: Sandbox, key: str, secret: str) -> mtgox.Client:
    return mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None)


# -- avg_cost 1000x off (the quote's divisor used where the base's belongs) -----------------------


@pytest.mark.parametrize(
    ("pair", "fund", "price", "amount", "spent", "avg_cost"),
    [
        # 0.5 BTC at 100.00002 USD: 50.00001 USD spent, 100.00002 USD per BTC (USD: 5 places)
        ("BTCUSD", {"USD": "1000"}, D("100.00002"), D("0.5"), ("50.00001", "5000001"), ("100.00002", "10000002")),
        # 0.5 BTC at 12345.678 JPY: 6172.839 JPY spent (JPY: 3 places, divisor 1e3)
        ("BTCJPY", {"JPY": "100000"}, D("12345.678"), D("0.5"), ("6172.839", "6172839"), ("12345.678", "12345678")),
    ],
)
def test_order_result_average_cost_is_spent_over_amount(
    sandbox: Sandbox,
    pair: mtgox.Pair,
    fund: dict[str, str],
    price: D,
    amount: D,
    spent: tuple[str, str],
    avg_cost: tuple[str, str],
) -> None:
    seller = sandbox.add_account(fund={"BTC": "10"}, fee_percent=0)
    buyer = sandbox.add_account(fund=fund, fee_percent=0)
    with client(sandbox, *seller) as s, client(sandbox, *buyer) as b:
        s.v2.order_add(pair=pair, type="ask", amount=amount, price=price)
        oid = b.v2.order_add(pair=pair, type="bid", amount=amount, price=price)
        result = b.v2.order_result(pair=pair, type="bid", oid=oid)
    assert (format(result.total_amount.value, "f"), result.total_amount.value_int) == ("0.50000000", 50000000)
    assert (format(result.total_spent.value, "f"), str(result.total_spent.value_int)) == spent
    assert (format(result.avg_cost.value, "f"), str(result.avg_cost.value_int)) == avg_cost
    assert result.avg_cost.currency == pair[3:]


# -- is_loopback matching a suffix (runtime and sandbox) ------------------------------------------


@pytest.mark.parametrize("host", ["evillocalhost", "notlocalhost", "attacker-localhost", "localhost.attacker.net"])
def test_a_host_that_merely_ends_in_localhost_is_not_loopback(host: str) -> None:
    assert runtime_is_loopback(host) is False
    assert sandbox_is_loopback(host) is False


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_hosts_are_loopback(host: str) -> None:
    assert runtime_is_loopback(host) is True
    assert sandbox_is_loopback(host) is True


def test_plain_http_to_a_host_ending_in_localhost_is_refused() -> None:
    with pytest.raises(mtgox.ConfigurationError):
        mtgox.Client(KEY, SECRET, base_url="http://evillocalhost/api", nonce_store="memory")


def test_the_sandbox_refuses_to_serve_on_a_host_ending_in_localhost(capsys: pytest.CaptureFixture[str]) -> None:
    from mtgox_sandbox.server.cli import main

    assert main(["serve", "--host", "evillocalhost", "--port", "0"]) == 2
    assert "not a loopback address" in capsys.readouterr().err


# -- v0 rounding: a decimal with more places than the currency has is refused, never rounded -----


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"amount": D("0.123456785")}, "amount"),  # half-up would send 0.12345679
        ({"amount": D("1"), "price": D("100.000005")}, "price"),  # USD: 5 places
        ({"amount": D("1"), "price": D("100.0005"), "currency": "JPY"}, "price"),  # JPY: 3 places
        ({"amount": D("1"), "price": D("650.0004"), "currency": "SEK"}, "price"),  # SEK: 3 places
    ],
)
def test_v0_amounts_with_too_many_places_are_refused_by_the_sdk(kwargs: dict[str, Any], param: str) -> None:
    c = mtgox.Client(KEY, SECRET, base_url="https://api.test/api", nonce_store="memory")
    with c, pytest.raises(InvalidRequestError) as caught:
        c.v0.sell_btc(**kwargs)
    assert caught.value.param == param


def test_v0_amounts_with_too_many_places_are_refused_by_the_sandbox(sandbox: Sandbox) -> None:
    """Sent raw (the SDK would refuse it first): the sandbox must not round 0.123456785 BTC."""
    key, secret = sandbox.add_account(fund={"BTC": "10"}, fee_percent=0)
    body = f"amount=0.123456785&price=100&nonce={time.time_ns() // 1000}".encode()
    headers = {"Rest-Key": key, "Rest-Sign": rest_sign(body, secret), "Content-Type": FORM}
    answer = httpx.post(f"{sandbox.base_url}/0/sellBTC.php", content=body, headers=headers).json()
    assert "amount" in answer["error"]
    with client(sandbox, key, secret) as c:
        assert c.v0.get_orders().orders == []
