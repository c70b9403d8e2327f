"""Runtime hardening (issue 9 items 8, 10-14; issue 12 items 4, 7, 9): each test failed before its fix."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import respx

from mtgox_runtime import (
    APIError,
    AsyncClientBase,
    CatalogueInfo,
    ClientClosedError,
    ConfigurationError,
    FileNonceStore,
    InvalidRequestError,
    InvalidResponseError,
    Model,
    Money,
    MtGoxError,
    NonceStoreError,
    NotFoundError,
    ResponseEncodingError,
    ResponseTooLargeError,
    SyncClientBase,
    iter_pages,
)
from mtgox_runtime import _parse as p
from mtgox_runtime._auth import Credentials, Redacted
from mtgox_runtime._nonce import MAX_NONCE
from tests.runtime.support import (
    CATALOGUE,
    KEY,
    RUNTIME_DIR,
    SECRET,
    V1_HISTORY_CSV,
    V2_INFO,
    V2_TICKER,
    Client,
    MakeAsyncClient,
    MakeClient,
    VerifyingServer,
    identity,
    ok,
)

TICKER_URL = "https://mtgox.test/api/2/BTCUSD/money/ticker"


def _ticker(client: Client, **kwargs: Any) -> Any:
    return client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity, **kwargs)


# -- item 10: Decimal exponents are bounded ------------------------------------------------------


@pytest.mark.parametrize("text", ["1e999999999", "1E+41", "-1e999999999", "1e-999999999", "1E-41"])
def test_money_values_with_huge_exponents_are_refused(text: str) -> None:
    for raw in (text, Decimal(text)):
        with pytest.raises(p.ShapeError, match="exponent"):
            p.to_decimal(raw)
    started = time.monotonic()
    with pytest.raises(p.ShapeError):
        Money.from_wire({"value": Decimal(text), "value_int": "1", "currency": "USD"})
    assert time.monotonic() - started < 5  # formatting 1e999999999 would not end


@pytest.mark.parametrize("text", ["0.00000001", "21000000", "123456789012345678.12345678", "1e40", "1e-40"])
def test_ordinary_decimals_pass(text: str) -> None:
    assert p.to_decimal(text) == Decimal(text)


def test_a_huge_exponent_on_the_wire_is_an_invalid_response(
    make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    body = b'{"result":"success","data":{"value":1e999999999,"value_int":"1","currency":"USD"}}'
    respx_mock.get(TICKER_URL).mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(InvalidResponseError, match="exponent"):
        make_client(max_retries=0)._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], Money.from_wire)


# -- item 11: repr never raises, tracebacks with locals work -------------------------------------


class _Row(Model, kw_only=True):
    FIELDS: ClassVar[tuple[str, ...]] = ("amount", "when")

    amount: Money
    when: datetime


class _Unshowable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def test_repr_of_models_and_credentials_never_raises() -> None:
    """Models are msgspec Structs, built whole (no half-built one can exist); a value that cannot
    be shown, or a field that cannot be read, does not break a model's repr."""
    row = _Row(amount=Money(value=Decimal("1"), value_int=1, currency="USD"), when=_Unshowable())  # type: ignore[arg-type]
    assert repr(row) == (
        "_Row(amount=Money(value=Decimal('1'), value_int=1, currency='USD', display=None, display_short=None),"
        " when=<unrepresentable _Unshowable: RuntimeError>)"
    )

    class _Wider(_Row, kw_only=True):
        FIELDS: ClassVar[tuple[str, ...]] = ("amount", "when", "missing")

    assert "missing=<unset>" in repr(_Wider(amount=row.amount, when=datetime(2013, 4, 10, tzinfo=UTC)))
    assert repr(object.__new__(Credentials)) == "Credentials(key=None, secret=<redacted>)"


def test_a_traceback_with_locals_of_a_failed_parse() -> None:
    """A failed parse's traceback, locals included, formats (reprs of the frames' values do not raise)."""
    with pytest.raises(p.ShapeError) as info:
        Money.from_wire({"value": "1.5", "value_int": "not a number", "currency": "USD"})
    text = "".join(traceback.TracebackException.from_exception(info.value, capture_locals=True).format())
    assert "raw = {'value': '1.5', 'value_int': 'not a number', 'currency': 'USD'}" in text


def test_a_traceback_with_locals_of_a_bad_key() -> None:
    with pytest.raises(ConfigurationError) as info:
        Credentials("not-a-uuid", Redacted(SECRET))
    text = "".join(traceback.TracebackException.from_exception(info.value, capture_locals=True).format())
    assert "Credentials(key=None, secret=<redacted>)" in text and SECRET not in text


# -- item 12 and issue 12 item 7: nonce files ------------------------------------------------------


