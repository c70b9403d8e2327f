"""The `sandbox` fixture: a fresh exchange per test by resetting one server process.

Test A leaves everything an exchange can hold behind (accounts, keys, nonces, a tonce, orders,
trades, history, addresses, a cached key and a cached trade fee); test B, on the same server
process and port, must see none of it and must not be handed any of A's keys or ids again.
The reset itself (switch.py) is also tested in-process: state registered on an exchange is gone
after a reset, whatever it is, because the whole exchange is dropped.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.server.app import App
from mtgox_sandbox.server.options import DEFAULT_OPTIONS, ExchangeOptions
from mtgox_sandbox.server.process import _pythonpath
from mtgox_sandbox.server.switch import Switch

from .sandbox_helpers import Api, error, payload

BTC = 100_000_000
LEFT_BY_A: dict[str, Any] = {}
TABLES = ("api_keys", "orders", "trades", "history", "addresses", "used_tonces", "wallets", "codes", "external")


def buy(api: Api, amount: int, price: int) -> str:
    oid: str = api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": amount, "price_int": price})
    return oid


def test_isolation_a_leaves_everything_behind(sandbox: Sandbox) -> None:
    # account 2 trades without a fee: the engine caches fee rates by account id
    key, secret = sandbox.add_account(fund={"BTC": "5", "USD": "10000"}, fee_percent="0")
    sandbox.seed_market()
    api = Api(sandbox.base_url, key, secret)
    filled = buy(api, BTC // 2, 11_000_000)
    resting = buy(api, BTC, 9_000_000)
    nonce = api.nonce()
    info = api.ok(2, "money/info", nonce=nonce)
    tonce = time.time_ns() // 1000
    assert api.ok(2, "money/info", tonce=tonce)
    address = api.ok(2, "money/bitcoin/address")["addr"]
    trades = api.public(2, "BTCUSD/money/trades/fetch")
    history = api.ok(2, "money/wallet/history", {"currency": "BTC"})["result"]
    assert trades and history and not [h for h in history if h["Type"] == "fee"]
    LEFT_BY_A.update(
        port=sandbox.port,
        db=sandbox.db_path,
        pid=sandbox.process.pid if sandbox.process else None,
        key=key,
        secret=secret,
        nonce=nonce,
        tonce=tonce,
        account=info["Id"],
        account_row=sandbox.query("SELECT account_id FROM api_keys WHERE key = ?", (key,)),
        oids={filled, resting},
        tids={int(t["tid"]) for t in trades},
        address=address,
    )
    api.close()


def test_isolation_b_sees_none_of_it(sandbox: Sandbox) -> None:
    if not LEFT_BY_A:
        pytest.skip("runs after test_isolation_a_leaves_everything_behind")
    a = LEFT_BY_A
    # the same server process and port, a new database
    assert (sandbox.port, sandbox.process.pid if sandbox.process else None) == (a["port"], a["pid"])
    assert sandbox.db_path != a["db"]
    log = sandbox.log_text()  # this test's part of the server's log
    assert f"a fresh exchange over {sandbox.db_path}" in log and str(a["db"]) not in log
    for table in TABLES:
        assert sandbox.query(f"SELECT COUNT(*) FROM {table}") == [(0,)], table  # noqa: S608 (constant names)
    assert sandbox.query("SELECT login FROM accounts") == [("mtgox-fees",)]

    # A's key is unknown (not merely out of nonces: the key cache went with A's exchange)
    stale = Api(sandbox.base_url, a["key"], a["secret"])
    assert error(stale.post(2, "money/info", nonce=a["nonce"] + 1))[1:] == (
        "Identification required to access private API",
        "login_error_invalid_rest_key",
    )
    stale.close()
    public = Api(sandbox.base_url)
    depth = public.public(2, "BTCUSD/money/depth/full")
    assert (depth["asks"], depth["bids"]) == ([], [])
    assert public.public(2, "BTCUSD/money/trades/fetch") == []
    public.close()

    # a fresh key: A's nonce is usable again (it belonged to A's key), once
    key, secret = sandbox.add_account(fund={"BTC": "5", "USD": "10000"})
    assert key != a["key"] and secret != a["secret"]
    api = Api(sandbox.base_url, key, secret)
    info = api.ok(2, "money/info", nonce=a["nonce"])
    assert error(api.post(2, "money/info", nonce=a["nonce"]))[2] == "login_error_invalid_nonce"
    assert info["Id"] != a["account"]
    assert info["Wallets"]["BTC"]["Balance"]["value"] == "5.00000000"
    for oid in a["oids"]:
        assert error(api.post(2, "BTCUSD/money/order/result", {"type": "bid", "order": oid}))[1] == "Order not found"
    assert api.ok(2, "money/orders") == []
    assert api.ok(2, "money/bitcoin/address")["addr"] != a["address"]

    # the same account row id as A's fee-free trader, but this one pays the default 0.6 %
    assert sandbox.query("SELECT account_id FROM api_keys WHERE key = ?", (key,)) == a["account_row"]
    sandbox.seed_market()
    filled = buy(api, BTC // 2, 11_000_000)
    fees = [h for h in api.ok(2, "money/wallet/history", {"currency": "BTC"})["result"] if h["Type"] == "fee"]
    assert fees and fees[0]["Info"].endswith("(0.6% fee)")
    # ids are never handed out again: B's trade ids are above every one of A's
    result = api.ok(2, "BTCUSD/money/order/result", {"type": "bid", "order": filled})
    assert result["trades"]
    assert min(int(t["trade_id"]) for t in result["trades"]) > max(a["tids"])
    assert filled not in a["oids"]
    api.close()


# -- the reset in-process ------------------------------------------------------------------------


class Subscribers:
    """Stands for per-exchange in-memory state to come (stream subscribers)."""

    def __init__(self) -> None:
        self.channels: dict[str, list[object]] = {"ticker.BTCUSD": [object()]}


@pytest.fixture
async def switch(tmp_path: Path) -> AsyncIterator[Switch]:
    catalogue = load()

    def build(db: Path, options: ExchangeOptions = DEFAULT_OPTIONS) -> App:
        return App(catalogue, db, options=options)

    running = Switch(build(tmp_path / "first.db"), build)
    await running.startup()
    yield running
    await running.shutdown()


async def test_a_reset_drops_everything_the_exchange_held(switch: Switch, tmp_path: Path) -> None:
    old = switch.current
    assert old is not None
    # state a later module would hang off the exchange, registered the way it would be
    old.stream_subscribers = Subscribers()  # type: ignore[attr-defined]
    held = weakref.ref(old.stream_subscribers)  # type: ignore[attr-defined]
    exchange = weakref.ref(old)
    worker = old.services.worker
    # the stamp clock (trade ids, priorities) of the old exchange, run ahead of the wall clock
    ahead = time.time_ns() // 1000 + 3_600_000_000
    await worker.run(lambda tx: tx.execute("UPDATE meta SET value = ? WHERE key = 'stamp'", (str(ahead),)))
    del old

    await switch.reset(tmp_path / "second.db")
    gc.collect()
    assert held() is None and exchange() is None
    assert worker._conn is None  # the old database connection is closed
    assert switch.current is not None and not hasattr(switch.current, "stream_subscribers")
    assert switch.current.services.worker.path == tmp_path / "second.db"
    assert await switch.current.services.worker.run(lambda tx: tx.stamp()) > ahead  # ids never repeat
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=switch), base_url="http://sandbox") as http:
        response = await http.get("/api/2/BTCUSD/money/ticker")
    assert payload(2, response)["buy"]["value"] == "0.00000"


async def test_a_reset_refuses_a_used_database_and_keeps_serving(switch: Switch, tmp_path: Path) -> None:
    current = switch.current
    with pytest.raises(FileExistsError):
        await switch.reset(tmp_path / "first.db")
    assert switch.current is current
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=switch), base_url="http://sandbox") as http:
        assert (await http.get("/api/2/BTCUSD/money/ticker")).status_code == 200


async def test_between_two_exchanges_requests_get_a_503(switch: Switch) -> None:
    kept, switch.current = switch.current, None
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=switch), base_url="http://sandbox") as http:
            response = await http.get("/api/2/BTCUSD/money/ticker")
    finally:
        switch.current = kept
    assert response.status_code == 503
    assert response.json()["result"] == "error"


# -- the process -------------------------------------------------------------------------------


@pytest.mark.integration
def test_a_killed_server_is_replaced_by_the_next_reset(tmp_path: Path) -> None:
    server = Sandbox(tmp_path / "one.db", resettable=True)
    try:
        server.start()
        port, pid = server.port, server.process.pid if server.process else None
        server.kill()
        server.reset(tmp_path / "two.db")
        assert server.port == port and server.process is not None and server.process.pid != pid
        assert server.db_path == tmp_path / "two.db"
        key, secret = server.add_account(fund={"USD": "1"})
        api = Api(server.base_url, key, secret)
        assert api.ok(2, "money/info")["Wallets"]["USD"]["Balance"]["value"] == "1.00000"
        api.close()
        with pytest.raises(FileExistsError):
            server.reset(tmp_path / "two.db")
        # a reset the server cannot do: that process is not trusted again
        pid = server.process.pid
        with pytest.raises(RuntimeError, match=r"did not reset: .error "):
            server.reset(tmp_path / "missing" / "three.db")
        assert server.process.poll() is not None
        server.reset(tmp_path / "four.db")
        assert server.process.pid != pid and server.port == port
        with pytest.raises(RuntimeError, match="resettable"):
            Sandbox(tmp_path / "five.db").reset(tmp_path / "six.db")
    finally:
        server.stop()


def test_the_server_stops_when_its_parent_goes(tmp_path: Path) -> None:
    server = Sandbox(tmp_path / "one.db", resettable=True).start()
    process = server.process
    assert process is not None and process.stdin is not None
    process.stdin.write(b"nonsense\n")
    process.stdin.flush()
    assert server._read_line(30).startswith("error unknown command")
    process.stdin.close()  # what the parent's death does to the pipe
    assert process.wait(30) == 0
    server.stop()


def test_sandbox_works_without_pytest(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["pytest"] = None  # as if pytest were not installed
        from mtgox_sandbox import Sandbox
        with Sandbox(sys.argv[1], resettable=True) as sandbox:
            sandbox.add_account(fund={"USD": "5"})
            sandbox.reset(sys.argv[2])
            print(sandbox.query("SELECT COUNT(*) FROM api_keys")[0][0])
        try:
            import mtgox_sandbox.fixture
        except ImportError:
            print("the fixtures need pytest")
        """
    )
    env = dict(os.environ, PYTHONPATH=_pythonpath())
    command = [sys.executable, "-c", script, str(tmp_path / "a.db"), str(tmp_path / "b.db")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["0", "the fixtures need pytest"]


USER_TESTS = """
import os


def record(sandbox):
    with open(os.environ["SANDBOX_PIDS"], "a") as out:
        out.write(f"{sandbox.process.pid} {sandbox.port}\\n")


def test_one(sandbox):
    sandbox.add_account(fund={"USD": "1"})
    assert sandbox.query("SELECT COUNT(*) FROM api_keys") == [(1,)]
    record(sandbox)


def test_two(sandbox):
    sandbox.add_account(fund={"USD": "1"})
    assert sandbox.query("SELECT COUNT(*) FROM api_keys") == [(1,)]
    record(sandbox)
"""


def test_a_users_suite_shares_one_server_and_leaves_none_running(tmp_path: Path) -> None:
    """The fixture as a user gets it (`pytest_plugins`), in a pytest run of its own."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text('pytest_plugins = ["mtgox_sandbox.fixture"]\n')
    (suite / "test_bot.py").write_text(USER_TESTS)
    pids = tmp_path / "pids"
    env = dict(os.environ, PYTHONPATH=_pythonpath(), SANDBOX_PIDS=str(pids))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=suite, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = pids.read_text().split("\n")[:2]
    assert len(seen) == 2 and seen[0] == seen[1]  # one process and port for both tests
    with pytest.raises(ProcessLookupError):  # stopped (and reaped) when the session ended
        os.kill(int(seen[0].split()[0]), 0)
