"""The client-side token bucket and the optional cache of public answers."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
import respx

from mtgox_runtime import ConfigurationError, RateLimit
from mtgox_runtime._cache import ResponseCache
from mtgox_runtime._client import DEFAULT_RATE_LIMIT
from mtgox_runtime._ratelimit import TokenBucket
from tests.runtime.support import (
    V1_TICKER,
    V2_INFO,
    V2_PUBLIC_POST,
    V2_TICKER,
    Client,
    MakeAsyncClient,
    MakeClient,
    Sleeps,
    identity,
    ok,
)

TICKER = "https://mtgox.test/api/2/BTCUSD/money/ticker"


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_bucket_bursts_then_spaces_requests() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=2.0, burst=3, clock=clock))
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)  # queued behind nobody: one token in 0.5 s
    assert bucket.reserve() == pytest.approx(1.0)  # queued behind the previous reservation
    clock.now += 1.0  # the two reserved tokens have now been earned
    assert bucket.reserve() == pytest.approx(0.5)
    clock.now += 100.0  # idle: refills to the burst, no more
    assert bucket.available == pytest.approx(3.0)
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.0, 0.0, pytest.approx(0.5)]


def test_bucket_reservations_are_atomic_across_threads() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=10.0, burst=5, clock=clock))
    waits: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            w = bucket.reserve()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 400 reservations at one instant: 5 free, then one every 0.1 s, each exactly once
    assert sorted(round(w, 6) for w in waits) == [0.0] * 5 + [round(i / 10, 6) for i in range(1, 396)]


async def test_bucket_reservations_across_tasks() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=1.0, burst=2, clock=clock))

    async def one() -> float:
        await asyncio.sleep(0)
        return bucket.reserve()

    waits = await asyncio.gather(*(one() for _ in range(6)))
    assert sorted(waits) == [0.0, 0.0, 1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    "kwargs", [{"per_second": 0}, {"per_second": -1.0}, {"burst": 0}, {"burst": 1.5}, {"per_second": True}]
)
def test_rate_limit_settings_are_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        RateLimit(**kwargs)


def test_default_rate_limit() -> None:
    assert RateLimit(per_second=1.0, burst=10) == DEFAULT_RATE_LIMIT
    client = Client(nonce_store="memory")
    try:
        bucket = client._transport.rate_limiter
        assert bucket is not None and bucket.limit == DEFAULT_RATE_LIMIT
        other = Client(nonce_store="memory")
        assert other._transport.rate_limiter is not bucket  # one bucket per client
        other.close()
    finally:
        client.close()
    disabled = Client(rate_limit=None)
    assert disabled._transport.rate_limiter is None
    disabled.close()


def test_client_waits_for_tokens(make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    clock = FakeClock()
    route = respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json=ok(1)))
    client = make_client(rate_limit=RateLimit(per_second=1.0, burst=2, clock=clock))
    for _ in range(4):
        client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert route.call_count == 4
    assert sleeps == [1.0, 2.0]


def test_retries_take_tokens_too(make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    clock = FakeClock()
    respx_mock.get(TICKER).mock(side_effect=[httpx.Response(503, json={}), httpx.Response(200, json=ok(1))])
    client = make_client(rate_limit=RateLimit(per_second=4.0, burst=1, clock=clock))
    client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert sleeps == [0.5, 0.25]  # the backoff, then the wait for the second token


async def test_async_client_waits_for_tokens(
    make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    clock = FakeClock()
    respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json=ok(1)))
    client = make_async_client(rate_limit=RateLimit(per_second=2.0, burst=1, clock=clock))
    await asyncio.gather(*(client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity) for _ in range(3)))
    assert sorted(sleeps) == [0.5, 1.0]


# --- cache ---------------------------------------------------------------------------------------


def _cached_client(make_client: MakeClient, clock: FakeClock, **kw: Any) -> Client:
    client = make_client(cache_ttl=10.0, **kw)
    cache = client._transport.cache
    assert cache is not None
    cache.clock = clock
    return client


def test_cache_hit_miss_and_expiry(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    clock = FakeClock()
    route = respx_mock.get(TICKER).mock(
        side_effect=[httpx.Response(200, json=ok({"last": ["1"]})), httpx.Response(200, json=ok({"last": ["2"]}))]
    )
    client = _cached_client(make_client, clock)
    first = client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    first["last"].append("mutated by the caller")
    clock.now += 9.9
    second = client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert route.call_count == 1
    assert second == {"last": ["1"]}  # decoded again: the caller's change is not shared
    assert second is not first
    clock.now += 0.2  # past 10 s
    third = client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert route.call_count == 2 and third == {"last": ["2"]}


def test_cache_keys_on_url_and_params(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(url__startswith=TICKER).mock(return_value=httpx.Response(200, json=ok(1)))
    client = _cached_client(make_client, FakeClock())
    for params in ([], [("a", "1")], [("a", "2")], [("a", "1")], []):
        client._transport.call(V2_TICKER, "BTCUSD/money/ticker", params, identity)
    assert route.call_count == 3


def test_cache_is_off_by_default_and_only_for_cacheable_public_calls(
    make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    ticker = respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json=ok(1)))
    info = respx_mock.post("https://mtgox.test/api/2/money/info").mock(return_value=httpx.Response(200, json=ok(1)))
    quote = respx_mock.post("https://mtgox.test/api/2/BTCUSD/money/order/quote").mock(
        return_value=httpx.Response(200, json=ok(1))
    )
    plain = make_client()
    assert plain._transport.cache is None
    plain._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    plain._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert ticker.call_count == 2
    cached = _cached_client(make_client, FakeClock())
    for _ in range(2):
        cached._transport.call(V2_INFO, "money/info", [], identity)  # signed: never cached
        cached._transport.call(V2_PUBLIC_POST, "BTCUSD/money/order/quote", [], identity)  # not cacheable
    assert info.call_count == 2 and quote.call_count == 2


def test_errors_are_not_cached(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("https://mtgox.test/api/1/BTCUSD/public/ticker").mock(
        side_effect=[httpx.Response(200, json={"result": "error", "error": "x"}), httpx.Response(200, json=ok(5, 1))]
    )
    client = _cached_client(make_client, FakeClock())
    with pytest.raises(Exception, match="x"):
        client._transport.call(V1_TICKER, "BTCUSD/public/ticker", [], identity)
    assert client._transport.call(V1_TICKER, "BTCUSD/public/ticker", [], identity) == 5
    assert client._transport.call(V1_TICKER, "BTCUSD/public/ticker", [], identity) == 5
    assert route.call_count == 2


def test_cache_hits_take_no_rate_limit_token(
    make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    respx_mock.get(TICKER).mock(return_value=httpx.Response(200, json=ok(1)))
    client = _cached_client(make_client, FakeClock(), rate_limit=RateLimit(per_second=1.0, burst=1, clock=FakeClock()))
    for _ in range(5):
        client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert sleeps == []


def test_cache_capacity() -> None:
    clock = FakeClock()
    cache = ResponseCache(10.0, max_entries=3, clock=clock)
    for i in range(5):
        cache.put(i, httpx.Response(200, content=b"x"))
    assert len(cache) == 3
    assert cache.get(0) is None and cache.get(4) is not None
    clock.now += 11
    assert cache.get(4) is None


@pytest.mark.parametrize("ttl", [0, -1.0, True, "10"])
def test_cache_ttl_is_checked(ttl: Any) -> None:
    with pytest.raises(ConfigurationError):
        Client(cache_ttl=ttl)
