"""State survives a clean restart and a SIGKILL in the middle of a load."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import httpx
import pytest

from mtgox_sandbox.fixture import Sandbox

from .sandbox_helpers import Api, error, payload


def test_restart_keeps_everything(sandbox: Sandbox) -> None:
    sandbox.seed_market()
    key, secret = sandbox.add_account(fund={"BTC": "5", "USD": "1000"})
    api = Api(sandbox.base_url, key, secret)
    resting = api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 100_000_000, "price_int": 9_000_000})
    filled = api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 50_000_000, "price_int": 11_000_000})
    before = {
        "info": api.ok(2, "money/info"),
        "orders": api.ok(2, "money/orders"),
        "history": api.ok(2, "money/wallet/history", {"currency": "BTC"}),
        "result": api.ok(2, "BTCUSD/money/order/result", {"type": "bid", "order": filled}),
        "trades": api.public(2, "BTCUSD/money/trades/fetch"),
        "depth": api.public(2, "BTCUSD/money/depth/full"),
    }
    last_nonce = api.nonce()
    assert api.ok(1, "generic/info", nonce=last_nonce)
    tonce = time.time_ns() // 1000
    assert api.ok(2, "money/info", tonce=tonce)
    port = sandbox.port

    sandbox.restart()
    assert sandbox.port == port
    assert api.ok(2, "money/orders") == before["orders"]
    assert [o["oid"] for o in before["orders"]] == [resting]
    after_info = api.ok(2, "money/info")
    assert after_info["Wallets"] == before["info"]["Wallets"]
    history = api.ok(2, "money/wallet/history", {"currency": "BTC"})
    assert history["result"][0]["Index"] == before["history"]["result"][0]["Index"]
    assert api.ok(2, "BTCUSD/money/order/result", {"type": "bid", "order": filled}) == before["result"]
    assert api.public(2, "BTCUSD/money/trades/fetch") == before["trades"]
    depth = api.public(2, "BTCUSD/money/depth/full")
    assert (depth["asks"], depth["bids"]) == (before["depth"]["asks"], before["depth"]["bids"])
    # the nonce and the tonce are remembered across the restart
    assert error(api.post(1, "generic/info", nonce=last_nonce))[2] == "login_error_invalid_nonce"
    assert error(api.post(2, "money/info", tonce=tonce))[2] == "login_error_invalid_tonce"
    assert api.ok(1, "generic/info")
    # trade ids keep increasing after the restart
    newer = api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 10_000_000, "price_int": 11_000_000})
    tids = [
        int(t["trade_id"]) for t in api.ok(2, "BTCUSD/money/order/result", {"type": "bid", "order": newer})["trades"]
    ]
    assert min(tids) > max(int(t["tid"]) for t in before["trades"])
    api.close()
    assert sandbox.check_invariants() == []


class Load:
    """Clients placing and cancelling orders as fast as they can, recording what was acknowledged."""

    def __init__(self, sandbox: Sandbox, clients: int, seed: int) -> None:
        self.sandbox = sandbox
        self.acknowledged: list[str] = []
        self.nonces: dict[str, int] = {}
        self.requests = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.apis = [
            Api(sandbox.base_url, *sandbox.add_account(fund={"BTC": "1000", "USD": "100000"})) for _ in range(clients)
        ]
        self.threads = [
            threading.Thread(target=self.run, args=(api, seed + i), daemon=True) for i, api in enumerate(self.apis)
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def run(self, api: Api, seed: int) -> None:
        rng = random.Random(seed)
        mine: list[str] = []
        while not self.stop.is_set():
            nonce = api.nonce()
            try:
                if mine and rng.random() < 0.2:
                    response = api.post(
                        2, "money/order/cancel", {"oid": mine.pop(rng.randrange(len(mine)))}, nonce=nonce
                    )
                    with self.lock:
                        self.nonces[api.key or ""] = nonce
                    continue
                params = {
                    "type": rng.choice(["bid", "ask"]),
                    "amount_int": rng.randint(1_000_000, 200_000_000),
                    "price_int": rng.randint(9_000_000, 11_000_000),
                }
                response = api.post(2, "BTCUSD/money/order/add", params, nonce=nonce)
                oid = payload(2, response)
            except (httpx.HTTPError, AssertionError):
                return  # the server is gone
            mine.append(oid)
            with self.lock:
                self.acknowledged.append(oid)
                self.nonces[api.key or ""] = nonce
                self.requests += 1

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)
        for api in self.apis:
            api.close()


def kill_under_load(sandbox: Sandbox, seconds: float, seed: int) -> int:
    load = Load(sandbox, clients=4, seed=seed)
    load.start()
    time.sleep(seconds)
    sandbox.kill()  # SIGKILL while requests are in flight
    load.finish()
    sandbox.start()
    assert sandbox.check_invariants() == []
    known = {row[0] for row in sandbox.query("SELECT oid FROM orders")}
    missing = [oid for oid in load.acknowledged if oid not in known]
    assert missing == [], f"{len(missing)} acknowledged orders lost"
    for key, nonce in load.nonces.items():
        stored = sandbox.query("SELECT last_nonce FROM api_keys WHERE key = ?", (key,))[0][0]
        assert isinstance(stored, int) and stored >= nonce
    return load.requests


def test_sigkill_mid_load_loses_nothing_acknowledged(sandbox: Sandbox) -> None:
    sandbox.seed_market()
    assert kill_under_load(sandbox, 1.5, seed=1) > 20
    probe = Api(sandbox.base_url, *sandbox.add_account(fund={"USD": "10"}))
    assert probe.ok(2, "money/info")["Wallets"]["USD"]["Balance"]["value"] == "10.00000"
    probe.close()


@pytest.mark.stress
@pytest.mark.integration
@pytest.mark.parametrize("synchronous", ["NORMAL", "FULL"])
def test_repeated_sigkills(tmp_path: Path, synchronous: str) -> None:
    with Sandbox(tmp_path / "kill.db", synchronous=synchronous) as sandbox:
        sandbox.seed_market()
        total = sum(kill_under_load(sandbox, 3.0, seed=cycle * 10) for cycle in range(8))
        assert total > 500
