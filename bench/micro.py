"""In-process micro-benchmarks: building and signing one private request; parsing a full book.

`sign_us` drives the SDK's own call flow (`CallFlow.run`, shared by the sync and async
transports) up to the `httpx.Request` it hands the driver: body with a fresh nonce from the
default file nonce store, Rest-Sign, headers, the request object. Nothing is sent. Beside it,
raw `hmac.new(...).digest()` + `base64.b64encode` of the same message, and each step alone.

`fulldepth_parse_vs_json` calls `client.v2.depth_full(pair="BTCUSD")` on a client whose
httpx transport is an in-memory `httpx.MockTransport` answering the 50,000-order body, so the
measured path is the SDK's real one (the body's bytes into `Depth` in one pass, envelope
included, every value exact and checked) minus the socket; the baseline is `json.loads` alone
of the same bytes. Its components add the checked path (`json.loads` with `parse_float=Decimal`,
then `Depth.from_wire`), which an answer the one pass refuses takes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import httpx

import mtgox
from mtgox import _endpoints, types
from mtgox_runtime import FileNonceStore, MemoryNonceStore
from mtgox_runtime._call_flow import CallFlow

from . import payloads as pl
from .harness import Figure, Sizes, interleave, median

SIGN_AIM_US = 5.0
PARSE_TARGET = 1.0


def flow_request(transport: CallFlow) -> httpx.Request:
    """Run the signed v2 `money/info` flow up to the request it would send, then abandon it."""
    flow = transport.run(_endpoints.V2_INFO, "money/info", (), types.Info.from_wire, None)
    try:
        command = next(flow)
        while not isinstance(command, httpx.Request):  # LockRequest: the driver takes the lock
            command = flow.send(None)
        return command
    finally:
        flow.close()


def _loop_us(fn: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def sign_us(sizes: Sizes) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-nonces-") as tmp:
        api = "http://127.0.0.1:9/api"
        file_client = mtgox.Client(pl.KEY, pl.SECRET, base_url=api, rate_limit=None, nonce_store=tmp)
        memory_client = mtgox.Client(pl.KEY, pl.SECRET, base_url=api, rate_limit=None, nonce_store="memory")
        file_transport = file_client._transport
        memory_transport = memory_client._transport
        creds = file_client._credentials
        assert creds is not None
        file_store = FileNonceStore(tmp)
        memory_store = MemoryNonceStore()
        message = pl.INFO_SIGNED_PATH + b"\0nonce=1365444563657991"
        body = b"nonce=1365444563657991"
        headers = {"Rest-Key": pl.KEY, "Rest-Sign": "x" * 88, "Content-Type": pl.FORM}
        url = httpx.URL(api + "/2/money/info")
        secret = pl.SECRET_BYTES

        def raw() -> object:
            return base64.b64encode(hmac.new(secret, message, hashlib.sha512).digest())

        sides: dict[str, Callable[[], object]] = {
            "sdk_flow_file": lambda: flow_request(file_transport),
            "raw_hmac_base64": raw,
            "sdk_flow_memory": lambda: flow_request(memory_transport),
            "credentials_sign_path_body": lambda: creds.sign_path_body(pl.INFO_SIGNED_PATH, body),
            "nonce_file_store": lambda: file_store.next_nonce(pl.KEY),
            "nonce_memory_store": lambda: memory_store.next_nonce(pl.KEY),
            "httpx_request_object": lambda: httpx.Request("POST", url, content=body, headers=headers),
        }
        n = sizes.sign_loops
        for fn in sides.values():
            _loop_us(fn, max(10, n // 10))
        samples = interleave({k: partial(_loop_us, fn, n) for k, fn in sides.items()}, sizes.sign_rounds)
        file_client.close()
        memory_client.close()
        file_store.close()
    us = {k: median(v) for k, v in samples.items()}
    return [
        Figure(
            "sign_us",
            "us",
            us["sdk_flow_file"],
            us["raw_hmac_base64"],
            "hmac.new(secret, msg, sha512).digest() + base64.b64encode, alone",
            sizes.sign_rounds,
            f"SDK call flow (CallFlow.run) from entry to the signed httpx.Request for v2 money/info, "
            f"default file nonce store; median of {sizes.sign_rounds} interleaved rounds of {n} loops",
            target=SIGN_AIM_US,
            target_on="value",
            extra={"components_us": {k: round(v, 2) for k, v in us.items()}},
        ),
        Figure(
            "sign_us.memory_nonce",
            "us",
            us["sdk_flow_memory"],
            us["raw_hmac_base64"],
            "hmac.new(secret, msg, sha512).digest() + base64.b64encode, alone",
            sizes.sign_rounds,
            "as sign_us, with nonce_store='memory' (secondary)",
        ),
    ]


# -- full depth ----------------------------------------------------------------------------------


def depth_client(body: bytes) -> mtgox.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return mtgox.Client(base_url="http://127.0.0.1:9/api", rate_limit=None, http_client=http)


def fulldepth_parse_vs_json(sizes: Sizes) -> list[Figure]:
    body = pl.depth_body(sizes.depth_orders)
    client = depth_client(body)
    v2 = client.v2
    decoded: Any = json.loads(body, parse_float=Decimal)["data"]

    def timed(fn: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            fn()
            return time.perf_counter() - started

        return run

    def sdk() -> object:
        depth = v2.depth_full(pair="BTCUSD")
        assert len(depth.asks) + len(depth.bids) == sizes.depth_orders
        return depth

    sides = {
        "sdk": timed(sdk),
        "json_loads": timed(lambda: json.loads(body)),
        "json_loads_decimal": timed(lambda: json.loads(body, parse_float=Decimal)),
        "from_wire_only": timed(lambda: types.Depth.from_wire(decoded)),
    }
    for side in sides.values():
        side()
    samples = interleave(sides, sizes.depth_rounds)
    client.close()
    ms = {k: median(v) * 1e3 for k, v in samples.items()}
    return [
        Figure(
            "fulldepth_parse_vs_json",
            "ms",
            ms["sdk"],
            ms["json_loads"],
            "json.loads(body) alone",
            sizes.depth_rounds,
            f"client.v2.depth_full() over an in-memory httpx.MockTransport answering a {len(body):,}-byte "
            f"v2 book of {sizes.depth_orders:,} orders (one pass from the bytes, envelope included); "
            f"median of {sizes.depth_rounds} interleaved rounds",
            target=PARSE_TARGET,
            extra={"components_ms": {k: round(v, 2) for k, v in ms.items()}, "body_bytes": len(body)},
        )
    ]
