"""Envelopes, spellings and response shapes over real sockets, against the recorded examples."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from mtgox_sandbox.fixture import Sandbox

from ..recorded import RECORDED
from .sandbox_helpers import Api, error

EXAMPLES = RECORDED
ADDRESS = "1AAXCcSjgsgoTnQLqUfPh7qRsUyvbYSbGW"


def example(name: str) -> Any:
    body = json.loads((EXAMPLES / name).read_text())
    if isinstance(body, dict) and body.get("result") == "success":
        return body.get("return", body.get("data"))
    return body


def keys(obj: Any) -> set[str]:
    assert isinstance(obj, dict), obj
    return set(obj)


@pytest.fixture(scope="module")
def market(sandbox_session: Sandbox) -> Sandbox:
    sandbox_session.seed_market(("BTCUSD", "BTCEUR"))
    return sandbox_session


def test_envelopes_raw_and_pretty(market: Sandbox, trader: Api) -> None:
    v1 = trader.get(1, "BTCUSD/ticker").json()
    assert v1["result"] == "success" and "high" in v1["return"]
    assert "high" in trader.get(1, "BTCUSD/ticker?raw").json()
    v2 = trader.get(2, "BTCUSD/money/ticker").json()
    assert v2["result"] == "success" and "high" in v2["data"]
    assert "high" in trader.get(2, "BTCUSD/money/ticker?raw").json()
    pretty = trader.get(2, "BTCUSD/money/ticker?pretty")
    assert "\n" in pretty.text and pretty.json()["result"] == "success"
    assert "Login" in trader.post(2, "money/info?raw").json()
    assert "ticker" in trader.get(0, "data/ticker.php").json()
    # \u00a0 is escaped, as PHP's json_encode wrote it
    assert "\\u00a0BTC" in trader.get(1, "BTCUSD/ticker").text


@pytest.mark.parametrize(
    ("version", "expected"),
    [(0, {"error", "token"}), (1, {"result", "error", "token"}), (2, {"result", "error", "token"})],
)
def test_unknown_paths_answer_404_in_the_envelope(trader: Api, version: int, expected: set[str]) -> None:
    response = trader.get(version, "no/such/method")
    assert response.status_code == 404
    assert set(response.json()) == expected
    raw = trader.get(version, "no/such/method?raw")
    assert raw.status_code == 404 and "error" in raw.json()
    assert trader.http.get("/api/9/BTCUSD/ticker").status_code == 404
    assert trader.get(2, "BTCXYZ/money/ticker").status_code == 404


@pytest.mark.parametrize(
    ("version", "path"),
    [
        (1, "BTCUSD/public/ticker"),
        (1, "btcusd/TICKER"),
        (1, "BTCUSD/depth/fetch"),
        (1, "BTCUSD/public/depth"),
        (1, "BTCUSD/trades/fetch"),
        (2, "BTCUSD/MONEY/ticker"),
        (2, "BTCUSD/money/depth"),
        (2, "BTCUSD/money/fulldepth"),
        (2, "BTCUSD/money/trades"),
        (2, "BTCUSD/money/cancelledtrades"),
        (2, "BTCUSD/money/order/lag"),
        (0, "ticker.php"),
        (0, "DATA/getDepth.php"),
    ],
)
def test_public_spellings(market: Sandbox, trader: Api, version: int, path: str) -> None:
    assert trader.public(version, path) is not None


def test_ticker_and_depth_shapes(market: Sandbox, trader: Api) -> None:
    ticker = trader.public(1, "BTCUSD/ticker")
    assert keys(example("v1/BTCUSD_ticker.json")) <= keys(ticker)
    for name in ("high", "last", "buy", "sell"):
        assert keys(ticker[name]) == {"value", "value_int", "display", "display_short", "currency"}
    assert ticker["vol"]["currency"] == "BTC" and ticker["buy"]["currency"] == "USD"
    assert int(ticker["buy"]["value_int"]) < int(ticker["sell"]["value_int"])
    assert int(trader.public(2, "BTCUSD/money/ticker")["now"]) > 0
    assert trader.public(2, "BTCEUR/money/ticker")["last"]["display"].endswith("\u00a0€")

    recorded = example("v1/BTCUSD_depth_fetch.json")
    depth = trader.public(1, "BTCUSD/depth")
    assert keys(recorded) <= keys(depth)
    assert keys(depth["asks"][0]) == keys(recorded["asks"][0])
    asks = [int(r["price_int"]) for r in depth["asks"]]
    bids = [int(r["price_int"]) for r in depth["bids"]]
    assert asks == sorted(asks) and bids == sorted(bids) and bids[-1] < asks[0]  # best bid last
    low, high = int(depth["filter_min_price"]["value_int"]), int(depth["filter_max_price"]["value_int"])
    assert all(low <= p <= high for p in asks + bids)
    full = trader.public(2, "BTCUSD/money/depth/full")
    assert "filter_min_price" not in full and len(full["asks"]) >= len(depth["asks"])
    assert isinstance(depth["asks"][0]["price"], float | int) and isinstance(depth["asks"][0]["price_int"], str)

    v0 = trader.public(0, "data/ticker.php")["ticker"]
    assert keys(example("v0/data_ticker.json")["ticker"]) <= keys(v0)
    assert all(isinstance(v, int | float) for v in v0.values())
    v0_depth = trader.public(0, "data/getDepth.php")
    assert keys(v0_depth) == {"asks", "bids"} and len(v0_depth["asks"][0]) == 2


def test_currency_lag_and_quote(market: Sandbox, trader: Api) -> None:
    recorded = example("v2/BTCUSD_money_currency_nitrous__placeholder-channels.json")
    usd = trader.public(2, "BTCUSD/money/currency")
    assert keys(usd) == keys(recorded)
    assert {k: usd[k] for k in ("currency", "decimals", "display_decimals", "symbol", "virtual")} == {
        "currency": "USD",
        "decimals": "5",
        "display_decimals": "2",
        "symbol": "$",
        "virtual": "N",
    }
    assert trader.public(1, "generic/currency", {"currency": "JPY"})["decimals"] == "3"
    assert trader.public(1, "generic/order/lag") == {"lag": 0, "lag_secs": 0, "lag_text": "0 seconds", "length": "0"}
    quote = trader.public(2, "BTCUSD/money/order/quote", {"type": "bid", "amount": 100_000_000})
    assert quote["amount"] > 0


def test_trading_through_three_versions(market: Sandbox, trader: Api) -> None:
    info = trader.ok(2, "money/info")
    recorded_info = example("v1/generic_info.json")
    assert keys(recorded_info) <= keys(info) | {"Id"}
    assert keys(recorded_info["Wallets"]["BTC"]) == keys(info["Wallets"]["BTC"])
    assert info["Trade_Fee"] == 0.6

    # placed with v2, far from the market so it rests
    oid = trader.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 50_000_000, "price_int": 5_000_000})
    assert isinstance(oid, str) and len(oid) == 36
    v1_orders = trader.ok(1, "generic/orders")
    mine = [o for o in v1_orders if o["oid"] == oid]
    assert len(mine) == 1
    assert keys(mine[0]) == keys(example("v1/generic_orders.json")[0])
    assert mine[0]["status"] == "open" and mine[0]["price"]["value"] == "50.00000"
    v0 = trader.ok(0, "getOrders.php")
    assert {"usds", "btcs", "orders"} <= keys(v0)
    row = next(o for o in v0["orders"] if o["oid"] == oid)
    assert keys(example("v0/getOrders.json")["orders"][0]) <= keys(row)
    assert (row["type"], row["amount"], row["price"], row["status"]) == (2, 0.5, 50, 1)
    assert trader.ok(2, "money/info")["Wallets"]["USD"]["Open_Orders"]["value"] == "25.00000"

    cancelled = trader.ok(0, "cancelOrder.php", {"oid": oid, "type": 2})
    assert oid not in {o["oid"] for o in cancelled["orders"]}
    assert error(trader.post(2, "money/order/cancel", {"oid": oid})) == (400, "Order not found", "unknown_error")
    assert error(trader.post(1, "BTCUSD/order/cancel", {"oid": oid})) == (200, "Order not found", "unknown_error")

    # a bid across the spread fills at once; order/result shows the trade
    taker = trader.ok(1, "BTCUSD/order/add", {"type": "bid", "amount_int": 20_000_000, "price_int": 20_000_000})
    assert taker not in {o["oid"] for o in trader.ok(2, "money/orders")}
    result = trader.ok(2, "BTCUSD/money/order/result", {"type": "bid", "order": taker})
    assert keys(result) == keys(example("v1/generic_order_result.json"))
    assert keys(result["trades"][0]) == keys(example("v1/generic_order_result.json")["trades"][0])
    assert result["total_amount"]["value"] == "0.20000000"
    assert error(trader.post(1, "generic/order/result", {"type": "ask", "order": taker}))[1] == "Order not found"

    history = trader.ok(1, "generic/wallet/history", {"currency": "BTC"})
    assert {"records", "result", "current_page", "max_page", "max_results"} == keys(history)
    fee = next(e for e in history["result"] if e["Type"] == "fee")
    assert fee["Info"].endswith("(0.6% fee)") and fee["Link"][1] == "Money_Trade"
    entry = next(e for e in history["result"] if e["Type"] == "in")
    assert keys(entry["Trade"]) == {"oid", "app", "tid", "Amount", "Properties"} and entry["Trade"]["oid"] == taker
    deposits = trader.ok(2, "money/wallet/history", {"currency": "USD", "type": "deposit"})
    assert deposits["records"] == "1" and deposits["result"][0]["Index"] == "1"

    csv = trader.ok(0, "history_USD.csv")
    lines = csv.splitlines()
    assert lines[0] == "Index,Date,Type,Info,Value,Balance"
    assert lines[1].startswith('1,"') and ',deposit,"' in lines[1]


def test_order_errors(market: Sandbox, trader: Api) -> None:
    bad = trader.post(1, "BTCUSD/order/add", {"type": "buy", "amount_int": 1_000_000})
    assert error(bad) == (200, 'Invalid parameter "type" (should be ask or bid)', "invalid_parameter")
    bad2 = trader.post(2, "BTCUSD/money/order/add", {"type": "buy", "amount_int": 1_000_000})
    assert error(bad2)[0] == 400
    assert error(trader.post(2, "BTCUSD/money/order/add", {"type": "ask"}))[1] == 'Missing parameter "amount_int"'
    low = trader.post(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 999_999, "price_int": 1})
    assert error(low) == (400, "Order amount is too low", "order_amount_too_low")
    v0 = trader.post(0, "sellBTC.php", {"amount": "0.001", "price": "100"})
    assert error(v0) == (200, "Order amount is too low", "order_amount_too_low")
    assert (
        error(trader.post(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": "1.5"}))[1]
        == 'Invalid parameter "amount_int"'
    )


def test_unfunded_orders_are_accepted_as_invalid(market: Sandbox, shared: Sandbox) -> None:
    key, secret = shared.add_account(fund={"USD": "1"})
    api = Api(shared.base_url, key, secret)
    placed = api.ok(0, "buyBTC.php", {"amount": "1", "price": "50"})
    assert "You don't have that much USD" in placed["status"]
    row = next(o for o in placed["orders"] if o["oid"] == placed["oid"])
    assert row["status"] == 2
    listed = api.ok(2, "money/orders")[0]
    assert listed["status"] == "invalid" and listed["invalid_amount"]["value"] == "1.00000000"
    api.close()


def test_v0_orders_and_funds(market: Sandbox, shared: Sandbox) -> None:
    key, secret = shared.add_account(fund={"BTC": "2", "USD": "500", "EUR": "100"})
    api = Api(shared.base_url, key, secret)
    assert api.ok(0, "getFunds.php") == {"usds": 500, "btcs": 2}
    placed = api.ok(0, "sellBTC.php", {"amount": "0.5", "price": "1000"})
    assert keys(example("v0/sellBTC.json")) <= keys(placed)
    assert "What remains is stored in your open orders" in placed["status"]
    assert placed["orders"][0]["type"] == 1 and placed["orders"][0]["amount"] == 0.5
    bought = api.ok(0, "buyBTC.php", {"amount": "0.1", "Currency": "EUR"})  # market order, EUR book
    assert bought["status"] == "Your order has been queued for execution"
    funds = api.ok(0, "getFunds.php")
    assert funds["btcs"] == 2.0994  # 0.1 bought, less 0.6 %
    trades = api.public(0, "data/getTrades.php", {"Currency": "EUR", "since": 0})
    assert keys(example("v0/data_getTrades.json")[0]) <= keys(trades[0])
    api.close()


def test_withdrawals(market: Sandbox, shared: Sandbox) -> None:
    key, secret = shared.add_account(fund={"BTC": "1", "USD": "100"})
    api = Api(shared.base_url, key, secret)
    address = api.ok(2, "money/bitcoin/address")["addr"]
    assert address.startswith("1") and 26 <= len(address) <= 35
    assert api.ok(1, "generic/bitcoin/address")["addr"] == address
    assert api.ok(0, "btcAddress.php", {"description": "savings"})["addr"] != address

    short = api.post(2, "money/bitcoin/send_simple", {"address": ADDRESS, "amount_int": 200_000_000})
    assert error(short)[0] == 400 and error(short)[2] == "insufficient_funds"
    assert error(api.post(1, "generic/bitcoin/send_simple", {"address": ADDRESS, "amount_int": 200_000_000}))[0] == 200
    sent = api.ok(2, "money/bitcoin/send_simple", {"address": ADDRESS, "amount_int": 10_000_000, "fee_int": 50_000})
    assert len(sent["trx"]) == 64
    assert api.ok(2, "money/info")["Wallets"]["BTC"]["Balance"]["value"] == "0.89950000"

    other_key, other_secret = shared.add_account()
    other = Api(shared.base_url, other_key, other_secret)
    their_address = other.ok(2, "money/bitcoin/address")["addr"]
    instant = api.ok(1, "generic/bitcoin/send_simple", {"address": their_address, "amount_int": 9_950_000})
    assert len(instant["trx"]) == 36
    assert other.ok(2, "money/info")["Wallets"]["BTC"]["Balance"]["value"] == "0.09950000"

    v0 = api.ok(0, "withdraw.php", {"group1": "BTC", "btca": ADDRESS, "amount": "0.1"})
    assert v0["status"].startswith("Funds are on their way (bitcoin transaction: ")
    code = api.ok(0, "withdraw.php", {"group1": "USD2CODE", "amount": "10"})
    assert code["code"].startswith("MTGOX-USD-") and code["status"] == f"Generated new code: {code['code']}"
    redeemed = other.ok(0, "redeemCode.php", {"code": code["code"]})
    assert (redeemed["currency"], Decimal(str(redeemed["amount"]))) == ("USD", Decimal("10"))
    assert error(other.post(0, "redeemCode.php", {"code": code["code"]}))[2] == "invalid_parameter"  # used up
    assert (
        error(api.post(0, "withdraw.php", {"group1": "BTC", "btca": ADDRESS, "amount": "5"}))[2] == "insufficient_funds"
    )
    api.close()
    other.close()
    assert shared.check_invariants() == []


def test_canned_endpoints_answer_their_shape(trader: Api) -> None:
    hotp = trader.ok(2, "security/hotp/gen")
    assert set(hotp) == {"serial", "name", "key", "key_base32"}
    anything = trader.ok(2, "money/bank/list")
    assert anything == {"sandbox": "shape-only", "endpoint": "v2.bank_list"}
    assert trader.public(2, "money/bitcoin/vanity_lookup")["sandbox"] == "shape-only"
    unknown = trader.post(0, "redeemCode.php", {"code": "MTGOX-BTC-AAAAA-BBBBB-CCCCC-DDDDD"})
    assert error(unknown)[1:] == ("Invalid code", "invalid_parameter")
    assert error(trader.post(2, "money/merchant/order/create"))[2] == "permission_denied"


@pytest.mark.parametrize(
    "params",
    [
        {"type": "bid", "amount_int": "9" * 5000},
        {"type": "bid", "amount_int": str(2**64)},
        {"type": "bid", "amount_int": str(2**62), "price_int": "100000"},
        {"type": "bid", "amount_int": "100000000", "price_int": str(2**62)},
        {"type": "bid", "amount": "1e999999"},
    ],
)
def test_absurd_numbers_are_refused_not_crashes(trader: Api, params: dict[str, str]) -> None:
    status, message, token = error(trader.post(2, "BTCUSD/money/order/add", params))
    assert (status, token) == (400, "invalid_parameter"), message
    assert error(trader.post(1, "generic/info", nonce=int("9" * 30)))[2] == "login_error_invalid_nonce"
    assert trader.get(2, "BTCUSD/money/trades/fetch", {"since": "9" * 40}).status_code == 400
