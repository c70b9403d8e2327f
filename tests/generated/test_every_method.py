"""Every generated method, sync and async, called once: URL, HTTP method, body and signature checked."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import respx

import mtgox
from mtgox_catalogue import load_catalogue
from mtgox_catalogue import model as m

from ..codegen.conftest import REPO
from .expected_results import check_result
from .samples import KEY, SECRET, csv_body, expected_wire, rest_sign, sample_kwargs, sample_value

CATALOGUE = load_catalogue(REPO / "endpoints.yaml")
BASE = "https://api.test/api"
ENDPOINTS = list(CATALOGUE.endpoints)


def response_for(e: m.Endpoint) -> httpx.Response:
    if e.response_format == "csv":
        return httpx.Response(200, text=csv_body(e.returns, CATALOGUE), headers={"content-type": "text/csv"})
    if e.response_format == "text":
        return httpx.Response(200, text="plain text", headers={"content-type": "text/plain"})
    payload = sample_value(e.returns, CATALOGUE)
    envelope = e.version.envelope
    body: Any = payload if envelope == "plain" else {"result": "success", envelope: payload}
    return httpx.Response(200, json=body)


def check_request(e: m.Endpoint, request: httpx.Request, kwargs: dict[str, Any]) -> None:
    path, params = expected_wire(e, kwargs, CATALOGUE)
    url = urlsplit(str(request.url))
    assert url.path == f"/api/{e.version.prefix}{path}"
    assert request.method == e.http_method
    if not e.signed:
        assert parse_qsl(url.query) == params
        assert "Rest-Sign" not in request.headers
        return
    body = request.content
    fields = parse_qsl(body.decode())
    assert fields[:-1] == params, "parameters in catalogue order, then the nonce"
    assert fields[-1][0] == "nonce" and fields[-1][1].isdigit()
    assert request.headers["Rest-Key"] == KEY
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    signs_path = CATALOGUE.auth_styles[e.auth].message == "path_nul_body"
    message = path.encode() + b"\0" + body if signs_path else body
    assert request.headers["Rest-Sign"] == rest_sign(message)


@pytest.mark.parametrize("e", ENDPOINTS, ids=[e.key for e in ENDPOINTS])
def test_sync_method(e: m.Endpoint, tmp_path: Any) -> None:
    kwargs = sample_kwargs(e)
    with respx.mock(assert_all_called=True) as router:
        route = router.route().mock(return_value=response_for(e))
        with mtgox.Client(KEY, SECRET, base_url=BASE, nonce_store="memory", rate_limit=None) as client:
            result = getattr(getattr(client, e.version.key), e.name)(**kwargs)
    assert route.call_count == 1
    check_request(e, route.calls.last.request, kwargs)
    check_result(e, result, CATALOGUE)


@pytest.mark.parametrize("e", ENDPOINTS, ids=[e.key for e in ENDPOINTS])
async def test_async_method(e: m.Endpoint) -> None:
    kwargs = sample_kwargs(e)
    with respx.mock(assert_all_called=True) as router:
        route = router.route().mock(return_value=response_for(e))
        async with mtgox.AsyncClient(KEY, SECRET, base_url=BASE, nonce_store="memory", rate_limit=None) as client:
            result = await getattr(getattr(client, e.version.key), e.name)(**kwargs)
    assert route.call_count == 1
    check_request(e, route.calls.last.request, kwargs)
    check_result(e, result, CATALOGUE)


def test_the_catalogue_covers_the_reference() -> None:
    counts = {key: len(CATALOGUE.endpoints_of(key)) for key in ("v0", "v1", "v2")}
    assert counts["v0"] >= 15
    assert counts["v1"] >= 18
    assert counts["v2"] >= 40
    reference = (REPO / "generated" / "API.md").read_text(encoding="utf-8")
    for e in CATALOGUE.endpoints:
        assert f"### `{e.version.key}.{e.name}`" in reference


def test_response_models_keep_unknown_fields() -> None:
    e = CATALOGUE.endpoint("v2.ticker")
    payload = sample_value(e.returns, CATALOGUE)
    payload["brand_new_field"] = {"x": 1}
    with respx.mock() as router:
        router.route().mock(return_value=httpx.Response(200, json={"result": "success", "data": payload}))
        with mtgox.Client(base_url=BASE, rate_limit=None) as client:
            ticker = client.v2.ticker(pair="BTCUSD")
    assert ticker.extra == {"brand_new_field": {"x": 1}}
    assert json.loads(json.dumps(ticker.to_dict(), default=str))["extra"] == {"brand_new_field": {"x": 1}}


@pytest.mark.parametrize("dropped", ["now", "last_orig", "item"])
def test_unknown_fields_are_kept_even_when_an_optional_field_is_missing(dropped: str) -> None:
    """Regression: same number of keys as the model, but one unknown and one optional missing."""
    from mtgox.types import Money, Ticker

    payload = sample_value(CATALOGUE.endpoint("v2.ticker").returns, CATALOGUE)
    del payload[dropped]
    payload["surprise"] = 1
    ticker = Ticker.from_wire(payload)
    assert ticker.extra == {"surprise": 1}
    assert getattr(ticker, dropped) is None
    money = Money.from_wire({"value": "1", "value_int": "1", "currency": "USD", "display": "$1", "foo": "kept"})
    assert money.extra == {"foo": "kept"}
