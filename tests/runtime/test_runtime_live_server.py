"""Against a real local server that verifies every signature and refuses any nonce that is not
larger than the last: many threads and asyncio tasks of one client, zero rejections."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from mtgox_runtime import AsyncNamespace, SyncNamespace
from tests.runtime.support import (
    KEY,
    SECRET,
    V1_INFO,
    V2_INFO,
    V2_ORDER_ADD,
    V2_TICKER,
    AsyncClient,
    Client,
    MakeAsyncClient,
    MakeClient,
    VerifyingServer,
    identity,
)


def _signed(client: Client, i: int) -> Any:
    if i % 2:
        return client._transport.call(V1_INFO, "generic/private/info", [("i", str(i))], identity)
    return client._transport.call(V2_INFO, "money/info", [("i", str(i)), ("note", "a b/c")], identity)


def test_threads_of_one_client_never_get_a_nonce_refused(
    make_client: MakeClient, server: VerifyingServer, tmp_path: Path
) -> None:
    client = make_client(base_url=server.base_url, nonce_store=tmp_path, max_retries=0)
    errors: list[BaseException] = []
    per_thread = 40

    def work(t: int) -> None:
        try:
            for i in range(per_thread):
                answer = _signed(client, t * 1000 + i)
                assert answer["params"]["i"] == str(t * 1000 + i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert server.rejected == []
    assert len(server.accepted) == 8 * per_thread
    assert server.accepted == sorted(set(server.accepted))  # the server saw them strictly increasing


async def test_tasks_of_one_async_client_never_get_a_nonce_refused(
    make_async_client: MakeAsyncClient, server: VerifyingServer
) -> None:
    client = make_async_client(base_url=server.base_url, max_retries=0)

    async def one(i: int) -> Any:
        if i % 2:
            return await client._transport.call(V1_INFO, "generic/private/info", [("i", str(i))], identity)
        return await client._transport.call(V2_INFO, "money/info", [("i", str(i))], identity)

    answers = await asyncio.gather(*(one(i) for i in range(200)))
    assert [a["params"]["i"] for a in answers] == [str(i) for i in range(200)]
    assert server.rejected == []
    assert server.accepted == sorted(set(server.accepted)) and len(server.accepted) == 200


def test_threads_and_event_loops_together(make_client: MakeClient, server: VerifyingServer) -> None:
    """Sync threads and an event loop in another thread share one key: the process's nonce
    order may interleave across the two kinds of lock, and a refusal is cured by re-signing."""
    sync_client = make_client(base_url=server.base_url)
    failures: list[BaseException] = []

    def sync_work() -> None:
        try:
            for i in range(30):
                _signed(sync_client, i)
        except BaseException as exc:
            failures.append(exc)

    async def async_work() -> None:
        try:
            async with AsyncClient(KEY, SECRET, base_url=server.base_url, rate_limit=None, nonce_store="memory") as c:
                await asyncio.gather(
                    *(c._transport.call(V2_INFO, "money/info", [("i", str(i))], identity) for i in range(60))
                )
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=sync_work) for _ in range(3)]
    threads.append(threading.Thread(target=lambda: asyncio.run(async_work())))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(server.accepted) == 150


async def test_tonce_mode_needs_no_ordering(make_async_client: MakeAsyncClient, server: VerifyingServer) -> None:
    client = make_async_client(base_url=server.base_url, use_tonce=True, max_retries=0)
    await asyncio.gather(*(client._transport.call(V2_INFO, "money/info", [], identity) for _ in range(100)))
    assert server.rejected == []
    assert len(set(server.accepted)) == 100


def test_a_refused_nonce_is_resigned_and_accepted(make_client: MakeClient, server: VerifyingServer) -> None:
    server.reject_next_nonces = 3
    client = make_client(base_url=server.base_url, max_retries=0)
    answer = client._transport.call(V2_ORDER_ADD, "BTCUSD/money/order/add", [("type", "bid")], identity)
    assert len(server.rejected) == 3
    assert server.accepted == [answer["nonce"]]


def test_public_and_escape_hatch_calls(make_client: MakeClient, server: VerifyingServer) -> None:
    class V2(SyncNamespace):
        _version = 2

    client = make_client(base_url=server.base_url)
    assert client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity) == {
        "last": {"value": "100.5", "currency": "USD"}
    }
    answer = V2(client._transport).call("BTCUSD/money/wallet/history", currency="BTC", note="x y")
    assert answer["params"] == {"currency": "BTC", "note": "x y", "nonce": str(answer["nonce"])}
    assert server.rejected == []


async def test_async_escape_hatch_against_the_server(
    make_async_client: MakeAsyncClient, server: VerifyingServer
) -> None:
    class AsyncV1(AsyncNamespace):
        _version = 1

    client = make_async_client(base_url=server.base_url)
    answers = await asyncio.gather(*(AsyncV1(client._transport).call("generic/private/info", n=i) for i in range(20)))
    assert sorted(int(a["params"]["n"]) for a in answers) == list(range(20))
    assert server.rejected == []
