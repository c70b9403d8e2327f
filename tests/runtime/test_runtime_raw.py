"""Raw response access (sync_raw / async_raw) and the response attached to errors."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
import respx

from mtgox_runtime import APIError, AsyncNamespace, RawResponse, SyncNamespace, async_raw, sync_raw
from tests.runtime.support import V2_TICKER, MakeAsyncClient, MakeClient, identity, ok

TICKER = "https://mtgox.test/api/2/BTCUSD/money/ticker"


class V2(SyncNamespace):
    _version = 2

    def ticker(self, pair: str = "BTCUSD") -> dict[str, Any]:
        """The ticker."""
        result: dict[str, Any] = self._transport.call(V2_TICKER, f"{pair}/money/ticker", [], identity)
        return result


class AsyncV2(AsyncNamespace):
    _version = 2

    async def ticker(self, pair: str = "BTCUSD") -> dict[str, Any]:
        """The ticker."""
        result: dict[str, Any] = await self._transport.call(V2_TICKER, f"{pair}/money/ticker", [], identity)
        return result


class V2WithRawResponse:
    """What generated code writes for `client.v2.with_raw_response`."""

    def __init__(self, ns: V2) -> None:
        self.ticker = sync_raw(ns.ticker)


def test_sync_raw(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(TICKER).mock(
        side_effect=[
            httpx.Response(503, json={}),
            httpx.Response(200, json=ok({"last": "5"}), headers={"X-Served-By": "gox-2"}),
        ]
    )
    raw = V2WithRawResponse(V2(make_client()._transport))
    result = raw.ticker("BTCUSD")
    assert isinstance(result, RawResponse)
    assert result.parsed == {"last": "5"}
    assert result.status_code == 200
    assert result.headers["x-served-by"] == "gox-2"
    assert result.content == result.http_response.content and b'"last"' in result.content
    assert result.attempts == 2
    assert "200" in repr(result)
    assert raw.ticker.__name__ == "ticker" and raw.ticker.__doc__ == "The ticker."


async def test_async_raw(make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json=ok({"x": 1}), headers={"X-Id": "a"}))
    ns = AsyncV2(make_async_client()._transport)
    result = await async_raw(ns.ticker)()
    assert result.parsed == {"x": 1}
    assert result.headers["x-id"] == "a"
    assert result.attempts == 1


async def test_async_raw_concurrent_tasks_see_their_own_response(
    make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        pair = request.url.path.split("/")[3]
        return httpx.Response(200, json=ok({"pair": pair}), headers={"X-Pair": pair})

    respx_mock.get(url__regex=r"https://mtgox.test/api/2/BTC\w+/money/ticker").mock(side_effect=answer)
    ns = AsyncV2(make_async_client()._transport)
    pairs = ["BTCUSD", "BTCJPY", "BTCEUR", "BTCGBP"] * 5
    results = await asyncio.gather(*(async_raw(ns.ticker)(pair) for pair in pairs))
    for pair, result in zip(pairs, results, strict=True):
        assert result.parsed == {"pair": pair}
        assert result.headers["x-pair"] == pair


def test_sync_raw_threads_see_their_own_response(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        pair = request.url.path.split("/")[3]
        return httpx.Response(200, json=ok({"pair": pair}), headers={"X-Pair": pair})

    respx_mock.get(url__regex=r"https://mtgox.test/api/2/BTC\w+/money/ticker").mock(side_effect=answer)
    raw = V2WithRawResponse(V2(make_client()._transport))
    mismatches: list[str] = []

    def work(pair: str) -> None:
        for _ in range(20):
            result = raw.ticker(pair)
            if result.headers["x-pair"] != pair or result.parsed != {"pair": pair}:
                mismatches.append(pair)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("BTCUSD", "BTCJPY", "BTCEUR", "BTCGBP")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert mismatches == []


def test_errors_carry_the_response(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(TICKER).mock(
        return_value=httpx.Response(400, json={"result": "error", "error": "bad"}, headers={"X-Trace": "t1"})
    )
    raw = V2WithRawResponse(V2(make_client()._transport))
    with pytest.raises(APIError) as info:
        raw.ticker()
    assert info.value.response is not None
    assert info.value.response.headers["x-trace"] == "t1"


def test_a_raw_wrapper_around_something_that_makes_no_call() -> None:
    with pytest.raises(RuntimeError, match="made no API call"):
        sync_raw(lambda: 5)()


def test_sync_raw_of_a_cache_hit(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json=ok({"x": 1}), headers={"X-N": "1"}))
    raw = V2WithRawResponse(V2(make_client(cache_ttl=10.0)._transport))
    first, second = raw.ticker(), raw.ticker()
    assert (first.attempts, second.attempts) == (1, 0)  # 0: served from the client-side cache
    assert second.headers["x-n"] == "1" and second.parsed == {"x": 1}
    assert route.call_count == 1


async def test_async_raw_error_carries_the_response(
    make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(TICKER).mock(return_value=httpx.Response(403, json={"result": "error", "error": "no"}))
    with pytest.raises(APIError) as info:
        await async_raw(AsyncV2(make_async_client()._transport).ticker)()
    assert info.value.response is not None and info.value.response.status_code == 403