def test_a_nonce_file_past_int64_is_detected_with_a_way_out(tmp_path: Path, respx_mock: respx.MockRouter) -> None:
    store = FileNonceStore(tmp_path)
    store.path_for(KEY).write_bytes(b"%020d\n" % (MAX_NONCE - 1))
    assert store.next_nonce(KEY) == MAX_NONCE  # the last one the server takes
    with pytest.raises(NonceStoreError, match="2\\*\\*63-1") as info:
        store.next_nonce(KEY)
    assert "delete the file" in str(info.value) and "new API key" in str(info.value)
    assert isinstance(info.value, ConfigurationError)
    route = respx_mock.post("https://mtgox.test/api/2/money/info")
    with Client(KEY, SECRET, nonce_store=tmp_path, rate_limit=None) as client, pytest.raises(NonceStoreError):
        client._transport.call(V2_INFO, "money/info", [], identity)
    assert not route.called  # refused before anything was sent


def test_one_file_per_key(tmp_path: Path, make_client: MakeClient, server: VerifyingServer) -> None:
    """Each key kept a `.nonce` and a `.order` file for ever; the ordering lock is now on the nonce file."""
    client = make_client(base_url=server.base_url, nonce_store=tmp_path)
    for _ in range(3):
        client._transport.call(V2_INFO, "money/info", [], identity)
    assert [f.name for f in tmp_path.iterdir()] == [FileNonceStore(tmp_path).path_for(KEY).name]
    assert server.rejected == []


async def test_one_file_per_key_async(
    tmp_path: Path, make_async_client: MakeAsyncClient, server: VerifyingServer
) -> None:
    client = make_async_client(base_url=server.base_url, nonce_store=tmp_path)
    for _ in range(3):
        await client._transport.call(V2_INFO, "money/info", [], identity)
    assert len(list(tmp_path.iterdir())) == 1 and server.rejected == []


HOLDER = """
import sys
from mtgox_runtime import FileNonceStore
store = FileNonceStore(sys.argv[1])
print(store.hold(sys.argv[2], blocking=False), flush=True)
"""


def test_holding_the_order_excludes_other_processes_and_still_draws_nonces(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(RUNTIME_DIR), os.environ.get("PYTHONPATH", "")])}

    def other_can_hold() -> str:
        argv = [sys.executable, "-c", HOLDER, str(tmp_path), KEY]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=True).stdout.strip()

    store = FileNonceStore(tmp_path)
    assert store.hold(KEY)
    first = store.next_nonce(KEY)  # under the hold: no second lock, no deadlock
    assert other_can_hold() == "False"
    assert store.next_nonce(KEY) > first
    store.unhold(KEY)
    assert other_can_hold() == "True"


# -- item 14: a body that is not UTF-8 -------------------------------------------------------------


