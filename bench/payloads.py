"""Canned bodies, the benchmark credentials and the 50,000-order book.

The ticker and info bodies are the recorded v1 answers (`return` becomes `data`, as v2 sent
them); `tests/bench` checks that the SDK's models parse them, so a bench server answering them
exercises the SDK's full success path.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET_BYTES = bytes(range(64))
SECRET = base64.b64encode(SECRET_BYTES).decode("ascii")

PAIR = "BTCUSD"
TICKER_PATH = f"2/{PAIR}/money/ticker"
INFO_PATH = "2/money/info"
#: What v2 signs: the path after `/api/2/`.
INFO_SIGNED_PATH = b"money/info"
FORM = "application/x-www-form-urlencoded"


def _usd(value: str, value_int: str) -> dict[str, str]:
    return {"value": value, "value_int": value_int, "display": f"${value}", "currency": "USD"}


def _money(value: str, value_int: str, currency: str, short: str) -> dict[str, str]:
    symbol = "$" if currency == "USD" else ""
    suffix = "" if currency == "USD" else f" {currency}"
    return {
        "value": value,
        "value_int": value_int,
        "display": f"{symbol}{value}{suffix}",
        "display_short": short,
        "currency": currency,
    }


TICKER: dict[str, Any] = {
    "high": _usd("5.70653", "570653"),
    "low": _usd("5.4145", "541450"),
    "avg": _usd("5.561119626", "556112"),
    "vwap": _usd("5.610480461", "561048"),
    "vol": {
        "value": "55829.58960346",
        "value_int": "5582958960346",
        "display": "55,829.58960346\u00a0BTC",
        "currency": "BTC",
    },
    "last_all": _usd("5.5594", "555940"),
    "last_local": _usd("5.5594", "555940"),
    "last_orig": _usd("5.5594", "555940"),
    "last": _usd("5.5594", "555940"),
    "buy": _usd("5.53587", "553587"),
    "sell": _usd("5.56031", "556031"),
    "item": "BTC",
    "now": "1365444563657991",
}


def _wallet(currency: str, balance: tuple[str, str], limits: tuple[str, str], monthly: dict[str, str] | None) -> Any:
    zero = ("0.00000000", "0") if currency == "BTC" else ("0.00000", "0")
    return {
        "Balance": _money(*balance, currency, balance[0]),
        "Operations": 101,
        "Daily_Withdraw_Limit": _money(*limits, currency, limits[0]),
        "Monthly_Withdraw_Limit": monthly,
        "Max_Withdraw": _money(*limits, currency, limits[0]),
        "Open_Orders": _money(*zero, currency, zero[0]),
    }


INFO: dict[str, Any] = {
    "Login": "deadbeef",
    "Index": "1",
    "Id": "deadbeef-111c-2221-3334-deadbeef1122",
    "Rights": ["get_info", "trade"],
    "Language": "en_US",
    "Created": "2012-01-02 01:02:03",
    "Last_Login": "2013-03-24 01:00:00",
    "Wallets": {
        "BTC": _wallet("BTC", ("22.00000000", "2200000000"), ("100.00000000", "10000000000"), None),
        "USD": _wallet(
            "USD",
            ("3.70000", "370000"),
            ("10000.00000", "1000000000"),
            _money("50000.00000", "5000000000", "USD", "$50,000.00"),
        ),
    },
    "Monthly_Volume": _money("700.00000000", "70000000000", "BTC", "700.00 BTC"),
    "Trade_Fee": 0.5,
}


def success(data: Any) -> bytes:
    """The v2 envelope around `data`, compact, as the server sent it."""
    return json.dumps({"result": "success", "data": data}, separators=(",", ":")).encode("utf-8")


TICKER_BODY = success(TICKER)
INFO_BODY = success(INFO)
NOT_FOUND_BODY = b'{"result":"error","error":"Unknown API method","token":"unknown_api_method"}'


def depth_body(orders: int, *, seed: int = 2013) -> bytes:
    """A v2 `depth/full` answer holding `orders` price levels (half asks, half bids).

    Prices are USD with 5 decimals around 183, amounts BTC with 8, stamps microseconds in
    April 2013; the number formats are those of the recorded answers.
    """
    rng = random.Random(seed)
    half = orders // 2
    mid = 18_300_000  # 183.00000 USD in 1e-5 units
    stamp0 = 1_365_444_563_657_991

    def level(price_int: int) -> str:
        amount_int = rng.randrange(1_000_000, 5_000_000_000)
        stamp = stamp0 - rng.randrange(0, 86_400_000_000)
        return (
            f'{{"price":{price_int // 100_000}.{price_int % 100_000:05d},'
            f'"amount":{amount_int // 100_000_000}.{amount_int % 100_000_000:08d},'
            f'"price_int":"{price_int}","amount_int":"{amount_int}","stamp":"{stamp}"}}'
        )

    asks: list[str] = []
    price = mid + 1
    for _ in range(orders - half):
        asks.append(level(price))
        price += rng.randrange(1, 400)
    bids: list[str] = []
    price = mid
    for _ in range(half):
        bids.append(level(price))
        price -= rng.randrange(1, 400)
    bids.reverse()  # both sides rise in price, the best bid last
    return ('{"result":"success","data":{"asks":[' + ",".join(asks) + '],"bids":[' + ",".join(bids) + "]}}").encode()
