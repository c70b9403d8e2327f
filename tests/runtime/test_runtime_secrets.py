"""The secret never shows: not in reprs, errors, tracebacks (even with locals), logs or object graphs."""

from __future__ import annotations

import base64
import gc
import logging
import traceback
import types
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from mtgox_runtime import ConfigurationError, MtGoxError
from mtgox_runtime import _logging as rt_logging
from mtgox_runtime._auth import Credentials, Redacted
from tests.runtime.support import (
    BASE,
    KEY,
    SECRET,
    SECRET_BYTES,
    V2_INFO,
    V2_TICKER,
    Client,
    MakeClient,
    err,
    identity,
    ok,
)

FORBIDDEN = [SECRET, SECRET[:24], SECRET_BYTES.hex(), repr(SECRET_BYTES)[2:30]]


def _assert_clean(text: str) -> None:
    for needle in FORBIDDEN:
        assert needle not in text


def _failing_call(client: Client, respx_mock: respx.MockRouter) -> MtGoxError:
    respx_mock.post(f"{BASE}/2/money/info").mock(
        side_effect=[
            httpx.Response(503, json=err("down")),
            httpx.Response(403, json=err("Identification required to access private API", "login_error_invalid_rest_sign")),
        ]
    )  # fmt: skip
    with pytest.raises(MtGoxError) as info:
        client._transport.call(V2_INFO, "money/info", [("amount_int", "100")], identity)
    return info.value


def test_secret_not_in_reprs() -> None:
    with Client(KEY, SECRET) as client:
        _assert_clean(repr(client) + str(client) + repr(client._transport.config) + repr(vars(client)))
        assert repr(Credentials(KEY, SECRET)) == f"Credentials(key='{KEY}', secret=<redacted>)"
        assert repr(Redacted(SECRET)) == "<redacted>" and str(Redacted(SECRET)) == "<redacted>"


# Functions lead to module globals (this test module's SECRET among them): not client state.
_NOT_STATE = (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType, types.CodeType)


def _runtime_frames(error: BaseException) -> str:
    """The traceback of `error` with each runtime frame's locals (the tests' own frames left out)."""
    summary = traceback.TracebackException.from_exception(error, capture_locals=True)
    frames = [f for f in summary.stack if "mtgox_runtime" in f.filename]
    assert frames, "the error should come from runtime code"
    stack = traceback.StackSummary.from_list(frames)
    return "".join(stack.format()) + "".join(summary.format_exception_only())


def test_secret_not_reachable_from_the_client() -> None:
    """Walk every Python object reachable from a client: no str or bytes holds the secret."""
    client = Client(KEY, SECRET)
    seen: set[int] = set()
    stack: list[Any] = [client]
    found: list[str] = []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _NOT_STATE):
            continue
        seen.add(id(obj))
        if isinstance(obj, str | bytes | bytearray):
            data = obj.encode("utf-8", "surrogatepass") if isinstance(obj, str) else bytes(obj)
            if SECRET.encode() in data or SECRET_BYTES in data:
                found.append(repr(obj)[:20])
            continue
        stack.extend(gc.get_referents(obj))
    client.close()
    assert found == []
    assert len(seen) > 50  # the walk did reach the client's insides


def test_secret_not_in_errors_logs_or_tracebacks(
    make_client: MakeClient, respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mtgox")
    error = _failing_call(make_client(), respx_mock)
    _assert_clean(_runtime_frames(error) + str(error) + repr(error))
    sent = respx_mock.calls.last.request
    logged = "\n".join(record.getMessage() for record in caplog.records)
    _assert_clean(logged)
    assert sent.headers["Rest-Sign"] not in logged
    assert KEY not in logged  # Rest-Key is not logged either
    # what the log does say: method, URL, status, elapsed time, attempt; the body at DEBUG
    assert "POST https://mtgox.test/api/2/money/info -> 503" in logged
    assert "(attempt 2)" in logged and " ms " in logged
    assert "amount_int=100&nonce=" in logged
    assert "retrying in" in logged


def test_info_logging_shows_no_bodies(
    make_client: MakeClient, respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mtgox")
    _failing_call(make_client(), respx_mock)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "-> 403" in logged
    assert "amount_int" not in logged and "body" not in logged


def test_secret_not_in_construction_tracebacks() -> None:
    bad = base64.b64encode(SECRET_BYTES[:63]).decode()  # a real secret with its last byte cut off
    with pytest.raises(ConfigurationError) as info:
        Client(KEY, bad)
    text = _runtime_frames(info.value)
    assert "secret" in text  # the frames of the secret's checks are there
    assert bad not in text and bad[:24] not in text
    assert SECRET_BYTES[:63].hex() not in text and repr(SECRET_BYTES[:20])[2:-1] not in text
    assert "64 bytes, not 63" in text


@pytest.fixture
def fresh_log_setup() -> Iterator[None]:
    logger = logging.getLogger("mtgox")
    handlers, level = list(logger.handlers), logger.level
    rt_logging._installed = False
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    rt_logging._installed = False


@pytest.mark.usefixtures("fresh_log_setup")
def test_mtgox_log_env_installs_a_stderr_handler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], respx_mock: respx.MockRouter
) -> None:
    monkeypatch.setenv("MTGOX_LOG", "debug")
    respx_mock.get(f"{BASE}/2/BTCUSD/money/ticker").mock(return_value=httpx.Response(200, json=ok({"p": 1})))
    with Client(KEY, SECRET, rate_limit=None) as client:
        client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    with Client(rate_limit=None):
        pass  # a second client installs no second handler
    stderr = capsys.readouterr().err
    assert "GET https://mtgox.test/api/2/BTCUSD/money/ticker -> 200" in stderr
    assert 'response body: {"result"' in stderr
    assert stderr.count("-> 200") == 1
    _assert_clean(stderr)
    assert logging.getLogger("mtgox").level == logging.DEBUG


@pytest.mark.usefixtures("fresh_log_setup")
def test_no_env_no_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("mtgox")
    before = list(logger.handlers)
    with Client():
        pass
    assert logger.handlers == before
