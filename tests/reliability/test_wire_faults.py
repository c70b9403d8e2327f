"""Faults on the wire, with a real local server (`wire.FaultServer`): refused connections, resets
mid-response (RST), answers slower than the client waits, 5xx N times, a close after the headers.

Idempotent calls recover through retries (and report their attempts); calls that are not
idempotent never reach the server twice: one request, a typed error saying it was not retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import mtgox
from mtgox_catalogue import model as m

from ..generated.samples import sample_kwargs
from . import wire
from .support import ENDPOINTS, KEY, SECRET, method_of, no_asleep, no_sleep, record
from .wire import Act, FaultServer

pytestmark = pytest.mark.integration  # real servers and sockets on loopback

# Seconds the client waits; slow answers take SLOW. Since the timeout covers a whole attempt
# (connect, headers and body), 0.3 s failed sound recoveries on a loaded 2-core machine.
TIMEOUT = 0.8
SLOW = 3.0

FAULTS: dict[str, tuple[Act, type[mtgox.MtGoxError]]] = {
    "reset mid-response": (
        Act("reset_mid", body=b'{"result":"success","data":"' + b"x" * 2000 + b'"}'),
        mtgox.APIConnectionError,
    ),
    "reset before answering": (Act("reset_before"), mtgox.APIConnectionError),
    "close after headers": (Act("close_after_headers", body=b'{"result":"success"}'), mtgox.APIConnectionError),
    "slower than the timeout": (
        Act("slow", delay=SLOW, body=b'{"result":"success","data":"late"}'),
        mtgox.APITimeoutError,
    ),
    "502 html": (wire.html(502), mtgox.InvalidResponseError),
    "503 json error": (wire.answer({"result": "error", "error": "Service unavailable"}, 503), mtgox.ServerError),
    "500 mysql": (Act("answer", 500, b"MySQL error, please retry later"), mtgox.InvalidResponseError),
}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


def make_client(base_url: str, **options: object) -> mtgox.Client:
    api = mtgox.Client(
        KEY,
        SECRET,
        base_url=base_url,
        nonce_store="memory",
        rate_limit=None,
        timeout=TIMEOUT,
        **options,  # type: ignore[arg-type]
    )
    api._transport.sleep = no_sleep
    return api


def make_async_client(base_url: str, **options: object) -> mtgox.AsyncClient:
    api = mtgox.AsyncClient(
        KEY,
        SECRET,
        base_url=base_url,
        nonce_store="memory",
        rate_limit=None,
        timeout=TIMEOUT,
        **options,  # type: ignore[arg-type]
    )
    api._transport.sleep = no_asleep
    return api


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_an_idempotent_call_recovers_from_each_fault(server: FaultServer, fault: str) -> None:
    server.script(FAULTS[fault][0])
    with make_client(server.base_url, max_retries=2) as api:
        raw = api.v2.with_raw_response.idkey()
    assert raw.parsed == "ok" and raw.attempts == 2
    assert server.count("/api/2/money/idkey") == 2
    record("wire faults: idempotent recoveries", 1)


def test_an_idempotent_call_recovers_from_every_fault_in_a_row(server: FaultServer) -> None:
    server.script(*(act for act, _ in FAULTS.values()))
    with make_client(server.base_url, max_retries=len(FAULTS)) as api:
        raw = api.v2.with_raw_response.idkey()
    assert raw.parsed == "ok" and raw.attempts == len(FAULTS) + 1
    assert server.count("/api/2/money/idkey") == len(FAULTS) + 1
    record("wire faults: idempotent recoveries", 1)


async def test_an_async_idempotent_call_recovers_from_every_fault_in_a_row(server: FaultServer) -> None:
    server.script(*(act for act, _ in FAULTS.values()))
    async with make_async_client(server.base_url, max_retries=len(FAULTS)) as api:
        raw = await api.v2.with_raw_response.idkey()
    assert raw.parsed == "ok" and raw.attempts == len(FAULTS) + 1
    record("wire faults: idempotent recoveries", 1)


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_a_non_idempotent_call_never_runs_twice(server: FaultServer, fault: str) -> None:
    act, error = FAULTS[fault]
    server.script(act)
    with make_client(server.base_url, max_retries=5) as api, pytest.raises(error) as info:
        api.v2.order_add(pair="BTCUSD", type="bid", amount=1, price=100)
    assert info.value.attempts == 1
    assert server.count("/money/order/add") == 1, "a request that may have been acted on was sent again"
    assert "v2.order_add" in str(info.value)
    if isinstance(info.value, mtgox.TransportError):
        assert "not retried" in str(info.value) and "not idempotent" in str(info.value)
    record("wire faults: non-idempotent calls sent once", 1)


@pytest.mark.parametrize("fault", ["reset mid-response", "slower than the timeout", "503 json error"])
async def test_an_async_non_idempotent_call_never_runs_twice(server: FaultServer, fault: str) -> None:
    act, error = FAULTS[fault]
    server.script(act)
    async with make_async_client(server.base_url, max_retries=5) as api:
        with pytest.raises(error) as info:
            await api.v2.order_cancel(oid="abc")
    assert info.value.attempts == 1 and server.count("/money/order/cancel") == 1
    record("wire faults: non-idempotent calls sent once", 1)


def test_five_hundreds_n_times_then_success(server: FaultServer) -> None:
    server.script(*[wire.answer({"result": "error", "error": "Busy"}, 503)] * 3)
    with make_client(server.base_url, max_retries=3) as api:
        assert api.v2.with_raw_response.idkey().attempts == 4
    server.script(*[wire.html(502)] * 3)
    with make_client(server.base_url, max_retries=2) as api, pytest.raises(mtgox.InvalidResponseError) as info:
        api.v2.idkey()
    assert info.value.attempts == 3 and info.value.status == 502
    assert server.count("/money/idkey") == 4 + 3
    record("wire faults: idempotent recoveries", 1)


def test_connection_refused_is_retried_for_every_call_then_raised() -> None:
    port = wire.free_port()
    with make_client(f"http://127.0.0.1:{port}/api", max_retries=2) as api:
        calls: list[Callable[[], object]] = [
            lambda: api.v2.idkey(),
            lambda: api.v2.order_add(pair="BTCUSD", type="ask", amount=1),
        ]
        for call in calls:
            with pytest.raises(mtgox.APIConnectionError) as info:
                call()
            assert info.value.attempts == 3 and "could not connect" in str(info.value)
    record("wire faults: refused connections", 2)


def test_a_refused_order_is_sent_once_the_server_is_up() -> None:
    """Connection refused: surely not sent, so even order_add is retried, and it lands exactly once."""
    port = wire.free_port()
    started: list[FaultServer] = []

    def start_server(seconds: float) -> None:
        if not started:
            started.append(FaultServer(port=port).__enter__())

    api = make_client(f"http://127.0.0.1:{port}/api", max_retries=2)
    api._transport.sleep = start_server
    try:
        raw = api.v2.with_raw_response.order_add(pair="BTCUSD", type="bid", amount=1, price=100)
    finally:
        api.close()
        for s in started:
            s.__exit__(None, None, None)
    assert raw.parsed == "ok" and raw.attempts == 2
    assert started[0].count("/money/order/add") == 1
    record("wire faults: refused connections", 1)


def test_a_slow_answer_times_out_per_attempt_and_the_idempotent_call_retries(server: FaultServer) -> None:
    server.script(Act("slow", delay=SLOW), Act("slow", delay=SLOW))
    with make_client(server.base_url, max_retries=2) as api:
        raw = api.v2.with_raw_response.idkey()
    assert raw.attempts == 3
    server.script(Act("slow", delay=SLOW))
    with make_client(server.base_url, max_retries=0) as api, pytest.raises(mtgox.APITimeoutError) as info:
        api.v2.idkey(timeout=0.2)
    assert "no answer in time" in str(info.value)
    record("wire faults: timeouts", 2)


@pytest.mark.parametrize("timeout", [float("inf"), 1e300, 10**400], ids=["inf", "1e300", "huge int"])
def test_an_unbounded_timeout_is_refused(server: FaultServer, timeout: float) -> None:
    """Regression (fixed in de83756): inf, 1e300 or a huge int crashed the sync call with a raw OverflowError."""
    with make_client(server.base_url, max_retries=0) as api, pytest.raises(mtgox.InvalidRequestError) as info:
        api.v2.idkey(timeout=timeout)
    assert info.value.param == "timeout"
    with pytest.raises(mtgox.ConfigurationError):
        mtgox.Client(KEY, SECRET, base_url=server.base_url, timeout=timeout)


NOT_IDEMPOTENT_PUBLIC_GETS = [e for e in ENDPOINTS if not e.signed and e.http_method == "GET" and not e.idempotent]


def test_the_catalogue_has_a_public_get_that_is_not_idempotent() -> None:
    assert [e.key for e in NOT_IDEMPOTENT_PUBLIC_GETS] == ["v2.bitcoin_null"]


@pytest.mark.parametrize("e", NOT_IDEMPOTENT_PUBLIC_GETS, ids=[e.key for e in NOT_IDEMPOTENT_PUBLIC_GETS])
def test_a_call_that_is_not_idempotent_is_never_served_from_the_cache(server: FaultServer, e: m.Endpoint) -> None:
    """Regression (fixed in de83756): with cache_ttl, v2.bitcoin_null ('each call makes a new address') was
    answered from the cache: the second call sent nothing and returned the first address again."""
    server.default = wire.answer({"result": "success", "data": {"addr": "1NewAddress"}})
    with make_client(server.base_url, cache_ttl=60) as api:
        method_of(api, e)(**sample_kwargs(e))
        method_of(api, e)(**sample_kwargs(e))
    assert server.count() == 2


def test_a_trickling_answer_is_cut_off_at_the_timeout(server: FaultServer) -> None:
    """Regression (fixed in 4f6c604): the timeout was per read, so a server trickling its answer a byte at a
    time held a call with timeout=0.3 for as long as it liked."""
    server.script(Act("trickle", delay=0.1, body=b'{"result":"success","data":"ok"}'))
    started = time.monotonic()
    with make_client(server.base_url, max_retries=0) as api, pytest.raises(mtgox.APITimeoutError):
        api.v2.idkey(timeout=TIMEOUT)
    assert time.monotonic() - started < 3 * TIMEOUT


async def test_a_trickling_answer_is_cut_off_at_the_timeout_async(server: FaultServer) -> None:
    server.script(Act("trickle", delay=0.1, body=b'{"result":"success","data":"ok"}'))
    started = time.monotonic()
    async with make_async_client(server.base_url, max_retries=0) as api:
        with pytest.raises(mtgox.APITimeoutError):
            await api.v2.idkey(timeout=TIMEOUT)
    assert time.monotonic() - started < 3 * TIMEOUT


@pytest.mark.parametrize("store", ["memory", "file"])
async def test_a_cancelled_call_does_not_keep_the_keys_order(server: FaultServer, store: str, tmp_path: Path) -> None:
    """A signed call holds the key's order from its nonce to its answer; cancelled meanwhile, it lets go."""
    nonce_store = "memory" if store == "memory" else str(tmp_path / "nonces")
    server.script(Act("slow", delay=SLOW))
    async with mtgox.AsyncClient(
        KEY, SECRET, base_url=server.base_url, nonce_store=nonce_store, rate_limit=None, timeout=5
    ) as api:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(api.v2.idkey(), 0.1)
        started = time.monotonic()
        assert await asyncio.wait_for(api.v2.idkey(), 2) == "ok"
        assert time.monotonic() - started < 1
    with mtgox.Client(KEY, SECRET, base_url=server.base_url, nonce_store=nonce_store, rate_limit=None) as sync_api:
        assert sync_api.v2.idkey() == "ok"  # and a sync client of the same key is not blocked either
    record("wire faults: cancelled calls", 1)


