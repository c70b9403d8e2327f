"""Hostile values are refused with a typed 4xx in Mt. Gox's shape, never a 500 (issue 9, item 3).

A table over every catalogued endpoint and each of its parameters; then the semantic checks:
negative amounts refused on order/quote and order/add, and amounts with more decimals than the
currency has refused (as the SDK refuses them), never rounded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from mtgox_catalogue.model import Endpoint
from mtgox_sandbox.server.app import App

from .inprocess_helpers import CATALOGUE, Signer, account, app, body_fields, concrete_path
from .sandbox_helpers import Api, error

__all__ = ["app"]  # the fixture

HOSTILE = [
    str(2**62),
    str(2**63),
    str(2**64 + 1),
    "9" * 25,
    "-" + "9" * 25,
    "-1",
    "-0.5",
    "1e999999999",
    "1e-999999999",
    "99999999999999999999.5",
    "0.0000000001",
    "NaN",
    "-Infinity",
    "0x10",
    "1_000",
    "\u0661\u0662",  # Arabic-Indic digits: str.isdigit() says yes, int() too, SQLite no
    "9" * 5000,
]
WITH_PARAMS = [e for e in CATALOGUE.endpoints if any(p.location != "path" for p in e.params)]


@pytest.mark.parametrize("endpoint", WITH_PARAMS, ids=[e.key for e in WITH_PARAMS])
async def test_no_hostile_value_gives_a_500(app: App, endpoint: Endpoint) -> None:
    path, fields = concrete_path(endpoint), body_fields(endpoint)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        signer = Signer(http, *account(app))
        for index, (name, _) in enumerate(fields):
            for value in HOSTILE:
                sent = [*fields[:index], (name, value), *fields[index + 1 :]]
                if endpoint.signed:
                    response = await signer.post(endpoint, path, sent)
                else:
                    response = await http.get(f"/api/{endpoint.version.prefix}{path}", params=urlencode(sent))
                assert response.status_code < 500, (name, value[:30], response.text[:200])
                if response.status_code != 200 or "error" in response.text[:40]:
                    body: Any = response.json()
                    assert body.get("result", "error") == "error" and body["error"], body


def test_overflowing_history_queries_are_refused(trader: Api) -> None:
    for params in ({"page": 2**62}, {"page": 0}, {"date_start": "9" * 25}, {"date_end": "1" * 20}):
        response = trader.post(2, "money/wallet/history", {"currency": "USD", **params})
        status, message, token = error(response)
        assert (status, token) == (400, "invalid_parameter"), response.text
        assert next(iter(params)) in message


def test_negative_and_zero_quotes_are_refused(trader: Api) -> None:
    for amount in (-1, 0, -(2**62)):
        response = trader.get(2, "BTCUSD/money/order/quote", {"type": "bid", "amount": amount})
        assert error(response)[:1] == (400,) and error(response)[2] == "invalid_parameter", response.text
    response = trader.get(2, "BTCUSD/money/order/quote", {"type": "bid", "amount": 10**8, "price": -5})
    assert error(response)[2] == "invalid_parameter"


def test_amounts_with_too_many_decimals_are_refused_not_rounded(trader: Api) -> None:
    before = trader.ok(2, "money/info")["Wallets"]["USD"]["Balance"]["value_int"]
    # USD has 5 decimals: 0.000005 USD was rounded up to 0.00001 and debited
    response = trader.post(0, "withdraw.php", {"group1": "USD2CODE", "amount": "0.000005", "Currency": "USD"})
    status, message, token = error(response)
    assert (status, token) == (200, "invalid_parameter") and "decimal" in message, response.text
    response = trader.post(0, "buyBTC.php", {"amount": "0.123456789", "price": "100"})
    assert error(response)[2] == "invalid_parameter", response.text
    response = trader.post(0, "buyBTC.php", {"amount": "1", "price": "100.000001"})
    assert error(response)[2] == "invalid_parameter", response.text
    assert trader.ok(2, "money/info")["Wallets"]["USD"]["Balance"]["value_int"] == before
