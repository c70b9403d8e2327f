"""Client construction: credentials, base URL and TLS rules, headers, closing, the call() escape hatch."""

from __future__ import annotations

import base64
import pickle
import re
import ssl
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import certifi
import httpx
import pytest
import respx

from mtgox_runtime import (
    AsyncNamespace,
    ConfigurationError,
    FileNonceStore,
    InvalidRequestError,
    MemoryNonceStore,
    ServerError,
    SyncNamespace,
    sign,
)
from mtgox_runtime._client import PROCESS_NONCES
from mtgox_runtime._config import user_agent
from tests.runtime.support import (
    BASE,
    KEY,
    SECRET,
    V0_FUNDS,
    V2_INFO,
    V2_PUBLIC_POST,
    V2_TICKER,
    AsyncClient,
    Client,
    MakeAsyncClient,
    MakeClient,
    Sleeps,
    identity,
    ok,
)

# --- credentials ---------------------------------------------------------------------------------


def test_credentials_from_arguments_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with Client(KEY, SECRET) as client:
        assert client.key == KEY
    monkeypatch.setenv("MTGOX_API_KEY", KEY)
    monkeypatch.setenv("MTGOX_API_SECRET", SECRET)
    with Client() as client:
        assert client.key == KEY
    other = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    with Client(other) as client:  # the key from the argument, the secret from the environment
        assert client.key == other


@pytest.mark.parametrize(
    ("key", "secret", "message"),
    [
        ("not-a-uuid", SECRET, "must be a UUID"),
        ("0b3a1f2c4d5e4f608a7b9c0d1e2f3a4b", SECRET, "must be a UUID"),
        (KEY, "***not base64***", "not valid base64"),
        (KEY, base64.b64encode(b"k" * 32).decode(), "64 bytes, not 32"),
        (KEY, None, "without its secret"),
        (None, SECRET, "without its key"),
    ],
)
def test_bad_credentials(key: str | None, secret: str | None, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        Client(key, secret)
    if secret is not None and len(secret) > 8:
        assert secret not in str(info.value)


def test_half_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTGOX_API_SECRET", SECRET)
    with pytest.raises(ConfigurationError, match="MTGOX_API_KEY"):
        Client()


def test_no_credentials_public_calls_work_signed_calls_refused_before_sending(
    respx_mock: respx.MockRouter,
) -> None:
    public = respx_mock.get(f"{BASE}/2/BTCUSD/money/ticker").mock(return_value=httpx.Response(200, json=ok(1)))
    private = respx_mock.post(f"{BASE}/2/money/info").mock(return_value=httpx.Response(200, json=ok(1)))
    with Client(rate_limit=None) as client:
        assert client.key is None
        assert client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity) == 1
        with pytest.raises(ConfigurationError, match=r"needs an API key.*MTGOX_API_KEY"):
            client._transport.call(V2_INFO, "money/info", [], identity)
    assert public.call_count == 1 and private.call_count == 0


# --- base URL, TLS -------------------------------------------------------------------------------


def test_base_url_sources(monkeypatch: pytest.MonkeyPatch, respx_mock: respx.MockRouter) -> None:
    with Client() as client:
        assert client.base_url == BASE
    monkeypatch.setenv("MTGOX_BASE_URL", "https://env.example/api/")
    with Client() as client:
        assert client.base_url == "https://env.example/api"
    route = respx_mock.get("https://data.mtgox.com/api/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(200, json=ok(1))
    )
    with Client(base_url="https://data.mtgox.com/api/", rate_limit=None) as client:
        client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert route.called


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/api", "http://127.9.8.7/api", "http://[::1]:9000/api", "http://localhost:1/api", "http://LOCALHOST:1/api"],
)  # fmt: skip
def test_plain_http_on_loopback_is_allowed(url: str) -> None:
    with Client(base_url=url) as client:
        assert client.base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://data.mtgox.com/api",
        "http://10.0.0.1/api",
        "http://[2001:db8::1]/api",
        # Named like loopback, resolved wherever DNS says: only the literal addresses and `localhost` pass.
        "http://evil.localhost/api",
        "http://sandbox.localhost/api",
        "http://localhost.localdomain/api",
        "http://ip6-localhost/api",
        "http://notlocalhost/api",
        "http://localhost.evil.example/api",
        "http://127.0.0.1.evil.example/api",
    ],
)
def test_plain_http_elsewhere_needs_an_explicit_opt_in(url: str) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        Client(base_url=url)
    with Client(base_url=url, allow_insecure_http=True) as client:
        assert client.base_url == url


@pytest.mark.parametrize(
    "url", ["ftp://mtgox.test/api", "mtgox.test/api", "https://", "https://h/api?x=1", "https://u:p@h/api"]
)
def test_malformed_base_urls(url: str) -> None:
    with pytest.raises(ConfigurationError):
        Client(base_url=url)


def test_tls_verification_cannot_be_turned_off() -> None:
    with pytest.raises(ConfigurationError, match="cannot be turned off"):
        Client(verify=False)


