"""Retries: what is retried, how long it waits, fresh signatures, timeouts."""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from mtgox_runtime import (
    APIConnectionError,
    APITimeoutError,
    InvalidResponseError,
    MtGoxError,
    NonceError,
    RateLimitedError,
    ServerError,
)
from mtgox_runtime._call_flow import _full_jitter
from mtgox_runtime._retry_policy import BACKOFF_CAP, backoff_limit
from tests.runtime.support import (
    V1_ORDER_ADD,
    V2_INFO,
    V2_ORDER_ADD,
    V2_TICKER,
    Client,
    MakeAsyncClient,
    MakeClient,
    Sleeps,
    VerifyingServer,
    err,
    identity,
    ok,
)

TICKER = "https://mtgox.test/api/2/BTCUSD/money/ticker"
ORDER_ADD = "https://mtgox.test/api/2/BTCUSD/money/order/add"
NONCE_ERROR = err("Identification required to access private API", "login_error_invalid_nonce")


def _ticker(client: Client, **kw: Any) -> Any:
    return client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity, **kw)


def _order_add(client: Client) -> Any:
    return client._transport.call(V2_ORDER_ADD, "BTCUSD/money/order/add", [("type", "bid")], identity)


def _nonce(request: httpx.Request) -> int:
    return int(parse_qs(request.content.decode())["nonce"][0])


