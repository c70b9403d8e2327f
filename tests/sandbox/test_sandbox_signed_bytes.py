"""A private call acts on its signed bytes only (issue 9, item 1).

The property, for EVERY private endpoint of the catalogue (in-process, through the ASGI app):
nothing outside the signed bytes (a query string, unsigned headers, the case of an unsigned
path) changes what the handler is given; such a call either runs with exactly the signed
parameters or is refused before anything happens. Over real sockets, the three attacks the
issue reported (`?price_int=` on a v2 market ask, `?fee_int=` on `send_simple`, `?amount_int=`
on a v1 order) are refused and move no money.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from mtgox_catalogue.model import Endpoint
from mtgox_sandbox.api.dispatch import Prepared
from mtgox_sandbox.core.db import Tx
from mtgox_sandbox.server.app import App

from .inprocess_helpers import PRIVATE, Signer, account, app, body_fields, concrete_path
from .sandbox_helpers import Api, error, payload, sign

__all__ = ["app"]  # the fixture

Seen = tuple[str, dict[str, str], dict[str, str], int]


def record(app: App, monkeypatch: pytest.MonkeyPatch) -> list[Seen]:
    """Everything a handler is given, call by call (the nonce aside, which each call changes)."""
    seen: list[Seen] = []
    dispatcher = app.services.dispatcher
    original = dispatcher._run

    def spy(tx: Tx, req: Prepared, account_id: int, rights: frozenset[str]) -> Any:
        params = {k: v for k, v in req.params.items() if k not in ("nonce", "tonce")}
        seen.append((req.endpoint.key, dict(req.path_params), params, account_id))
        return original(tx, req, account_id, rights)

    monkeypatch.setattr(dispatcher, "_run", spy)
    return seen


def unsigned_queries(endpoint: Endpoint) -> list[str]:
    names = [p.wire for p in endpoint.params] + ["nonce", "tonce", "price_int", "amount_int", "fee_int", "type"]
    return [
        *(urlencode({name: "1"}) for name in names),
        urlencode({name.upper(): "1" for name in names}),
        "raw&price_int=1",
        "pretty&x=",
        "=1",
    ]


UNSIGNED_HEADERS: list[list[tuple[str, str]]] = [
    [("Content-Type", "application/json")],
    [("Content-Type", "multipart/form-data; boundary=x")],
    [("X-HTTP-Method-Override", "GET"), ("X-Forwarded-For", "203.0.113.9")],
    [("Cookie", "nonce=1; price_int=1; amount_int=1")],
    [("price_int", "1"), ("amount_int", "1"), ("fee_int", "1"), ("type", "ask")],
    [("Rest-Key", "00000000-0000-4000-8000-000000000000"), ("Rest-Sign", "AAAA")],  # after the real ones
]


@pytest.mark.parametrize("endpoint", PRIVATE, ids=[e.key for e in PRIVATE])
async def test_nothing_outside_the_signed_bytes_changes_a_private_call(
    app: App, monkeypatch: pytest.MonkeyPatch, endpoint: Endpoint
) -> None:
    seen = record(app, monkeypatch)
    path, fields = concrete_path(endpoint), body_fields(endpoint)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        signer = Signer(http, *account(app))
        await signer.post(endpoint, path, fields)
        assert len(seen) == 1, "the baseline call did not reach its handler"
        baseline = seen[0]
        assert baseline[2] == dict(fields)

        for query in unsigned_queries(endpoint):
            response = await signer.post(endpoint, path, fields, query=query)
            status, message, token = error(response)
            assert token == "unsigned_parameter", (query, response.text)
            assert status == (400 if endpoint.version.key == "v2" else 200)
            assert "signed POST body" in message
        assert len(seen) == 1, "a call with unsigned parameters reached its handler"

        for flags in ("raw", "pretty", "RAW&Pretty"):
            await signer.post(endpoint, path, fields, query=flags)
            assert seen[-1] == baseline, flags
        for headers in UNSIGNED_HEADERS:
            await signer.post(endpoint, path, fields, headers=headers)
            assert seen[-1] == baseline, headers
        calls = len(seen)

        for cased in (path.upper(), path.swapcase()):
            if endpoint.version.key == "v2":
                # the v2 signature covers the path as sent: a re-cased path no longer verifies ...
                response = await signer.post(endpoint, cased, fields, signed_path=path)
                assert error(response)[2] == "login_error_invalid_rest_sign"
                assert len(seen) == calls
                # ... and signed as sent, it is the same call
                await signer.post(endpoint, cased, fields, signed_path=cased)
            else:
                await signer.post(endpoint, cased, fields)
            calls += 1
            assert len(seen) == calls and seen[-1] == baseline, cased


async def test_a_refused_query_string_spends_no_nonce(app: App) -> None:
    endpoint = next(e for e in PRIVATE if e.key == "v2.info")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        signer = Signer(http, *account(app))
        refused = await signer.post(endpoint, "money/info", [], query="x=1")
        assert error(refused)[2] == "unsigned_parameter"
        signer.nonce -= 1  # the same nonce again, now without the query string
        accepted = await signer.post(endpoint, "money/info", [])
        assert accepted.status_code == 200, accepted.text


# -- over real sockets: the attacks of the issue ---------------------------------------------


def balances(api: Api) -> dict[str, str]:
    wallets = api.ok(2, "money/info")["Wallets"]
    return {code: wallet["Balance"]["value_int"] for code, wallet in wallets.items()}


def test_unsigned_price_does_not_turn_a_market_ask_into_a_cheap_limit(trader: Api, shared: Any) -> None:
    before = balances(trader)
    response = trader.post(2, "BTCUSD/money/order/add?price_int=1", {"type": "ask", "amount_int": 100_000_000})
    assert error(response)[:1] == (400,) and error(response)[2] == "unsigned_parameter"
    assert payload(2, trader.post(2, "money/orders")) == []
    assert balances(trader) == before


def test_unsigned_fee_on_send_simple_is_refused(trader: Api) -> None:
    before = balances(trader)
    fields = {"address": "1BitcoinEaterAddressDontSendf59kuE", "amount_int": 1_000_000}
    for version, path in ((2, "money/bitcoin/send_simple?fee_int=0"), (1, "generic/bitcoin/send_simple?fee_int=0")):
        response = trader.post(version, path, fields)
        assert error(response)[2] == "unsigned_parameter", response.text
    assert balances(trader) == before


def test_unsigned_amount_on_a_v1_order_is_refused(trader: Api) -> None:
    before = balances(trader)
    response = trader.post(1, "BTCUSD/private/order/add?amount_int=10000000000", {"type": "bid", "amount_int": 1})
    assert error(response) == (200, error(response)[1], "unsigned_parameter")
    assert payload(1, trader.post(1, "generic/private/orders")) == []
    # the formatting flags stay allowed on a signed call
    raw = trader.post(1, "generic/private/info?raw")
    assert raw.status_code == 200 and "Wallets" in raw.json()
    assert balances(trader) == before


def test_double_slashes_as_the_wiki_perl_example_sent_them(trader: Api, shared: Any) -> None:
    assert trader.key is not None and trader.secret is not None
    with httpx.Client(base_url=shared.url, timeout=10) as http:
        body = f"nonce={trader.nonce()}".encode()
        headers = {"Rest-Key": trader.key, "Rest-Sign": sign(trader.secret, body)}
        v1 = http.post("/api//1/generic/private/info", content=body, headers=headers)
        assert v1.status_code == 200 and "Wallets" in v1.json()["return"], v1.text
        # v2: the signature covers the path as sent, `//` included
        body = f"nonce={trader.nonce()}".encode()
        headers = {"Rest-Key": trader.key, "Rest-Sign": sign(trader.secret, b"money//info\0" + body)}
        v2 = http.post("/api/2/money//info", content=body, headers=headers)
        assert v2.status_code == 200 and "Wallets" in v2.json()["data"], v2.text
        body = f"nonce={trader.nonce()}".encode()
        headers = {"Rest-Key": trader.key, "Rest-Sign": sign(trader.secret, b"money/info\0" + body)}
        tampered = http.post("/api/2/money//info", content=body, headers=headers)
        assert error(tampered)[2] == "login_error_invalid_rest_sign"


def test_over_sockets_unsigned_headers_and_path_case_change_nothing(trader: Api) -> None:
    """The in-process property, for a representative set, through uvicorn and h11."""
    perturbations = [dict(h) for h in UNSIGNED_HEADERS if not any(k.startswith("Rest-") for k, _ in h)]
    for version, path in ((0, "info.php"), (1, "generic/private/info"), (2, "money/info")):
        expected = payload(version, trader.post(version, path))
        for headers in perturbations:
            assert payload(version, trader.post(version, path, headers=headers)) == expected, (path, headers)
        for cased in (path.upper(), path.swapcase()):
            assert payload(version, trader.post(version, cased)) == expected, cased
    # a signed order keeps its signed price and amount whatever rides along unsigned
    order = {"type": "bid", "amount_int": 2_000_000, "price_int": 1_234_500}
    noise = {"price_int": "1", "amount_int": "999999999", "Content-Type": "application/json"}
    oid = payload(2, trader.post(2, "BTCUSD/MONEY/ORDER/ADD", order, headers=noise))
    placed = next(o for o in payload(2, trader.post(2, "money/orders")) if o["oid"] == oid)
    assert placed["amount"]["value_int"] == "2000000" and placed["price"]["value_int"] == "1234500"
    payload(2, trader.post(2, "money/order/cancel", {"oid": oid}))