def test_ca_bundle_path(tmp_path: Path) -> None:
    with Client(verify=certifi.where()) as client:
        assert client.base_url == BASE
    with pytest.raises(ConfigurationError, match="cannot load the CA bundle"):
        Client(verify=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigurationError, match="set TLS options on http_client"):
        Client(verify=certifi.where(), http_client=httpx.Client())


def test_a_verifying_ssl_context_is_accepted() -> None:
    from mtgox_runtime._config import ssl_context

    ctx = ssl.create_default_context()
    assert ssl_context(ctx) is ctx
    lax = ssl.create_default_context()
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    with pytest.raises(ConfigurationError):
        ssl_context(lax)


# --- other options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"timeout": 0},
        {"timeout": "10"},
        {"nonce_store": 42},
        {"nonce_store": ""},
        {"rate_limit": 5},
        {"http_client": httpx.AsyncClient()},
        {"default_headers": {"Rest-Sign": "forged"}},
    ],
)
def test_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Client(**options)


def test_timeouts() -> None:
    with Client() as client:
        assert client._transport.config.timeout == httpx.Timeout(30.0, connect=5.0)
    with Client(timeout=10) as client:
        assert client._transport.config.timeout == httpx.Timeout(10.0, connect=5.0)
    with Client(timeout=2.0) as client:
        assert client._transport.config.timeout == httpx.Timeout(2.0)


def test_nonce_store_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTGOX_NONCE_STORE", raising=False)  # the default, as a user without the setting has it
    with Client(nonce_store="memory") as client:
        assert client._transport.config.nonce_store is PROCESS_NONCES
    with Client(nonce_store=tmp_path) as client:
        store = client._transport.config.nonce_store
        assert isinstance(store, FileNonceStore) and store.directory == tmp_path
    mine = MemoryNonceStore()
    with Client(nonce_store=mine) as client:
        assert client._transport.config.nonce_store is mine
    with Client() as client:
        default = client._transport.config.nonce_store
        assert isinstance(default, FileNonceStore)
        assert default.directory == tmp_path / "xdg-cache" / "mtgox-sdk" / "nonces"


# --- headers -------------------------------------------------------------------------------------