def test_backoff_limits() -> None:
    assert [backoff_limit(i) for i in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff_limit(1000) == BACKOFF_CAP
    random.seed(1)
    draws = [_full_jitter(2.0) for _ in range(200)]
    assert all(0.0 <= d <= 2.0 for d in draws) and max(draws) > 1.5 and min(draws) < 0.5


def test_idempotent_call_is_retried_on_transient_failures(
    make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = respx_mock.get(TICKER).mock(
        side_effect=[
            httpx.Response(502, content=b"<html>Bad gateway</html>"),
            httpx.Response(200, content=b"MySQL error, please retry later"),
            httpx.Response(200, json=ok({"last": "1"})),
        ]
    )
    assert _ticker(make_client()) == {"last": "1"}
    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]  # the jitter upper bounds (the fixture's jitter returns them)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, json=err("Service unavailable")),
        httpx.Response(500, content=b""),
        httpx.Response(429, json=err("slow down")),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed"),
        httpx.ReadError("reset"),
    ],
    ids=["503-json", "500-empty", "429", "connect", "read-timeout", "protocol", "read-error"],
)
def test_retried_failures(failure: Any, make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = respx_mock.get(TICKER).mock(side_effect=[failure, httpx.Response(200, json=ok(1))])
    assert _ticker(make_client()) == 1
    assert route.call_count == 2
    assert len(sleeps) == 1


def test_retries_are_bounded(make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = respx_mock.get(TICKER).mock(return_value=httpx.Response(503, json=err("down")))
    with pytest.raises(ServerError) as info:
        _ticker(make_client(max_retries=3))
    assert route.call_count == 4
    assert info.value.attempts == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_max_retries_zero_disables_retries(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TICKER).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError):
        _ticker(make_client(max_retries=0))
    assert route.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, json=err("down")),
        httpx.Response(502, content=b"<html>cloudflare</html>"),
        httpx.Response(200, content=b"MySQL error, please retry later"),
        httpx.Response(429, json=err("slow down")),
        httpx.Response(200, json=err("Too many orders placed, please wait 2 secs")),
        httpx.ReadTimeout("no answer"),
        httpx.WriteTimeout("stuck"),
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
    ids=["503", "html", "mysql", "429", "too-many-orders", "read-timeout", "write-timeout", "read-error", "proto"],
)
def test_non_idempotent_call_is_never_retried_once_it_may_have_arrived(
    failure: Any, make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = respx_mock.post(ORDER_ADD).mock(side_effect=[failure, httpx.Response(200, json=ok("oid"))])
    with pytest.raises(MtGoxError) as info:
        _order_add(make_client(max_retries=5))
    assert route.call_count == 1
    assert sleeps == []
    assert info.value.attempts == 1
    if isinstance(failure, Exception):
        assert "may have reached the server" in str(info.value)
        assert not isinstance(info.value, httpx.HTTPError)
        assert info.value.__cause__ is failure


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("syn lost"), httpx.PoolTimeout("pool full")],
    ids=["connect", "connect-timeout", "pool-timeout"],
)
def test_non_idempotent_call_is_retried_when_it_surely_never_left(
    failure: Exception, make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.post(ORDER_ADD).mock(side_effect=[failure, httpx.Response(200, json=ok("oid-1"))])
    assert _order_add(make_client()) == "oid-1"
    assert route.call_count == 2
    first, second = (call.request for call in route.calls)
    assert _nonce(second) > _nonce(first)
    assert first.headers["Rest-Sign"] != second.headers["Rest-Sign"]


def test_nonce_rejection_is_resigned_for_any_endpoint(
    make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = respx_mock.post(ORDER_ADD).mock(
        side_effect=[httpx.Response(403, json=NONCE_ERROR), httpx.Response(403, json=NONCE_ERROR), httpx.Response(200, json=ok("oid"))]
    )  # fmt: skip
    assert _order_add(make_client(max_retries=0)) == "oid"
    nonces = [_nonce(call.request) for call in route.calls]
    signs = {call.request.headers["Rest-Sign"] for call in route.calls}
    assert len(nonces) == 3 and nonces == sorted(set(nonces))
    assert len(signs) == 3
    assert sleeps == []  # re-signed at once


def test_nonce_resigning_is_bounded(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("https://mtgox.test/api/1/BTCUSD/order/add").mock(
        return_value=httpx.Response(403, json=NONCE_ERROR)
    )
    with pytest.raises(NonceError):
        make_client()._transport.call(V1_ORDER_ADD, "BTCUSD/order/add", [], identity)
    assert route.call_count == 6


def test_each_attempt_is_freshly_signed(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("https://mtgox.test/api/2/money/info").mock(
        side_effect=[httpx.Response(503, json=err("down")), httpx.ReadTimeout("x"), httpx.Response(200, json=ok({}))]
    )
    make_client()._transport.call(V2_INFO, "money/info", [("a", "b")], identity)
    requests = [call.request for call in route.calls]
    assert len(requests) == 3
    assert len({_nonce(r) for r in requests}) == 3
    assert len({r.headers["Rest-Sign"] for r in requests}) == 3


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After-Ms": "250"}, 0.25),
    ],
)
def test_retry_after_is_honoured(
    headers: dict[str, str], expected: float, make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    respx_mock.get(TICKER).mock(
        side_effect=[httpx.Response(429, json=err("slow down"), headers=headers), httpx.Response(200, json=ok(1))]
    )
    assert _ticker(make_client()) == 1
    assert sleeps == [expected]


def test_retry_after_as_an_http_date(make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    respx_mock.get(TICKER).mock(
        side_effect=[httpx.Response(503, json=err("down"), headers={"Retry-After": when}), httpx.Response(200, json=ok(1))]
    )  # fmt: skip
    assert _ticker(make_client()) == 1
    assert len(sleeps) == 1 and 3.0 < sleeps[0] <= 5.0


def test_too_many_orders_wait_is_honoured_for_idempotent_calls(
    make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    respx_mock.get(TICKER).mock(
        side_effect=[httpx.Response(200, json=err("Too many orders placed, please wait 7 secs")), httpx.Response(200, json=ok(1))]
    )  # fmt: skip
    assert _ticker(make_client()) == 1
    assert sleeps == [7.0]


def test_a_long_retry_after_is_raised_not_waited(
    make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = respx_mock.get(TICKER).mock(
        return_value=httpx.Response(429, json=err("banned"), headers={"Retry-After": "3600"})
    )
    with pytest.raises(RateLimitedError) as info:
        _ticker(make_client())
    assert info.value.retry_after == 3600.0
    assert route.call_count == 1 and sleeps == []


def test_shape_errors_are_not_retried(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json={"result": "success"}))
    with pytest.raises(InvalidResponseError):
        _ticker(make_client())
    assert route.call_count == 1


ALL_HTTPX_FAILURES = [
    httpx.ConnectError("x"),
    httpx.ConnectTimeout("x"),
    httpx.ReadTimeout("x"),
    httpx.WriteTimeout("x"),
    httpx.PoolTimeout("x"),
    httpx.ReadError("x"),
    httpx.WriteError("x"),
    httpx.CloseError("x"),
    httpx.RemoteProtocolError("x"),
    httpx.LocalProtocolError("x"),
    httpx.ProxyError("x"),
    httpx.UnsupportedProtocol("x"),
    httpx.DecodingError("x"),
    httpx.TooManyRedirects("x"),
]


@pytest.mark.parametrize("failure", ALL_HTTPX_FAILURES, ids=lambda e: type(e).__name__)
def test_no_httpx_exception_escapes(failure: Exception, make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(TICKER).mock(side_effect=failure)
    with pytest.raises(MtGoxError) as info:
        _ticker(make_client())
    assert not isinstance(info.value, httpx.HTTPError)
    expected = APITimeoutError if isinstance(failure, httpx.TimeoutException) else (MtGoxError)
    assert isinstance(info.value, expected)
    assert info.value.endpoint == "v2.ticker"


# --- timeouts ------------------------------------------------------------------------------------


def test_default_and_per_call_timeouts(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json=ok(1)))
    client = make_client()
    _ticker(client)
    assert route.calls.last.request.extensions["timeout"] == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    _ticker(client, timeout=2.0)
    assert route.calls.last.request.extensions["timeout"] == {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
    _ticker(client)  # the override was for that call only
    assert route.calls.last.request.extensions["timeout"]["read"] == 30.0
    slow = make_client(timeout=httpx.Timeout(60.0, connect=1.0))
    _ticker(slow)
    assert route.calls.last.request.extensions["timeout"] == {"connect": 1.0, "read": 60.0, "write": 60.0, "pool": 60.0}


def test_real_timeout_per_call(make_client: MakeClient, server: VerifyingServer) -> None:
    """A real socket: the server answers after 0.5 s; a 0.1 s call times out and, not being
    idempotent, is not retried."""
    client = make_client(base_url=server.base_url)
    started = time.perf_counter()
    with pytest.raises(APITimeoutError, match="ReadTimeout") as info:
        client._transport.call(V2_ORDER_ADD, "slow", [], identity, timeout=0.1)
    assert time.perf_counter() - started < 0.45
    assert info.value.attempts == 1
    assert server.hits["/api/2/slow"] == 1
    assert client._transport.call(V2_ORDER_ADD, "slow", [], identity, timeout=5.0)["nonce"] > 0


@pytest.mark.integration
def test_real_connection_refused_is_retried_then_raised(make_client: MakeClient, sleeps: Sleeps) -> None:
    client = make_client(base_url="http://127.0.0.1:9/api", max_retries=2)  # discard port: nothing listens
    with pytest.raises(APIConnectionError, match="could not connect") as info:
        _order_add(client)
    assert info.value.attempts == 3 and len(sleeps) == 2


# --- async ---------------------------------------------------------------------------------------


async def test_async_retries_and_resigning(
    make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = respx_mock.post(ORDER_ADD).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(403, json=NONCE_ERROR), httpx.Response(200, json=ok("oid"))]
    )  # fmt: skip
    client = make_async_client()
    assert await client._transport.call(V2_ORDER_ADD, "BTCUSD/money/order/add", [], identity) == "oid"
    assert route.call_count == 3
    assert sleeps == [0.5]  # backoff after the connect error, none for the nonce re-sign
    nonces = [_nonce(call.request) for call in route.calls]
    assert nonces == sorted(set(nonces))


async def test_async_non_idempotent_not_retried(
    make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.post(ORDER_ADD).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        await make_async_client()._transport.call(V2_ORDER_ADD, "BTCUSD/money/order/add", [], identity)
    assert route.call_count == 1


async def test_async_idempotent_retried(make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TICKER).mock(
        side_effect=[httpx.Response(503, content=b"<html/>"), httpx.Response(200, json=ok({"x": 1}))]
    )
    assert await make_async_client()._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity) == {"x": 1}
    assert route.call_count == 2
