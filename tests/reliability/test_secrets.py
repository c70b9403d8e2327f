"""The secret never leaks from a failing call, whatever the failure: not in logs at DEBUG (caplog, and
MTGOX_LOG=debug on stderr in a subprocess), reprs, messages, tracebacks (with the locals of every
frame), nor pickled errors. Searched for: the base64 secret and pieces of it, the raw HMAC key
bytes, their hex and their repr (`support.FORBIDDEN_TEXT`).

The tests keep the secret out of their own frames (it lives in `support`'s globals only), so the
locals captured below are the SDK's, httpx's and httpcore's.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

import mtgox
from mtgox_sandbox.fixture import Sandbox

from . import wire
from .support import KEY, REPO, SECRET, SECRET_BYTES, leaks, record
from .wire import Act, FaultServer


def renderings(error: BaseException) -> dict[str, str | bytes]:
    """Every way an error is commonly shown, stored or shipped."""
    out: dict[str, str | bytes] = {
        "str": str(error),
        "repr": repr(error),
        "vars": repr(vars(error)),
        "format_exception": "".join(traceback.format_exception(error)),
        "locals of every frame": "".join(
            traceback.TracebackException.from_exception(error, capture_locals=True).format()
        ),
    }
    try:
        pickled = pickle.dumps(error)
        out["pickle"] = pickled
        out["unpickled"] = repr(vars(pickle.loads(pickled)))  # noqa: S301 - our own bytes
    except Exception as exc:
        out["pickle"] = f"cannot be pickled: {exc}"
    return out


def assert_clean(what: str, text: str | bytes) -> None:
    found = leaks(text)
    assert found == [], f"{what}: the secret leaked ({found})"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


MADE: list[mtgox.Client] = []


def make(base_url: str, **options: Any) -> mtgox.Client:
    api = mtgox.Client(KEY, SECRET, base_url=base_url, rate_limit=None, nonce_store="memory", **options)
    api._transport.sleep = lambda seconds: None
    MADE.append(api)
    return api


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while MADE:
        MADE.pop().close()


def failing_calls(server: FaultServer, sandbox: Sandbox) -> dict[str, Callable[[], object]]:
    refused = f"http://127.0.0.1:{wire.free_port()}/api"
    nonce_error = {"result": "error", "error": "Invalid nonce", "token": "login_error_invalid_nonce"}
    return {
        "auth error (sandbox: unknown key)": lambda: make(sandbox.base_url).v2.info(),
        "nonce error after re-signing": lambda: (
            server.script(*[wire.answer(nonce_error, 403)] * 6),
            make(server.base_url).v1.info(),
        ),
        "timeout": lambda: (
            server.script(Act("slow", delay=1.0)),
            make(server.base_url, timeout=0.2, max_retries=0).v2.order_add(pair="BTCUSD", type="bid", amount=1),
        ),
        "connection refused": lambda: make(refused, max_retries=1).v0.get_funds(),
        "connection reset": lambda: (
            server.script(Act("reset_mid", body=b"{" * 500)),
            make(server.base_url).v2.order_cancel(oid="x"),
        ),
        "invalid response": lambda: (server.script(wire.html(502)), make(server.base_url, max_retries=0).v2.info()),
        "invalid request": lambda: make(server.base_url).v2.order_add(pair="BTCUSD", type="bid", amount=0.5),  # type: ignore[arg-type]
        "server error": lambda: (
            server.script(wire.answer({"result": "error", "error": "Down"}, 503)),
            make(server.base_url, max_retries=0).v2.idkey(),
        ),
    }


def test_no_failing_call_leaks_the_secret(
    server: FaultServer, shared_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mtgox")
    checked = 0
    for kind, call in failing_calls(server, shared_sandbox).items():
        try:
            call()
        except mtgox.MtGoxError as exc:
            for what, text in renderings(exc).items():
                assert_clean(f"{kind}: {what}", text)
                checked += 1
        else:
            pytest.fail(f"{kind}: the call did not fail")
    logged = caplog.text + "\n".join(repr(r.__dict__) for r in caplog.records)
    assert "request body:" in logged and "response body:" in logged, "DEBUG logging was on"
    assert_clean("the DEBUG log", logged)
    record("secrets: renderings searched (in process)", checked)


async def test_no_failing_async_call_leaks_the_secret(server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="mtgox")
    made: list[mtgox.AsyncClient] = []

    def make_async(**options: Any) -> mtgox.AsyncClient:
        api = mtgox.AsyncClient(KEY, SECRET, base_url=server.base_url, rate_limit=None, nonce_store="memory", **options)

        async def no_wait(seconds: float) -> None:
            return None

        api._transport.sleep = no_wait
        made.append(api)
        return api

    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "timeout": lambda: make_async(timeout=0.2, max_retries=0).v2.order_add(pair="BTCUSD", type="bid", amount=1),
        "reset": lambda: make_async().v2.order_cancel(oid="x"),
        "invalid response": lambda: make_async(max_retries=0).v2.info(),
    }
    server.script(Act("slow", delay=1.0), Act("reset_mid", body=b"{" * 500), wire.html(502))
    for kind, call in calls.items():
        with pytest.raises(mtgox.MtGoxError) as info:
            await call()
        for what, text in renderings(info.value).items():
            assert_clean(f"async {kind}: {what}", text)
    for api in made:
        await api.aclose()
    assert_clean("the DEBUG log", caplog.text)
    record("secrets: renderings searched (in process)", len(calls) * 6)


def test_reprs_of_clients_transports_and_namespaces(server: FaultServer) -> None:
    api = make(server.base_url)
    shown = [repr(api), str(api), repr(api._transport), repr(vars(api._transport)), repr(api.v2), repr(api.v1)]
    shown += [repr(api._transport.config), repr(api._transport.http_client), repr(vars(api))]
    for text in shown:
        assert_clean("a repr", text)
    with pytest.raises(TypeError):
        pickle.dumps(api)
    api.close()


def test_the_secret_never_reaches_stderr_with_mtgox_log_debug(server: FaultServer, shared_sandbox: Sandbox) -> None:
    server.script(Act("slow", delay=1.0), wire.html(502))
    env = dict(os.environ, MTGOX_API_KEY=KEY, MTGOX_API_SECRET=SECRET, MTGOX_LOG="debug")
    command = [
        sys.executable, "-m", "tests.reliability._worker", "secrets",
        "--fault-url", server.base_url,
        "--refused-url", f"http://127.0.0.1:{wire.free_port()}/api",
        "--sandbox-url", shared_sandbox.base_url,
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert results["auth"][0] == "AuthenticationError"
    assert results["timeout"][0] == "APITimeoutError"
    assert results["refused"][0] == "APIConnectionError"
    assert results["invalid response"][0] == "InvalidResponseError"
    assert results["invalid request"][0] == "InvalidRequestError"
    assert "DEBUG mtgox: request body:" in result.stderr, "MTGOX_LOG=debug installed its stderr handler"
    assert_clean("stderr with MTGOX_LOG=debug", result.stderr)
    assert_clean("the subprocess's renderings", result.stdout)
    record("secrets: renderings searched (MTGOX_LOG=debug subprocess)", sum(len(v) for v in results.values()))


def test_the_search_would_find_a_leak() -> None:
    """The forbidden forms are found when they are there (the search is not vacuous)."""
    assert leaks(f"x{SECRET}y") and leaks(SECRET_BYTES.hex()) and leaks(repr(SECRET_BYTES)) and leaks(SECRET_BYTES)
    assert leaks(pickle.dumps(SECRET)) and not leaks("nothing here")