# ~70 bytes of status line and headers at 0.05 s a byte: 3.5 s, well past 3 x TIMEOUT.
TRICKLED_HEADERS = Act("trickle_headers", delay=0.05, body=b'{"result":"success","data":"ok"}')


def test_trickled_headers_are_cut_off_at_the_timeout(server: FaultServer) -> None:
    """Regression: the sync driver checked its deadline only between body chunks, so a status line
    and headers trickled a byte at a time held a call for as long as they took (timeout=0.3: 1.46 s;
    the issue saw 9.5 s for 0.5 s); `_deadline.DeadlineBackend` clamps each socket operation to the budget."""
    server.script(TRICKLED_HEADERS)
    started = time.monotonic()
    with make_client(server.base_url, max_retries=0) as api, pytest.raises(mtgox.APITimeoutError):
        api.v2.idkey(timeout=TIMEOUT)
    assert time.monotonic() - started < 3 * TIMEOUT


async def test_trickled_headers_are_cut_off_at_the_timeout_async(server: FaultServer) -> None:
    server.script(TRICKLED_HEADERS)
    started = time.monotonic()
    async with make_async_client(server.base_url, max_retries=0) as api:
        with pytest.raises(mtgox.APITimeoutError):
            await api.v2.idkey(timeout=TIMEOUT)
    assert time.monotonic() - started < 3 * TIMEOUT


def test_trickled_headers_are_cut_off_with_an_injected_http_client(server: FaultServer) -> None:
    """The clamp goes under an injected httpx.Client's default transport too; it acts only during SDK calls."""
    server.script(TRICKLED_HEADERS)
    with httpx.Client() as http:
        started = time.monotonic()
        with make_client(server.base_url, max_retries=0, http_client=http) as api, pytest.raises(mtgox.APITimeoutError):
            api.v2.idkey(timeout=TIMEOUT)
        assert time.monotonic() - started < 3 * TIMEOUT
        assert http.get(f"{server.base_url}/2/money/idkey", timeout=5).json() == {"result": "success", "data": "ok"}
