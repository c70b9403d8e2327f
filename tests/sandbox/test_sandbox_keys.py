"""Several API keys on one account, money/info's `Link` and money/bitcoin/get_address (issue 9, item 6).

Over real sockets: two clients on one account, each with its own key, rights and nonce clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mtgox_sandbox.fixture import Sandbox

from .sandbox_helpers import Api, error
from .test_sandbox_cli import cli

mtgox = pytest.importorskip("mtgox")


@pytest.fixture
def pair_of_keys(shared: Sandbox) -> Iterator[tuple[Api, Api]]:
    key, secret = shared.add_account(fund={"BTC": "10", "USD": "1000"})
    reader_key, reader_secret = shared.add_key(key, rights=("get_info",))
    trader, reader = Api(shared.base_url, key, secret), Api(shared.base_url, reader_key, reader_secret)
    yield trader, reader
    trader.close()
    reader.close()


def test_two_keys_have_their_own_rights_and_nonce_sequences(pair_of_keys: tuple[Api, Api]) -> None:
    trader, reader = pair_of_keys
    # a clock far ahead on one key does not hold back the other
    trader.ok(2, "money/info", nonce=10**15)
    assert "Wallets" in reader.ok(2, "money/info", nonce=1)
    assert error(reader.post(2, "money/info", nonce=1))[2] == "login_error_invalid_nonce"
    assert error(trader.post(2, "money/info", nonce=10**15))[2] == "login_error_invalid_nonce"
    # each key has its own rights on the same wallets
    refused = reader.post(
        2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 10**8, "price_int": 10**9}, nonce=2
    )
    assert error(refused)[:1] == (403,) and error(refused)[2] == "permission_denied"
    trader.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 10**8, "price_int": 10**9}, nonce=10**15 + 1)
    as_trader = trader.ok(2, "money/info", nonce=10**15 + 2)
    as_reader = reader.ok(2, "money/info", nonce=3)
    assert as_reader["Wallets"] == as_trader["Wallets"]
    assert as_reader["Wallets"]["BTC"]["Open_Orders"]["value_int"] == str(10**8)
    assert as_reader["Rights"] == ["get_info"] and "trade" in as_trader["Rights"]
    assert as_reader["Link"] == as_trader["Link"] and as_reader["Id"] == as_trader["Id"]


def test_two_sdk_clients_on_one_account(shared: Sandbox) -> None:
    key, secret = shared.add_account(fund={"BTC": "2"})
    other_key, other_secret = shared.add_key(key, rights=("get_info", "deposit"))
    options: dict[str, Any] = {"base_url": shared.base_url, "rate_limit": None, "nonce_store": "memory"}
    with mtgox.Client(key, secret, **options) as one, mtgox.Client(other_key, other_secret, **options) as two:
        for _ in range(3):  # interleaved calls: each key keeps its own nonce sequence
            assert one.v2.info().login == two.v2.info().login
        link = two.v2.info().link
        assert link
        address = two.v2.bitcoin_get_address(account=link)["addr"]
        # stateful: the same address again, the account's current deposit address
        assert one.v2.bitcoin_get_address(account=link)["addr"] == address
        assert two.v2.bitcoin_address().addr == address
        with pytest.raises(mtgox.MtGoxError):
            two.v2.bitcoin_get_address(account="00000000-0000-5000-8000-000000000000")
    payer_key, payer_secret = shared.add_account(fund={"BTC": "1"})
    with mtgox.Client(payer_key, payer_secret, **options) as payer:
        payer.v2.bitcoin_send_simple(address=address, amount=Decimal("0.5"))
    with mtgox.Client(key, secret, **options) as one:
        assert one.v2.info().wallets["BTC"].balance.value == Decimal("2.5")


def test_add_key_command(tmp_path: Path) -> None:
    db = str(tmp_path / "keys.db")
    first = json.loads(cli("add-account", "--db", db, "--name", "alice").stdout)
    by_name = cli("add-key", "--db", db, "--name", "alice", "--rights", "get_info")
    assert by_name.returncode == 0, by_name.stderr
    by_key = cli("add-key", "--db", db, "--key", first["key"])
    assert by_key.returncode == 0, by_key.stderr
    keys = {first["key"], json.loads(by_name.stdout)["key"], json.loads(by_key.stdout)["key"]}
    assert len(keys) == 3
    with Sandbox(tmp_path / "keys.db") as running:
        assert running.query("SELECT COUNT(DISTINCT account_id), COUNT(*) FROM api_keys") == [(1, 3)]
        assert running.query("SELECT rights FROM api_keys WHERE key = ?", (json.loads(by_name.stdout)["key"],)) == [
            ("get_info",)
        ]
    missing = cli("add-key", "--db", db, "--name", "bob")
    assert missing.returncode == 2 and "no such account" in missing.stderr