def test_a_body_that_is_not_utf8_is_named_and_not_retried(
    make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(TICKER_URL).mock(
        return_value=httpx.Response(200, content=b'{"result":"success","data":"caf\xe9"}')
    )
    with pytest.raises(ResponseEncodingError, match="not UTF-8") as info:
        _ticker(make_client(max_retries=2))
    assert isinstance(info.value, InvalidResponseError) and not info.value.transient
    assert route.call_count == 1 and info.value.attempts == 1


# -- issue 12 item 4: a 404 is a NotFoundError -----------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, json={"result": "error", "error": "Method not found", "token": "method_not_found"}),
        httpx.Response(404, content=b"<html>Not Found</html>", headers={"content-type": "text/html"}),
        httpx.Response(404, content=b""),
    ],
    ids=["json", "html", "empty"],
)
def test_a_404_is_a_not_found_error_with_a_base_url_hint_when_the_path_shows_it(
    response: httpx.Response, make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    """Under /api/2/ the base URL was right and the method is missing; without /api it was not."""
    route = respx_mock.get(TICKER_URL).mock(return_value=response)
    with pytest.raises(NotFoundError) as info:
        _ticker(make_client())
    assert isinstance(info.value, APIError) and info.value.status == 404
    assert "the server has no such method" in str(info.value) and "base_url" not in str(info.value)
    assert route.call_count == 1  # not retried
    for wrong, url in (
        ("https://mtgox.test", "https://mtgox.test/2/BTCUSD/money/ticker"),
        ("https://mtgox.test/api/api", "https://mtgox.test/api/api/2/BTCUSD/money/ticker"),
    ):
        respx_mock.get(url).mock(return_value=response)
        with pytest.raises(NotFoundError, match=r"check base_url; this version of the API lives under \.\.\./api/2/"):
            _ticker(make_client(base_url=wrong))


def test_a_404_from_a_csv_export_is_a_not_found_error(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/1/generic/wallet/history.csv").mock(
        return_value=httpx.Response(404, content=b"Not Found")
    )
    with pytest.raises(NotFoundError):
        make_client()._transport.call(V1_HISTORY_CSV, "generic/wallet/history.csv", [], identity)


# -- issue 12 item 9: to_dict/to_json, with_options, extra headers, pages, closed clients, docs ---


def test_to_dict_json_safe_and_to_json() -> None:
    row = _Row(
        amount=Money(value=Decimal("0.10000000"), value_int=10_000_000, currency="BTC"),
        when=datetime(2013, 4, 10, 12, 0, tzinfo=UTC),
        extra={"fee": Decimal("0.6"), "deep": [[{"x": Decimal("1e-8")}]]},
    )
    with pytest.raises(TypeError):
        json.dumps(row.to_dict())  # Decimal and datetime as such
    safe = row.to_dict(json_safe=True)
    assert json.loads(json.dumps(safe)) == safe
    assert safe["amount"]["value"] == "0.10000000" and safe["when"] == "2013-04-10T12:00:00+00:00"
    assert safe["extra"] == {"fee": "0.6", "deep": [[{"x": "1E-8"}]]}
    assert json.loads(row.to_json()) == safe
    assert row.to_json(sort_keys=True).startswith('{"amount"')


def test_with_options_copies_settings_not_credentials(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(TICKER_URL).mock(return_value=httpx.Response(200, json=ok(1)))
    client = make_client(timeout=30.0, default_headers={"X-A": "1"})
    copy = client.with_options(timeout=3.0, default_headers={"X-B": "2"})
    assert type(copy) is Client and copy is not client
    assert copy._transport.http_client is client._transport.http_client
    assert copy._transport.config.timeout.read == 3.0 and client._transport.config.timeout.read == 30.0
    assert copy._credentials is client._credentials
    _ticker(copy)
    sent = route.calls.last.request.headers
    assert sent["x-b"] == "2" and "x-a" not in sent
    for bad in ({"key": KEY}, {"secret": SECRET}, {"http_client": None}, {"verify": True}):
        with pytest.raises(ConfigurationError, match="with_options"):
            client.with_options(**bad)
    with pytest.raises(ConfigurationError, match="timeout"):
        client.with_options(timeout=-1)


def test_with_options_shares_the_rate_limit_unless_it_changes(make_client: MakeClient) -> None:
    from mtgox_runtime import RateLimit
    from mtgox_runtime._client import DEFAULT_RATE_LIMIT

    client = make_client(rate_limit=RateLimit())
    assert client.with_options(max_retries=0)._transport.rate_limiter is client._transport.rate_limiter
    assert client.with_options(rate_limit=None)._transport.rate_limiter is None
    other = client.with_options(rate_limit=RateLimit(burst=2))
    assert other._transport.rate_limiter is not None
    assert other._transport.rate_limiter is not client._transport.rate_limiter
    # The loopback default is no limit; a copy pointed elsewhere gets the default limit back.
    local = make_client(base_url="http://127.0.0.1:9/api", rate_limit=DEFAULT_RATE_LIMIT)
    assert local._transport.rate_limiter is None
    assert local.with_options(base_url="https://mtgox.test/api")._transport.rate_limiter is not None


@pytest.mark.parametrize("name", ["Rest-Key", "rest-sign", "Content-Length", "Host", "Content-Type"])
def test_extra_headers_cannot_touch_the_signature(
    name: str, make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.route()
    with pytest.raises(InvalidRequestError, match=name) as info:
        make_client()._transport.call(V2_INFO, "money/info", [], identity, extra_headers={name: "x"})
    assert info.value.param == "extra_headers" and not route.called


def test_extra_headers_on_a_signed_call_keep_the_signature_valid(
    make_client: MakeClient, server: VerifyingServer
) -> None:
    client = make_client(base_url=server.base_url)
    client._transport.call(V2_INFO, "money/info", [], identity, extra_headers={"User-Agent": "my-bot/1", "X-Id": "7"})
    assert server.rejected == []


def test_extra_headers_replace_defaults_and_skip_the_cache(
    make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(TICKER_URL).mock(return_value=httpx.Response(200, json=ok(1)))
    client = make_client(cache_ttl=60)
    _ticker(client)
    _ticker(client, extra_headers={"user-agent": "my-bot/1"})
    assert route.call_count == 2 and route.calls.last.request.headers.get_list("user-agent") == ["my-bot/1"]


class _Page:
    def __init__(self, current: int, last: int) -> None:
        self.current_page = current
        self.max_page = last


def test_iter_pages_stops_at_the_last_page_and_on_a_server_going_round() -> None:
    asked: list[int] = []

    def fetch(n: int) -> _Page:
        asked.append(n)
        return _Page(n, 4)

    assert [pg.current_page for pg in iter_pages(fetch)] == [1, 2, 3, 4] and asked == [1, 2, 3, 4]
    assert [pg.current_page for pg in iter_pages(fetch, first=3)] == [3, 4]
    with pytest.raises(InvalidResponseError, match="answered page 1"):
        list(iter_pages(lambda n: _Page(1, 9)))
    with pytest.raises(InvalidResponseError, match="more than 2 pages"):
        list(iter_pages(lambda n: _Page(n, 10**9), limit=2))
    assert [pg.max_page for pg in iter_pages(lambda n: _Page(n, 0))] == [0]  # an empty history


def test_a_closed_client_raises_a_mtgox_error(make_client: MakeClient) -> None:
    client = make_client()
    client.close()
    with pytest.raises(ClientClosedError) as info:
        _ticker(client)
    assert isinstance(info.value, MtGoxError) and not isinstance(info.value, RuntimeError)


async def test_a_closed_async_client_raises_a_mtgox_error(make_async_client: MakeAsyncClient) -> None:
    client = make_async_client()
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)


@pytest.mark.parametrize("cls", [SyncClientBase, AsyncClientBase])
def test_the_constructor_documents_every_option(cls: type) -> None:
    init = vars(cls)["__init__"]
    doc = inspect.getdoc(init) or ""
    names = [n for n in inspect.signature(init).parameters if n != "self"]
    assert len(names) == 14
    for name in names:
        assert f"\n    {name}: " in doc, name


# -- item 8 at the runtime level: a catalogue whose default base URL is defunct -----------------


def _defunct_catalogue() -> CatalogueInfo:
    from dataclasses import replace

    return replace(CATALOGUE, defunct="gone since 2014", sandbox_command="mtgox-sandbox serve")


def test_a_defunct_refusal_names_a_sandbox_command_only_when_the_package_has_one() -> None:
    from dataclasses import replace

    from mtgox_runtime._client import _defunct_refusal

    with_command = _defunct_refusal(_defunct_catalogue())
    assert "run `mtgox-sandbox serve` and use the base URL it prints" in with_command
    without = _defunct_refusal(replace(_defunct_catalogue(), sandbox_command=None))
    assert "for a local sandbox, use the base URL it prints" in without and "mtgox-sandbox" not in without


def test_a_defunct_default_refuses_every_call_until_a_base_url_is_given(
    respx_mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Defunct(Client):
        _catalogue = _defunct_catalogue()

    route = respx_mock.route(host="mtgox.test").mock(return_value=httpx.Response(200, json=ok(1)))
    with Defunct(KEY, SECRET, nonce_store="memory") as client:
        assert client.base_url == CATALOGUE.base_url  # constructing works: only calls refuse
        for endpoint, path in ((V2_TICKER, "BTCUSD/money/ticker"), (V2_INFO, "money/info")):
            with pytest.raises(ConfigurationError, match="mtgox-sandbox serve"):
                client._transport.call(endpoint, path, [], identity)
    assert not route.called
    with Defunct(base_url=CATALOGUE.base_url, rate_limit=None) as explicit:  # the user's own choice
        assert explicit._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity) == 1
    monkeypatch.setenv("MTGOX_BASE_URL", "https://elsewhere.test/api")
    respx_mock.get("https://elsewhere.test/api/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(200, json=ok(2))
    )
    with Defunct(rate_limit=None) as from_env:
        assert from_env._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity) == 2


# -- item 7 at the runtime level: answers that arrive already read --------------------------------


@pytest.mark.parametrize("size", [10, 10_000])
def test_an_in_memory_answer_is_used_as_read_and_still_capped(size: int) -> None:
    """httpx.MockTransport hands back responses whose body is already read: no stream to decode."""
    body = json.dumps(ok("x" * size)).encode()
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)))
    with Client(base_url="http://127.0.0.1:9/api", http_client=http, max_response_bytes=1000) as client:
        if size < 1000:
            assert _ticker(client) == "x" * size
        else:
            with pytest.raises(ResponseTooLargeError):
                _ticker(client)
    http.close()


@pytest.mark.parametrize("cls", [SyncClientBase, AsyncClientBase])
def test_every_setting_of_the_constructor_reaches_with_options(cls: type) -> None:
    """The constructor collects its settings from its locals by COPYABLE_OPTIONS: the two must agree."""
    from mtgox_runtime._client import COPYABLE_OPTIONS

    params = set(inspect.signature(vars(cls)["__init__"]).parameters)
    assert params - {"self", "key", "secret", "http_client", "verify"} == COPYABLE_OPTIONS
