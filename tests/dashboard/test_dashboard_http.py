"""The dashboard's HTTP side in-process (httpx's ASGI transport, which sets the client address):
the page and its files, the account views, and the operator panel refused off loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mtgox_sandbox.core import ledger, marketmaker
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.server.app import App

LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)  # TEST-NET-3: any address that is not this machine
HOST = "127.0.0.1:8123"
HTML = {"accept": "text/html,application/xhtml+xml"}
OPERATIONS = [
    ("account", {"name": "eve", "funds": {"BTC": "1"}}),
    ("deposit", {"account": 2, "funds": {"USD": "5"}}),
    ("seed", {"pairs": ["BTCUSD"]}),
]
Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    application = App(load(), tmp_path / "app.db")
    await application.startup()
    yield application
    await application.shutdown()


@pytest.fixture
def client(app: App) -> Client:
    def make(address: tuple[str, int] = LOOPBACK, host: str = HOST) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=address)
        return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")

    return make


def rows(app: App, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = connect(app.services.worker.path)
    try:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def add_account(app: App, name: str, **fund: int) -> int:
    conn = connect(app.services.worker.path)
    try:
        with transaction(conn) as tx:
            creds = ledger.create_account(tx, name)
            ledger.fund(tx, creds.account_id, fund)
            return creds.account_id
    finally:
        conn.close()


# -- the page ----------------------------------------------------------------------------------


async def test_browsers_get_the_page_other_clients_the_json_description(client: Client) -> None:
    async with client() as http:
        page = await http.get("/", headers=HTML)
        about = await http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/_dashboard/static/dashboard.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert about.json()["sandbox"] == "mtgox-sandbox"


async def test_page_files_and_the_vendored_charts_with_their_licence_are_served_remotely_too(client: Client) -> None:
    async with client(REMOTE) as http:
        index = await http.get("/", headers=HTML)
        script = await http.get("/_dashboard/static/dashboard.js")
        charts = await http.get(
            "/_dashboard/static/vendor/lightweight-charts/lightweight-charts.standalone.production.js"
        )
        licence = await http.get("/_dashboard/static/vendor/lightweight-charts/LICENSE")
        missing = await http.get("/_dashboard/static/..%2Fhttp.py")  # only the files under static/
        config = await http.get("/_dashboard/config")
    assert index.status_code == script.status_code == charts.status_code == licence.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "TradingView Lightweight Charts" in charts.text[:300]
    assert "v5.2.1" in charts.text[:300]
    assert "Apache License" in licence.text
    assert missing.status_code == 404
    assert config.json()["operator"] is False


async def test_config_names_the_pairs_and_decimals_and_that_a_loopback_client_may_operate(client: Client) -> None:
    async with client() as http:
        config = (await http.get("/_dashboard/config")).json()
    assert config["operator"] is True
    assert {"code": "BTCUSD", "base": "BTC", "quote": "USD"} in config["pairs"]
    assert config["default_pair"] == "BTCUSD"
    assert config["currencies"]["BTC"]["decimals"] == 8
    assert config["currencies"]["JPY"]["decimals"] == 3


async def test_dashboard_paths_never_shadow_the_api(client: Client) -> None:
    async with client() as http:
        ticker = await http.get("/api/2/BTCUSD/money/ticker", headers=HTML)
        unknown = await http.get("/_dashboard/nothing")
    assert ticker.json()["result"] == "success"
    assert unknown.status_code == 404


# -- accounts ----------------------------------------------------------------------------------


async def test_account_view_shows_balances_open_orders_and_history_as_the_api_renders_them(
    app: App, client: Client
) -> None:
    await app.services.worker.run(lambda tx: marketmaker.seed(tx, app.services.exchange, ["BTCUSD"]))
    alice = add_account(app, "alice", USD=1_000_000_000)
    async with client() as http:
        listed = (await http.get("/_dashboard/accounts")).json()
        view = (await http.get(f"/_dashboard/accounts/{alice}")).json()
        maker = (await http.get(f"/_dashboard/accounts/{listed[0]['id']}")).json()
        missing = await http.get("/_dashboard/accounts/999")
    assert [a["login"] for a in listed] == ["market-maker", "alice"]  # never the fee account
    assert view["login"] == "alice"
    assert view["wallets"]["USD"]["Balance"]["display"] == "$10,000.00000"
    assert view["history"]["USD"][0]["Type"] == "deposit"
    assert view["orders"] == []
    assert len(maker["orders"]) == 2 * marketmaker.Ladder().levels
    assert missing.status_code == 404


# -- the operator panel ------------------------------------------------------------------------


async def test_operator_adds_funds_and_seeds_from_loopback(app: App, client: Client) -> None:
    async with client() as http:
        added = (await http.post("/_dashboard/operator/account", json={"name": "bob", "funds": {"BTC": "2.5"}})).json()
        deposit = await http.post("/_dashboard/operator/deposit", json={"account": added["id"], "funds": {"USD": "7"}})
        seeded = (await http.post("/_dashboard/operator/seed", json={"pairs": ["BTCEUR"]})).json()
        bad = await http.post("/_dashboard/operator/account", json={"funds": {"BTC": "0.123456789"}})
        unknown = await http.post("/_dashboard/operator/seed", json={"pairs": ["BTCXYZ"]})
    assert added["login"] == "bob"
    assert deposit.status_code == 200
    assert seeded["placed"] == 2 * marketmaker.Ladder().levels
    assert rows(app, "SELECT COUNT(*) FROM orders WHERE pair = 'BTCEUR' AND status = 'open'") == [(20,)]
    balances = rows(app, "SELECT currency, balance FROM wallets WHERE account_id = ? ORDER BY currency", (added["id"],))
    assert balances == [("BTC", 250_000_000), ("USD", 700_000)]
    assert bad.status_code == 400
    assert "at most 8 decimals" in bad.json()["error"]
    assert unknown.status_code == 400


@pytest.mark.parametrize(("operation", "body"), OPERATIONS)
async def test_operator_refused_to_a_non_loopback_client(
    app: App, client: Client, operation: str, body: dict[str, Any]
) -> None:
    add_account(app, "alice", USD=100)
    before = rows(app, "SELECT * FROM wallets ORDER BY account_id, currency")
    async with client(REMOTE) as http:
        answer = await http.post(f"/_dashboard/operator/{operation}", json=body)
    assert answer.status_code == 403
    assert "loopback" in answer.json()["error"]
    assert rows(app, "SELECT * FROM wallets ORDER BY account_id, currency") == before
    assert rows(app, "SELECT login FROM accounts ORDER BY id") == [("mtgox-fees",), ("alice",)]


async def test_account_views_refused_to_a_non_loopback_client(app: App, client: Client) -> None:
    alice = add_account(app, "alice", USD=100)
    async with client(REMOTE) as http:
        listed = await http.get("/_dashboard/accounts")
        view = await http.get(f"/_dashboard/accounts/{alice}")
    assert listed.status_code == view.status_code == 403


@pytest.mark.parametrize(
    ("headers", "host", "status"),
    [
        ({"origin": "http://evil.example"}, HOST, 403),  # another site's page in the operator's browser
        ({}, "rebound.example:8123", 403),  # a name that resolved to 127.0.0.1 (DNS rebinding)
        ({"origin": f"http://{HOST}"}, HOST, 200),  # the dashboard's own page
        ({"origin": "http://localhost:8123"}, "localhost:8123", 200),
    ],
)
async def test_operator_refuses_other_sites_even_through_a_loopback_browser(
    client: Client, headers: dict[str, str], host: str, status: int
) -> None:
    async with client(LOOPBACK, host) as http:
        answer = await http.post("/_dashboard/operator/account", json={"name": "x"}, headers=headers)
    assert answer.status_code == status


async def test_operator_takes_json_only_so_a_cross_site_form_cannot_post(app: App, client: Client) -> None:
    async with client() as http:
        form = await http.post("/_dashboard/operator/account", data={"name": "mallory"})
        get = await http.get("/_dashboard/operator/account")
    assert form.status_code == 415
    assert get.status_code == 405
    assert rows(app, "SELECT login FROM accounts WHERE login = 'mallory'") == []
