"""The generated client sends exactly the hand-written golden requests (golden_requests.py).

Nothing here reads endpoints.yaml: a catalogue that changed a divisor, a path, a parameter
name or the signed message would change the code, and these literals would not follow it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import mtgox
from mtgox_runtime import InvalidRequestError, MemoryNonceStore, _signer

from .edge_values import EDGE_GOLDEN, EDGE_REFUSED
from .golden_requests import GOLDEN, REFUSED, TONCE_CALL, Golden
from .signing import KEY, NONCE, SECRET, VECTOR_BODY, VECTOR_SIGN, rest_sign

BASE = "https://data.mtgox.com/api"  # the documented default host
#: The golden requests, and those of optional parameters at their edge values (edge_values.py).
REQUESTS = GOLDEN + EDGE_GOLDEN
REFUSALS = REFUSED + EDGE_REFUSED


def fixed_nonces() -> MemoryNonceStore:
    return MemoryNonceStore(clock=lambda: NONCE)


def client() -> mtgox.Client:
    return mtgox.Client(KEY, SECRET, base_url=BASE, nonce_store=fixed_nonces(), rate_limit=None, max_retries=0)


def method_of(client: Any, record_method: str) -> Any:
    version, name = record_method.split(".")
    return getattr(getattr(client, version), name)


def answer() -> httpx.Response:
    # The body is any value the method accepts; this file checks requests, not parsing.
    return httpx.Response(500, json={"result": "error", "error": "golden"})


def check(record: Golden, request: httpx.Request) -> None:
    assert request.method == record.http
    assert request.url.scheme == "https" and request.url.host == "data.mtgox.com"
    assert request.url.path == record.path
    assert request.url.query.decode("ascii") == record.query
    if not record.message:
        assert request.content == b""
        assert "Rest-Key" not in request.headers and "Rest-Sign" not in request.headers
        return
    assert request.content == record.body.encode("ascii")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Rest-Key"] == KEY
    assert request.headers["Rest-Sign"] == rest_sign(record.message.encode("ascii"))


@pytest.fixture
def wire() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        yield router.route().mock(return_value=answer())


def test_the_oracle_reproduces_the_published_vector() -> None:
    assert rest_sign(VECTOR_BODY) == VECTOR_SIGN


def test_the_v0_funds_call_carries_the_published_signature_itself(wire: respx.Route) -> None:
    with client() as c, pytest.raises(mtgox.MtGoxError):
        c.v0.get_funds()
    request = wire.calls.last.request
    assert request.content == VECTOR_BODY
    assert request.headers["Rest-Sign"] == VECTOR_SIGN


@pytest.mark.parametrize("record", REQUESTS, ids=[g.name for g in REQUESTS])
def test_sync_request_is_the_golden_one(record: Golden, wire: respx.Route) -> None:
    with client() as c, pytest.raises(mtgox.MtGoxError):
        method_of(c, record.method)(**record.kwargs)
    assert wire.call_count == 1
    check(record, wire.calls.last.request)


@pytest.mark.parametrize("record", REQUESTS, ids=[g.name for g in REQUESTS])
async def test_async_request_is_the_golden_one(record: Golden, wire: respx.Route) -> None:
    async with mtgox.AsyncClient(
        KEY, SECRET, base_url=BASE, nonce_store=fixed_nonces(), rate_limit=None, max_retries=0
    ) as c:
        with pytest.raises(mtgox.MtGoxError):
            await method_of(c, record.method)(**record.kwargs)
    assert wire.call_count == 1
    check(record, wire.calls.last.request)


def test_a_tonce_call_is_the_golden_one(wire: respx.Route, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_signer, "TONCES", fixed_nonces())
    tonce_client = mtgox.Client(KEY, SECRET, base_url=BASE, use_tonce=True, rate_limit=None, max_retries=0)
    with tonce_client as c, pytest.raises(mtgox.MtGoxError):
        c.v2.info()
    check(TONCE_CALL, wire.calls.last.request)


def test_the_golden_set_spans_versions_currencies_and_edges() -> None:
    """The set itself: a few dozen calls, every version, JPY and SEK, optional parameters both ways."""
    assert len(GOLDEN) >= 36
    assert {g.method.split(".")[0] for g in GOLDEN} == {"v0", "v1", "v2"}
    text = " ".join(g.path + g.query + g.body for g in GOLDEN)
    for needle in ("JPY", "SEK", "price_int=1&", "amount_int=1&", "9223372036854775807", "amount=0.00000001"):
        assert needle in text
    methods = [g.method for g in GOLDEN]
    assert len(set(methods)) < len(methods), "some methods appear with and without their optional parameters"


@pytest.mark.parametrize(("name", "method", "kwargs", "param"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_amounts_the_units_cannot_hold_are_refused_before_sending(
    name: str, method: str, kwargs: dict[str, object], param: str, wire: respx.Route
) -> None:
    with client() as c, pytest.raises(InvalidRequestError) as caught:
        method_of(c, method)(**kwargs)
    assert caught.value.param == param
    assert wire.call_count == 0
