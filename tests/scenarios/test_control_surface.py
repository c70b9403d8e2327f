"""The control surface `/_sandbox/` in-process (httpx's ASGI transport sets the client address):
faults, the clock and replays for this machine only, under the operator panel's rules, with a
clear refusal for every bad request; and what it does, seen through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.server.app import App

LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)  # TEST-NET-3: not this machine
HOST = "127.0.0.1:8123"
JSON = {"content-type": "application/json"}
DAY = "mtgox-btcusd-trades-2013-01-01"
Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    application = App(load(), tmp_path / "ex.db")
    await application.startup()
    yield application
    await application.shutdown()


@pytest.fixture
def client(app: App) -> Client:
    def make(address: tuple[str, int] = LOOPBACK, host: str = HOST) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=address), base_url=f"http://{host}")

    return make


def account(app: App, name: str) -> tuple[int, str]:
    conn = connect(app.services.worker.path)
    try:
        with transaction(conn) as tx:
            creds = ledger.create_account(tx, name)
            return creds.account_id, creds.key
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("address", "headers"),
    [
        (REMOTE, {}),  # another machine (a sandbox served with --allow-remote)
        (LOOPBACK, {"host": "evil.example:80"}),  # DNS rebinding
        (LOOPBACK, {"origin": "http://evil.example"}),  # a page elsewhere, through a local browser
    ],
)
async def test_only_this_machine_may_use_it(client: Client, address: tuple[str, int], headers: dict[str, str]) -> None:
    async with client(address) as http:
        for method, path in (("GET", "/_sandbox/"), ("POST", "/_sandbox/faults"), ("DELETE", "/_sandbox/faults")):
            answer = await http.request(method, path, headers={**JSON, **headers}, json={"kind": "http-502"})
            assert answer.status_code == 403, (method, path)
            assert "this machine only" in answer.json()["error"]
        assert (await http.get("/api/2/BTCUSD/money/ticker", headers=headers)).status_code == 200


async def test_faults_are_added_listed_and_cleared(app: App, client: Client) -> None:
    _, key = account(app, "alice")
    async with client() as http:
        added = await http.post(
            "/_sandbox/faults",
            headers=JSON,
            json={"kind": "http-503", "path": "*/money/info", "account": "alice", "times": 3},
        )
        assert added.status_code == 200
        fault = added.json()
        assert (fault["kind"], fault["account"], fault["times"], fault["hits"]) == ("http-503", "alice", 3, 0)
        by_key = (await http.post("/_sandbox/faults", headers=JSON, json={"kind": "lag", "account": key})).json()
        assert by_key["account"] == "alice"
        listed = (await http.get("/_sandbox/faults")).json()
        assert [f["id"] for f in listed] == [fault["id"], by_key["id"]]
        assert (await http.get("/_sandbox/")).json()["faults"] == listed
        assert (await http.delete(f"/_sandbox/faults/{fault['id']}")).json() == {"cleared": 1}
        assert (await http.delete(f"/_sandbox/faults/{fault['id']}")).status_code == 404
        assert (await http.delete("/_sandbox/faults")).json() == {"cleared": 1}
        assert (await http.get("/_sandbox/faults")).json() == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "/_sandbox/faults", {"kind": "oops"}, 400, "kind: expected one of"),
        ("POST", "/_sandbox/faults", {"kind": "lag", "account": "nobody"}, 400, "no account has the key, login or id"),
        ("POST", "/_sandbox/faults", {"kind": "lag", "times": -2}, 400, "times: expected a whole number"),
        ("POST", "/_sandbox/clock", {"advance": -1}, 400, "advance: seconds from 0"),
        ("POST", "/_sandbox/clock", {"run_until": "2001-01-01"}, 400, "only moves forward"),
        ("POST", "/_sandbox/clock", {"mode": "scaled", "speed": 0}, 400, "a speed is above 0"),
        ("POST", "/_sandbox/clock", {"tick": 1}, 400, "unknown field(s): tick"),
        ("POST", "/_sandbox/replay", {"speed": 2}, 400, "file: the recording to replay"),
        ("POST", "/_sandbox/replay", {"file": "/no/such.csv"}, 400, "no such file"),
        ("POST", "/_sandbox/replay", {"file": DAY, "speed": "warp"}, 400, "speed: a number, max or stepped"),
        ("POST", "/_sandbox/replay", {"file": DAY, "from": "2014-01-01"}, 400, "no trades to replay"),
        ("PUT", "/_sandbox/clock", None, 405, "use GET or POST here"),
        ("POST", "/_sandbox/faults/3", {}, 405, "use DELETE"),
        ("GET", "/_sandbox/nothing", None, 404, "no such path"),
    ],
)
async def test_bad_requests_are_refused_saying_why(
    client: Client, method: str, path: str, body: dict[str, Any] | None, status: int, message: str
) -> None:
    async with client() as http:
        answer = await http.request(method, path, headers=JSON, json=body)
    assert answer.status_code == status
    assert message in answer.json()["error"]


async def test_posts_must_be_json_objects(client: Client) -> None:
    async with client() as http:
        form = await http.post("/_sandbox/faults", data={"kind": "lag"})
        assert form.status_code == 415
        listed = await http.post("/_sandbox/faults", headers=JSON, content=b"[1, 2]")
        assert listed.status_code == 400
        huge = await http.post("/_sandbox/faults", headers=JSON, content=b"{" + b" " * 70_000 + b"}")
        assert huge.status_code == 400 and "64 KiB" in huge.json()["error"]


async def test_the_clock_is_stepped_and_stopped_and_shown(app: App, client: Client) -> None:
    async with client() as http:
        wall = (await http.get("/_sandbox/clock")).json()
        assert wall["mode"] == "wall" and wall["speed"] is None
        stopped = (await http.post("/_sandbox/clock", headers=JSON, json={"mode": "stepped"})).json()
        later = (await http.post("/_sandbox/clock", headers=JSON, json={"advance": 3600})).json()
        assert later["mode"] == "stepped" and int(later["now_us"]) == int(stopped["now_us"]) + 3_600_000_000
        ticker = (await http.get("/api/2/BTCUSD/money/ticker")).json()["data"]
        assert ticker["now"] == later["now_us"]  # the API's time is the exchange's
        fast = (await http.post("/_sandbox/clock", headers=JSON, json={"mode": "scaled", "speed": 100})).json()
        assert (fast["mode"], fast["speed"]) == ("scaled", 100.0)
        refused = await http.post("/_sandbox/clock", headers=JSON, json={"mode": "wall"})
        assert refused.status_code == 400 and "only moves forward" in refused.json()["error"]  # it is an hour ahead


async def test_a_replay_is_started_shown_refused_twice_and_stopped(app: App, client: Client) -> None:
    async with client() as http:
        assert (await http.get("/_sandbox/replay")).json() == {
            "file": None,
            "done": False,
            "trades_done": 0,
            "trades_left": 0,
        }
        started = (await http.post("/_sandbox/replay", headers=JSON, json={"file": DAY, "speed": "stepped"})).json()
        assert (started["format"], started["pair"], started["trades"]) == ("pyalgotrade", "BTCUSD", 2331)
        assert (started["trades_done"], started["trades_left"], started["done"]) == (1, 2330, False)
        assert started["clock"]["date"] == "2013-01-01 00:04:19"  # its first trade
        again = await http.post("/_sandbox/replay", headers=JSON, json={"file": DAY})
        assert again.status_code == 409 and "is running" in again.json()["error"]
        stepped = (await http.post("/_sandbox/clock", headers=JSON, json={"run_until": "2013-01-01T12:00:00Z"})).json()
        assert stepped["date"] == "2013-01-01 12:00:00"
        halfway = (await http.get("/_sandbox/replay")).json()
        assert 0 < halfway["trades_done"] < 2331 and halfway["trades_left"] == 2331 - halfway["trades_done"]
        stopped = (await http.delete("/_sandbox/replay")).json()
        assert stopped["stopped"] is True and stopped["done"] is True
        refused = await http.post("/_sandbox/replay", headers=JSON, json={"file": DAY})
        assert (
            refused.status_code == 400 and "sets the clock back only on an exchange without" in refused.json()["error"]
        )


async def test_retry_after_is_in_the_clients_seconds_whatever_the_exchanges_pace(client: Client) -> None:
    async with client() as http:
        await http.post("/_sandbox/clock", headers=JSON, json={"mode": "scaled", "speed": 100})
        await http.post("/_sandbox/faults", headers=JSON, json={"kind": "anti-ddos", "seconds": 600})
        refused = await http.get("/api/2/BTCUSD/money/ticker")
        assert (refused.status_code, refused.headers["retry-after"]) == (429, "6")  # 600 s at 100 x
        await http.post("/_sandbox/clock", headers=JSON, json={"mode": "stepped"})
        assert (await http.get("/api/1/BTCUSD/ticker")).headers["retry-after"] == "600"  # stepped: as many
        await http.delete("/_sandbox/faults")
        await http.post("/_sandbox/faults", headers=JSON, json={"kind": "maintenance", "seconds": 90})
        await http.post("/_sandbox/clock", headers=JSON, json={"advance": 30})
        down = await http.get("/api/1/BTCUSD/ticker")
        assert (down.status_code, down.headers["retry-after"]) == (503, "60")
        await http.delete("/_sandbox/faults")
        assert (await http.get("/api/1/BTCUSD/ticker")).status_code == 200
