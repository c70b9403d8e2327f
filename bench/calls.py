"""Per-call cost of the SDK against bare httpx, sync and async, and a 1,000-call async fan-out.

Both sides talk to the same canned server (`bench.server`, another process). The bare side is
the cheapest correct hand-written client: for a private call it builds `nonce=N`, signs
`money/info\\0body` with HMAC-SHA512 (a pre-keyed `hmac` copied per call), posts it with
Rest-Key/Rest-Sign, then `json.loads` the body and checks `result`; for a public call it GETs
and `json.loads`. The SDK side is `client.v2.info()` / `client.v2.ticker(pair=...)` into typed
models, with the default file nonce store (in a temp dir) and no client-side rate limit.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx

import mtgox

from . import payloads as pl
from .harness import Figure, Sizes, ainterleave, interleave, median, per_call

TARGET = 1.10
SDK_TIMEOUT = httpx.Timeout(30.0, connect=5.0)  # the SDK's default, given to bare httpx too


class HandSigner:
    """What a careful hand-written client does per private call."""

    def __init__(self) -> None:
        self._mac = hmac.new(pl.SECRET_BYTES, digestmod=hashlib.sha512)
        self._last = 0

    def nonce(self) -> int:
        now = time.time_ns() // 1000
        self._last = now if now > self._last else self._last + 1
        return self._last

    def request(self, path: bytes) -> tuple[bytes, dict[str, str]]:
        body = b"nonce=%d" % self.nonce()
        mac = self._mac.copy()
        mac.update(path + b"\0" + body)
        sign = base64.b64encode(mac.digest()).decode("ascii")
        return body, {"Rest-Key": pl.KEY, "Rest-Sign": sign, "Content-Type": pl.FORM}


def _check(payload: Any) -> Any:
    if payload["result"] != "success":
        raise RuntimeError(f"the bench server answered {payload!r}")
    return payload["data"]


# -- sync ----------------------------------------------------------------------------------------


def sync_sides(base: str, nonce_dir: Path) -> tuple[dict[str, Callable[[], object]], Callable[[], None]]:
    """The four sync call makers (SDK/bare x private/public), plus the memory-store variant."""
    api = base + "/api"
    sdk = mtgox.Client(pl.KEY, pl.SECRET, base_url=api, rate_limit=None, nonce_store=str(nonce_dir))
    sdk_mem = mtgox.Client(pl.KEY, pl.SECRET, base_url=api, rate_limit=None, nonce_store="memory")
    http = httpx.Client(timeout=SDK_TIMEOUT)
    signer = HandSigner()
    info_url = f"{api}/{pl.INFO_PATH}"
    ticker_url = f"{api}/{pl.TICKER_PATH}"

    def bare_private() -> object:
        body, headers = signer.request(pl.INFO_SIGNED_PATH)
        return _check(json.loads(http.post(info_url, content=body, headers=headers).content))

    def bare_public() -> object:
        return _check(json.loads(http.get(ticker_url).content))

    v2, v2_mem = sdk.v2, sdk_mem.v2

    def sdk_public() -> object:
        return v2.ticker(pair="BTCUSD")

    def close() -> None:
        sdk.close()
        sdk_mem.close()
        http.close()

    sides: dict[str, Callable[[], object]] = {
        "sdk_private": v2.info,
        "bare_private": bare_private,
        "sdk_public": sdk_public,
        "bare_public": bare_public,
        "sdk_private_memory": v2_mem.info,
    }
    return sides, close


def _call_figures(
    name: str, samples: dict[str, list[float]], sizes: Sizes, method: str, extra: dict[str, Any]
) -> list[Figure]:
    us = {k: median(v) * 1e6 for k, v in samples.items()}
    # The median of each round's own ratio: the figure least moved by load that changes mid-run.
    paired = {
        side: round(median([s / b for s, b in zip(samples[f"sdk_{side}"], samples[f"bare_{side}"], strict=True)]), 4)
        for side in ("private", "public")
    }
    repeats = sizes.call_rounds
    note = f"median of {repeats} interleaved rounds of {sizes.calls_per_round} sequential calls per side; {method}"
    private = Figure(
        f"{name}.private",
        "us",
        us["sdk_private"],
        us["bare_private"],
        "bare httpx, hand-signed POST 2/money/info + json.loads",
        repeats,
        note + "; SDK: client.v2.info() with the default file nonce store",
        target=TARGET,
    )
    public = Figure(
        f"{name}.public",
        "us",
        us["sdk_public"],
        us["bare_public"],
        "bare httpx GET 2/BTCUSD/money/ticker + json.loads",
        repeats,
        note + "; SDK: client.v2.ticker(pair='BTCUSD')",
        target=TARGET,
    )
    memory = Figure(
        f"{name}.private_memory_nonce",
        "us",
        us["sdk_private_memory"],
        us["bare_private"],
        "bare httpx, hand-signed POST 2/money/info + json.loads",
        repeats,
        note + "; SDK with nonce_store='memory' (secondary)",
    )
    worst = max((private, public), key=lambda f: f.ratio or 0.0)
    headline = Figure(
        name,
        "us",
        worst.value,
        worst.baseline,
        f"max of private and public ({worst.name.rsplit('.', 1)[1]} is the larger)",
        repeats,
        note,
        target=TARGET,
        extra={
            "private_ratio": private.ratio,
            "public_ratio": public.ratio,
            "medians_us": {k: round(v, 1) for k, v in us.items()},
            "paired_round_ratio_median": paired,
            **extra,
        },
    )
    return [headline, private, public, memory]


def sdk_vs_httpx_sync(base: str, sizes: Sizes) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-nonces-") as tmp:
        sides, close = sync_sides(base, Path(tmp))
        try:
            n = sizes.calls_per_round
            for fn in sides.values():  # warm up: connections, lazy imports, caches
                per_call(fn, max(5, n // 10))
            batches = {k: partial(per_call, fn, n) for k, fn in sides.items()}
            samples = interleave(batches, sizes.call_rounds)
        finally:
            close()
    return _call_figures("sdk_vs_httpx_sync", samples, sizes, "mtgox.Client vs httpx.Client", {})


# -- async ---------------------------------------------------------------------------------------


async def _aper_call(fn: Callable[[], Awaitable[object]], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        await fn()
    return (time.perf_counter() - started) / n


async def _async_calls(base: str, sizes: Sizes, nonce_dir: Path) -> dict[str, list[float]]:
    api = base + "/api"
    signer = HandSigner()
    info_url = f"{api}/{pl.INFO_PATH}"
    ticker_url = f"{api}/{pl.TICKER_PATH}"
    async with (
        mtgox.AsyncClient(pl.KEY, pl.SECRET, base_url=api, rate_limit=None, nonce_store=str(nonce_dir)) as sdk,
        mtgox.AsyncClient(pl.KEY, pl.SECRET, base_url=api, rate_limit=None, nonce_store="memory") as sdk_mem,
        httpx.AsyncClient(timeout=SDK_TIMEOUT) as http,
    ):

        async def bare_private() -> object:
            body, headers = signer.request(pl.INFO_SIGNED_PATH)
            return _check(json.loads((await http.post(info_url, content=body, headers=headers)).content))

        async def bare_public() -> object:
            return _check(json.loads((await http.get(ticker_url)).content))

        v2, v2_mem = sdk.v2, sdk_mem.v2

        async def sdk_public() -> object:
            return await v2.ticker(pair="BTCUSD")

        sides: dict[str, Callable[[], Awaitable[object]]] = {
            "sdk_private": v2.info,
            "bare_private": bare_private,
            "sdk_public": sdk_public,
            "bare_public": bare_public,
            "sdk_private_memory": v2_mem.info,
        }
        n = sizes.calls_per_round
        for fn in sides.values():
            await _aper_call(fn, max(5, n // 10))
        batches = {k: partial(_aper_call, fn, n) for k, fn in sides.items()}
        return await ainterleave(batches, sizes.call_rounds)


def sdk_vs_httpx_async(base: str, sizes: Sizes) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-nonces-") as tmp:
        samples = asyncio.run(_async_calls(base, sizes, Path(tmp)))
    return _call_figures("sdk_vs_httpx_async", samples, sizes, "mtgox.AsyncClient vs httpx.AsyncClient", {})


# -- fan-out -------------------------------------------------------------------------------------


#: The pool both fan-out clients use. httpcore's pool rescans every queued request against every
#: connection (polling idle sockets) on each state change, so a 1,000-request gather costs more
#: per request than sequential calls, and the more so the bigger the pool: 10 connections is the
#: fastest size on loopback (about 2 s a batch here; 100 connections: 6-25 s, cold pools worst).
#: Kept alive across batches so every measured batch starts on a warm pool.
FANOUT_LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=10, keepalive_expiry=120.0)


async def _fanout(base: str, sizes: Sizes) -> dict[str, list[float]]:
    api = base + "/api"
    ticker_url = f"{api}/{pl.TICKER_PATH}"
    calls = sizes.fanout_calls
    async with (
        httpx.AsyncClient(timeout=SDK_TIMEOUT, limits=FANOUT_LIMITS) as sdk_http,
        mtgox.AsyncClient(base_url=api, rate_limit=None, http_client=sdk_http) as sdk,
        httpx.AsyncClient(timeout=SDK_TIMEOUT, limits=FANOUT_LIMITS) as http,
    ):
        v2 = sdk.v2

        async def bare_one() -> object:
            return _check(json.loads((await http.get(ticker_url)).content))

        async def sdk_batch() -> float:
            started = time.perf_counter()
            results = await asyncio.gather(*(v2.ticker(pair="BTCUSD") for _ in range(calls)))
            elapsed = time.perf_counter() - started
            assert len(results) == calls
            return elapsed

        async def bare_batch() -> float:
            started = time.perf_counter()
            results = await asyncio.gather(*(bare_one() for _ in range(calls)))
            elapsed = time.perf_counter() - started
            assert len(results) == calls
            return elapsed

        warm = {"sdk": await sdk_batch(), "bare": await bare_batch()}
        samples = await ainterleave({"sdk": sdk_batch, "bare": bare_batch}, sizes.fanout_rounds)
        samples["warmup"] = [warm["sdk"], warm["bare"]]
        return samples


def async_fanout_vs_httpx(base: str, sizes: Sizes) -> list[Figure]:
    samples = asyncio.run(_fanout(base, sizes))
    limits = FANOUT_LIMITS
    return [
        Figure(
            "async_fanout_vs_httpx",
            "ms",
            median(samples["sdk"]) * 1e3,
            median(samples["bare"]) * 1e3,
            f"bare httpx.AsyncClient, {sizes.fanout_calls} x (GET ticker + json.loads) gathered",
            sizes.fanout_rounds,
            f"{sizes.fanout_calls} concurrent v2.ticker calls in one asyncio.gather through one AsyncClient, "
            f"median of {sizes.fanout_rounds} interleaved batches per side after one warm-up batch each; both "
            f"on httpx pools of max_connections={limits.max_connections}, "
            f"max_keepalive={limits.max_keepalive_connections} (the SDK's passed as http_client=)",
            target=TARGET,
            extra={"samples_ms": {k: [round(x * 1e3, 1) for x in v] for k, v in samples.items()}},
        )
    ]
