"""Decompression and size limits on every way a body enters the client, over a real loopback socket.

Issue 9 item 7: a 1 MiB gzip bomb took the client to 2.3 GiB (1 GiB inflated, then copied). The
decoded body is now capped by `max_response_bytes` whatever the encoding (identity, gzip, deflate
with or without its zlib wrapper, a chain of them) and the framing (Content-Length or chunked),
for JSON answers and the CSV export alike, sync and async; past the cap the call raises
ResponseTooLargeError at once and is not retried (the server would send the same bytes).
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

import mtgox

from .support import KEY, SECRET, child_json, record
from .wire import Act, FaultServer

LIMIT = 64 * 1024
OPTIONS: dict[str, Any] = {"key": KEY, "secret": SECRET, "nonce_store": "memory", "max_retries": 2}


def encode(body: bytes, encoding: str) -> bytes:
    """`body` under one Content-Encoding value (a comma list is applied left to right)."""
    for coding in (c.strip() for c in encoding.split(",")):
        if coding == "gzip":
            packer = zlib.compressobj(6, zlib.DEFLATED, 31)
        elif coding == "deflate":  # RFC 9110's deflate: zlib-wrapped
            packer = zlib.compressobj(6, zlib.DEFLATED, 15)
        elif coding == "raw-deflate":  # what some servers send as deflate: no wrapper
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        else:
            continue
        body = packer.compress(body) + packer.flush()
    return body


ENCODINGS = ["identity", "gzip", "deflate", "raw-deflate", "gzip, gzip"]
FRAMINGS = ["answer", "chunked"]


def act(payload: bytes, encoding: str, framing: str) -> Act:
    wire_name = encoding.replace("raw-deflate", "deflate")
    headers = () if encoding == "identity" else (("Content-Encoding", wire_name),)
    return Act(framing, body=encode(payload, encoding), headers=headers)


def json_body(size: int) -> bytes:
    """A v2 success envelope of about `size` bytes."""
    return json.dumps({"result": "success", "data": {"pad": "x" * size}}).encode()


def call_public(base_url: str, is_async: bool, **options: Any) -> Any:
    """One public unsigned call through the escape hatch (its answer is the decoded JSON)."""
    if not is_async:
        with mtgox.Client(base_url=base_url, **OPTIONS, **options) as api:
            return api.v2.call("BTCUSD/money/pad", signed=False)

    async def run() -> Any:
        async with mtgox.AsyncClient(base_url=base_url, **OPTIONS, **options) as api:
            return await api.v2.call("BTCUSD/money/pad", signed=False)

    return asyncio.run(run())


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_body_under_the_cap_is_decoded(server: FaultServer, encoding: str, framing: str, is_async: bool) -> None:
    """The SDK decodes bodies itself now: every encoding and framing must still come out whole."""
    server.script(act(json_body(LIMIT // 2), encoding, framing))
    assert call_public(server.base_url, is_async, max_response_bytes=LIMIT) == {"pad": "x" * (LIMIT // 2)}
    record("bodies tried: under the cap", 1)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_body_past_the_cap_is_refused_and_not_retried(
    server: FaultServer, encoding: str, framing: str, is_async: bool
) -> None:
    server.default = act(json_body(LIMIT * 16), encoding, framing)  # every retry would get it again
    with pytest.raises(mtgox.ResponseTooLargeError, match="max_response_bytes=65536") as info:
        call_public(server.base_url, is_async, max_response_bytes=LIMIT)
    assert isinstance(info.value, mtgox.InvalidResponseError)
    assert server.count() == 1 and info.value.attempts == 1
    record("bodies tried: past the cap", 1)


def test_the_cap_is_on_the_decoded_size_not_the_wire_size(server: FaultServer) -> None:
    """A 20 KiB gzip body inflating to 20 MiB passes a 64 KiB wire check; it must not pass the cap."""
    bomb = encode(b"[" + b" " * (20 << 20) + b"]", "gzip")
    assert len(bomb) < LIMIT
    server.script(Act("answer", body=bomb, headers=(("Content-Encoding", "gzip"),)))
    with pytest.raises(mtgox.ResponseTooLargeError):
        call_public(server.base_url, False, max_response_bytes=LIMIT)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_csv_export_is_capped_too(server: FaultServer, is_async: bool) -> None:
    rows = b"Index,Date,Type,Info,Value,Balance\n" + b'1,2013-01-01 00:00:00,in,"x",1,1\n' * 40_000
    server.default = Act("chunked", body=encode(rows, "gzip"), headers=(("Content-Encoding", "gzip"),))

    async def export_async() -> None:
        async with mtgox.AsyncClient(base_url=server.base_url, **OPTIONS, max_response_bytes=LIMIT) as api:
            await api.v0.history_csv(currency="USD")

    def export() -> None:
        if is_async:
            asyncio.run(export_async())
            return
        with mtgox.Client(base_url=server.base_url, **OPTIONS, max_response_bytes=LIMIT) as api:
            api.v0.history_csv(currency="USD")

    with pytest.raises(mtgox.ResponseTooLargeError):
        export()
    assert server.count() == 1


@pytest.mark.parametrize(
    ("headers", "body", "says"),
    [
        ((("Content-Encoding", "br"),), b"\x1b\x00\x00", "did not ask for"),
        ((("Content-Encoding", "zstd"),), b"\x28\xb5\x2f\xfd", "did not ask for"),
        ((("Content-Encoding", "gzip"),), b"\x1f\x8b\x08\x00garbage-not-gzip", "corrupt"),
    ],
    ids=["br", "zstd", "corrupt gzip"],
)
def test_bodies_that_cannot_be_decoded_are_refused_once(
    server: FaultServer, headers: tuple[tuple[str, str], ...], body: bytes, says: str
) -> None:
    server.default = Act("answer", body=body, headers=headers)
    with pytest.raises(mtgox.InvalidResponseError, match=says):
        call_public(server.base_url, False)
    assert server.count() == 1


def test_an_identity_body_announcing_more_than_the_cap_is_refused(server: FaultServer) -> None:
    server.script(Act("answer", body=json_body(LIMIT)))
    with pytest.raises(mtgox.ResponseTooLargeError):
        call_public(server.base_url, False, max_response_bytes=LIMIT // 2)


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "64"])
def test_max_response_bytes_must_be_a_positive_int(value: object) -> None:
    with pytest.raises(mtgox.ConfigurationError, match="max_response_bytes"):
        mtgox.Client(base_url="http://127.0.0.1:1/api", max_response_bytes=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_gzip_bomb_leaves_memory_bounded(mode: str) -> None:
    """A 256 KiB bomb (256 MiB inflated) took the client past 600 MiB; with the default 64 MiB cap
    the whole process (interpreter, httpx, the server thread) stays near 110 MiB. The bound is
    generous (400 MiB) so that only the cap, not the machine, decides the outcome."""
    result = child_json("tests.reliability._bomb", "256", mode)
    assert result["error"] == "ResponseTooLargeError"
    peak_mib = result["maxrss_kib"] / 1024
    record(f"gzip bomb 256 KiB: client peak MiB ({mode})", round(peak_mib))
    assert peak_mib < 400, f"peak memory {peak_mib:.0f} MiB against a 256 KiB gzip bomb"