def test_user_agent_and_default_headers(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/2/money/info").mock(return_value=httpx.Response(200, json=ok({})))
    client = make_client(default_headers={"X-App": "bot/1", "Accept": "application/json"})
    client._transport.call(V2_INFO, "money/info", [], identity)
    headers = route.calls.last.request.headers
    assert re.fullmatch(r"mtgox-sdk/\S+ python-httpx/\S+ Python/3\.\d+\.\d+\S*", headers["User-Agent"])
    assert headers["User-Agent"] == user_agent("mtgox-sdk")
    assert headers["X-App"] == "bot/1"
    assert headers["Accept"] == "application/json"
    assert headers["Rest-Key"] == KEY
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert len(headers["Rest-Sign"]) == 88


def test_public_calls_send_no_auth_headers(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(url__startswith=f"{BASE}/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(200, json=ok(1))
    )
    make_client()._transport.call(V2_TICKER, "BTCUSD/money/ticker", [("since", "123"), ("x", "a b")], identity)
    request = route.calls.last.request
    assert request.method == "GET"
    assert str(request.url) == f"{BASE}/2/BTCUSD/money/ticker?since=123&x=a+b"
    assert "Rest-Key" not in request.headers and "Rest-Sign" not in request.headers


def test_public_post_sends_a_form_without_auth(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/2/BTCUSD/money/order/quote").mock(return_value=httpx.Response(200, json=ok(1)))
    make_client()._transport.call(V2_PUBLIC_POST, "BTCUSD/money/order/quote", [("type", "bid")], identity)
    request = route.calls.last.request
    assert request.content == b"type=bid"
    assert "Rest-Sign" not in request.headers


def test_signed_body_and_signature(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/0/getFunds.php").mock(return_value=httpx.Response(200, json={}))
    make_client()._transport.call(V0_FUNDS, "getFunds.php", [("Currency", "USD"), ("q", "a&b")], identity)
    request = route.calls.last.request
    assert re.fullmatch(rb"Currency=USD&q=a%26b&nonce=\d{16}", request.content)
    assert request.headers["Rest-Sign"] == sign(SECRET, request.content)  # v0: the body alone


# --- injected clients and closing ----------------------------------------------------------------


def test_injected_client_is_used_and_not_closed(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/2/BTCUSD/money/ticker").mock(return_value=httpx.Response(200, json=ok(1)))
    mine = httpx.Client(headers={"X-Proxy-Token": "t", "User-Agent": "theirs"})
    with Client(http_client=mine, rate_limit=None) as client:
        assert client._transport.http_client is mine
        client._transport.call(V2_TICKER, "BTCUSD/money/ticker", [], identity)
    assert not mine.is_closed
    headers = route.calls.last.request.headers
    assert headers["X-Proxy-Token"] == "t"
    assert headers["User-Agent"].startswith("mtgox-sdk/")
    mine.close()


def test_own_client_is_closed() -> None:
    client = Client()
    with client:
        pass
    assert client._transport.http_client.is_closed


async def test_async_client_closing() -> None:
    mine = httpx.AsyncClient()
    async with AsyncClient(http_client=mine) as client:
        assert client._transport.http_client is mine
    assert not mine.is_closed
    await mine.aclose()
    own = AsyncClient()
    async with own:
        pass
    assert own._transport.http_client.is_closed


def test_clients_cannot_be_pickled() -> None:
    with Client(KEY, SECRET) as client, pytest.raises(TypeError):
        pickle.dumps(client)


def test_repr_shows_url_and_key_only() -> None:
    with Client(KEY, SECRET) as client:
        text = repr(client)
    assert text == f"Client(base_url='{BASE}', key='{KEY}')"
    with Client() as client:
        assert repr(client) == f"Client(base_url='{BASE}', key=None)"


# --- the call() escape hatch ---------------------------------------------------------------------


class V0(SyncNamespace):
    _version = 0


class V2(SyncNamespace):
    _version = 2


class AsyncV2(AsyncNamespace):
    _version = 2


def test_escape_hatch_signed_v2(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/2/BTCUSD/money/wallet/history").mock(
        return_value=httpx.Response(200, json=ok({"records": "3", "price": 1.5}))
    )
    ns = V2(make_client()._transport)
    assert repr(ns) == "<V2 API v2>"
    result = ns.call("/BTCUSD/money/wallet/history", currency="BTC", page=2, amount=Decimal("1E+1"), flag=True)
    assert result == {"records": "3", "price": Decimal("1.5")}
    request = route.calls.last.request
    form = parse_qs(request.content.decode())
    assert form["currency"] == ["BTC"] and form["page"] == ["2"] and form["amount"] == ["10"] and form["flag"] == ["1"]
    message = b"BTCUSD/money/wallet/history\0" + request.content
    assert request.headers["Rest-Sign"] == sign(SECRET, message)


def test_escape_hatch_signed_v0_signs_the_body(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/0/info.php").mock(return_value=httpx.Response(200, json={"Login": "x"}))
    assert V0(make_client()._transport).call("info.php") == {"Login": "x"}
    request = route.calls.last.request
    assert request.headers["Rest-Sign"] == sign(SECRET, request.content)


def test_escape_hatch_unsigned_get(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(url__startswith=f"{BASE}/2/BTCUSD/money/order/lag").mock(
        return_value=httpx.Response(200, json=ok({"lag": 0}))
    )
    assert V2(make_client()._transport).call("BTCUSD/money/order/lag", signed=False, raw=1) == {"lag": 0}
    request = route.calls.last.request
    assert request.method == "GET" and request.url.query == b"raw=1"
    assert "Rest-Sign" not in request.headers


def test_escape_hatch_is_not_idempotent(make_client: MakeClient, respx_mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = respx_mock.get(f"{BASE}/2/x").mock(
        side_effect=[httpx.ConnectError("no"), httpx.Response(503, json={}), httpx.Response(200, json=ok(1))]
    )
    with pytest.raises(ServerError):
        V2(make_client()._transport).call("x", signed=False)
    assert route.call_count == 2  # retried after the connect error only


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("", {}),
        ("https://evil.example/x", {}),
        ("a?b=1", {}),
        ("a/../b", {}),
        ("a b", {}),
        ("ok", {"amount": 1.5}),
        ("ok", {"amount": Decimal("NaN")}),
        ("ok", {"x": "a\x00b"}),
        ("ok", {"x": [1]}),
    ],
)
def test_escape_hatch_refuses_bad_input(path: str, params: dict[str, Any], make_client: MakeClient) -> None:
    with pytest.raises(InvalidRequestError):
        V2(make_client()._transport).call(path, **params)


async def test_async_escape_hatch(make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/2/money/info").mock(return_value=httpx.Response(200, json=ok({"a": 1})))
    assert await AsyncV2(make_async_client()._transport).call("money/info") == {"a": 1}
    request = route.calls.last.request
    assert request.headers["Rest-Sign"] == sign(SECRET, b"money/info\0" + request.content)


def test_per_call_timeout_through_the_escape_hatch(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/2/money/info").mock(return_value=httpx.Response(200, json=ok(1)))
    V2(make_client()._transport).call("money/info", timeout=3.0)
    assert route.calls.last.request.extensions["timeout"]["read"] == 3.0
    with pytest.raises(InvalidRequestError):
        V2(make_client()._transport).call("money/info", timeout=-1.0)


def test_unsendable_characters_are_an_invalid_request(make_client: MakeClient) -> None:
    with pytest.raises(InvalidRequestError, match="cannot be sent"):
        make_client()._transport.call(V2_INFO, "money/info", [("x", "\ud800")], identity)
    with pytest.raises(InvalidRequestError, match="cannot be sent"):
        make_client()._transport.call(V2_TICKER, "BTC\udcffUSD/money/ticker", [], identity)


def test_default_tls_context_verifies_and_is_shared() -> None:
    from mtgox_runtime._config import ssl_context

    ctx = ssl_context(True)
    assert ctx is ssl_context(True)  # loading the CA bundle once, not per client
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
