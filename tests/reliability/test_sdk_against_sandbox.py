"""What a user meets first, end to end over loopback against the sandbox and scripted servers.

Issue 9 items 8 and 16, issue 12 items 4, 5 and 9: the defunct default base URL, order_result's
average cost, the typed 404, the loopback rate-limit default, paged results, per-call headers,
public names in tracebacks, a closed client.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Iterator
from decimal import Decimal

import pytest
import respx

import mtgox
from mtgox_sandbox.fixture import Sandbox

from .support import KEY, SECRET
from .wire import FaultServer, answer


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


# -- the defunct default base URL (issue 9 item 8) ------------------------------------------------


def test_the_catalogue_marks_the_default_base_url_defunct() -> None:
    from mtgox._catalogue import CATALOGUE

    assert CATALOGUE.base_url == "https://data.mtgox.com/api"
    assert CATALOGUE.defunct and "2014" in CATALOGUE.defunct


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "public"])
def test_no_call_reaches_the_defunct_default(signed: bool) -> None:
    with respx.mock(assert_all_called=False) as router, mtgox.Client(KEY, SECRET, nonce_store="memory") as api:
        route = router.route()
        call = api.v2.info if signed else (lambda: api.v2.ticker(pair="BTCUSD"))
        with pytest.raises(mtgox.ConfigurationError, match="mtgox-sandbox serve") as info:
            call()
        assert not route.called
    assert "MTGOX_BASE_URL" in str(info.value) and "defunct" in str(info.value)


def test_the_defunct_default_refuses_async_calls_too() -> None:
    async def run() -> None:
        async with mtgox.AsyncClient(KEY, SECRET, nonce_store="memory") as api:
            await api.v1.info()

    with respx.mock(assert_all_called=False) as router:
        route = router.route()
        with pytest.raises(mtgox.ConfigurationError, match="defunct"):
            asyncio.run(run())
    assert not route.called


def test_the_stream_refuses_the_defunct_default_too() -> None:
    """client.stream() without a base URL connected to data.mtgox.com:443; it now refuses as calls do."""
    with mtgox.Client(KEY, SECRET, nonce_store="memory") as api, pytest.raises(mtgox.ConfigurationError) as info:
        api.stream()
    assert "defunct" in str(info.value) and "MTGOX_BASE_URL" in str(info.value) and "stream" in str(info.value)

    async def run() -> None:
        async with mtgox.AsyncClient(nonce_store="memory") as api:
            api.stream(transport="socketio")

    with pytest.raises(mtgox.ConfigurationError, match="defunct"):
        asyncio.run(run())


def test_an_explicit_stream_url_is_used_without_a_base_url(shared_sandbox: Sandbox) -> None:
    stream_url = shared_sandbox.base_url.replace("http://", "ws://").removesuffix("/api") + "/mtgox"
    with mtgox.Client(nonce_store="memory") as api, api.stream(stream_url=stream_url) as stream:
        stream.subscribe(channel="trade.lag")
        assert stream.connected and next(iter(stream)) is not None


def test_an_explicit_base_url_from_the_environment_is_used(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MTGOX_BASE_URL", server.base_url)
    with mtgox.Client(KEY, SECRET, nonce_store="memory") as api:
        assert api.v2.call("money/idkey") == "ok"


# -- order_result's average cost (issue 9 item 16) ------------------------------------------------


def test_order_result_average_cost_is_the_price_per_btc(shared_sandbox: Sandbox) -> None:
    """A 1000x wrong divisor (the quote currency's instead of BTC's) would give 0.1 USD per BTC."""
    buyer_key, buyer_secret = shared_sandbox.add_account({"USD": 1000})
    seller_key, seller_secret = shared_sandbox.add_account({"BTC": 2})
    base = shared_sandbox.base_url
    with (
        mtgox.Client(seller_key, seller_secret, base_url=base, nonce_store="memory") as seller,
        mtgox.Client(buyer_key, buyer_secret, base_url=base, nonce_store="memory") as buyer,
    ):
        seller.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.5"), price=Decimal("100"))
        seller.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.25"), price=Decimal("100"))
        oid = buyer.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.75"), price=Decimal("100"))
        result = buyer.v2.order_result(pair="BTCUSD", type="bid", oid=oid)
    assert result.total_amount.value == Decimal("0.75")
    assert result.total_spent.value == Decimal("75")
    assert result.avg_cost.value == Decimal("100") and result.avg_cost.currency == "USD"
    assert result.avg_cost.value == result.total_spent.value / result.total_amount.value


# -- a 404 is typed, with a hint about the base URL (issue 12 item 4) -----------------------------


def test_a_base_url_without_api_is_a_not_found_error_with_a_hint(shared_sandbox: Sandbox) -> None:
    without_api = shared_sandbox.base_url.removesuffix("/api")
    with mtgox.Client(base_url=without_api) as api, pytest.raises(mtgox.NotFoundError) as info:
        api.v2.ticker(pair="BTCUSD")
    assert isinstance(info.value, mtgox.APIError) and info.value.status == 404
    assert "check base_url" in str(info.value) and "/api" in str(info.value)
    assert info.value.attempts == 1


def test_a_method_the_server_lacks_does_not_blame_a_right_base_url(shared_sandbox: Sandbox) -> None:
    with mtgox.Client(base_url=shared_sandbox.base_url) as api, pytest.raises(mtgox.NotFoundError) as info:
        api.v2.call("money/no/such/path", signed=False)
    assert "the server has no such method" in str(info.value)
    assert "base_url" not in str(info.value)


def test_errors_name_their_status_status_code_too(shared_sandbox: Sandbox) -> None:
    """`status_code` is `status` under the name httpx and the OpenAI SDK use, on every error class."""
    key, secret = shared_sandbox.add_account({"USD": 1})
    with mtgox.Client(key, secret, base_url=shared_sandbox.base_url, nonce_store="memory") as api:
        with pytest.raises(mtgox.OrderNotFoundError) as info:
            api.v2.order_cancel(oid="00000000-0000-4000-8000-000000000000")
        assert info.value.status is not None and info.value.status_code == info.value.status
    forged = mtgox.Client(key, SECRET, base_url=shared_sandbox.base_url, nonce_store="memory")
    with forged, pytest.raises(mtgox.AuthenticationError) as refused:
        forged.v2.info()
    assert refused.value.status is not None and refused.value.status_code == refused.value.status
    bare = mtgox.Client(base_url=shared_sandbox.base_url.removesuffix("/api"))
    with bare, pytest.raises(mtgox.NotFoundError) as missing:
        bare.v2.ticker(pair="BTCUSD")
    assert missing.value.status_code == 404
    assert mtgox.ConfigurationError("no status").status_code is None


# -- the loopback rate-limit default (issue 12 item 5) --------------------------------------------


def test_no_client_side_rate_limit_by_default_on_loopback(shared_sandbox: Sandbox) -> None:
    """15 tickers took 5 s (burst 10, then 1/s); the limit guards against Mt. Gox's ban, not a sandbox's."""
    with mtgox.Client(base_url=shared_sandbox.base_url) as api:
        assert api._transport.rate_limiter is None
        for _ in range(15):
            api.v2.ticker(pair="BTCUSD")
    with mtgox.Client(base_url="https://mtgox.invalid/api") as remote:
        assert remote._transport.rate_limiter is not None
    with mtgox.Client(base_url=shared_sandbox.base_url, rate_limit=mtgox.RateLimit()) as explicit:
        assert explicit._transport.rate_limiter is not None


def test_a_call_held_by_the_rate_limit_says_so_at_debug(server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    ticks = iter([0.0] + [100.0] * 10)
    limit = mtgox.RateLimit(per_second=1, burst=1, clock=lambda: next(ticks))
    waits: list[float] = []
    with mtgox.Client(base_url=server.base_url, rate_limit=limit) as api, caplog.at_level(logging.DEBUG, "mtgox"):
        api._transport.sleep = waits.append
        api.v2.call("BTCUSD/money/ticker", signed=False)
        assert not any("rate limit" in r.message for r in caplog.records)
        api.v2.call("BTCUSD/money/ticker", signed=False)
    assert waits == [1.0]
    assert any("rate limit holds this call for 1.00 s" in r.message for r in caplog.records)


# -- paged results, per-call headers, public names, a closed client (issue 12 item 9) -----------


def test_wallet_history_pages_without_a_hand_written_loop(shared_sandbox: Sandbox) -> None:
    key, secret = shared_sandbox.add_account({"USD": 10, "BTC": 1})
    with mtgox.Client(key, secret, base_url=shared_sandbox.base_url, nonce_store="memory") as api:
        pages = list(mtgox.iter_pages(lambda n: api.v2.wallet_history(currency="USD", page=n)))
    assert [p.current_page for p in pages] == list(range(1, pages[-1].max_page + 1))
    rows = [row for page in pages for row in page.result]
    assert len(rows) == pages[0].records >= 1


def test_iter_pages_walks_every_page_a_server_announces(server: FaultServer) -> None:
    def page(n: int, last: int) -> dict[str, object]:
        entry = {
            "Index": str(n),
            "Date": 1,
            "Type": "in",
            "Value": _usd(1),
            "Balance": _usd(n),
            "Info": "x",
            "Link": [],
        }
        return {"records": str(last), "result": [entry], "current_page": n, "max_page": last, "max_results": 1}

    server.script(*(answer({"result": "success", "data": page(n, 3)}) for n in (1, 2, 3)))
    with mtgox.Client(KEY, SECRET, base_url=server.base_url, nonce_store="memory") as api:
        pages = list(mtgox.iter_pages(lambda n: api.v2.wallet_history(currency="USD", page=n)))
    assert [p.current_page for p in pages] == [1, 2, 3]
    assert [r.body for r in server.requests if b"page=" in r.body] and server.count("wallet/history") == 3
    assert all(f"page={n}".encode() in server.requests[n - 1].body for n in (1, 2, 3))


def test_aiter_pages(server: FaultServer) -> None:
    answers: list[dict[str, object]] = [
        {"records": "0", "result": [], "current_page": n, "max_page": 2, "max_results": 50} for n in (1, 2)
    ]
    server.script(*(answer({"result": "success", "data": a}) for a in answers))

    async def run() -> list[int]:
        async with mtgox.AsyncClient(KEY, SECRET, base_url=server.base_url, nonce_store="memory") as api:
            return [
                p.current_page async for p in mtgox.aiter_pages(lambda n: api.v2.wallet_history(currency="BTC", page=n))
            ]

    assert asyncio.run(run()) == [1, 2]


def _usd(units: int) -> dict[str, str]:
    return {"value": str(Decimal(units) / 100000), "value_int": str(units), "currency": "USD"}


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "public"])
def test_extra_headers_reach_the_server_from_a_generated_method(server: FaultServer, signed: bool) -> None:
    with mtgox.Client(KEY, SECRET, base_url=server.base_url, nonce_store="memory") as api:
        if signed:
            api.v2.call("money/idkey", extra_headers={"X-Request-Id": "abc-1"})
            with pytest.raises(mtgox.InvalidRequestError, match="Rest-Sign"):
                api.v2.idkey(extra_headers={"Rest-Sign": "forged"})
        else:
            server.script(answer({"result": "error", "error": "x"}))
            with pytest.raises(mtgox.APIError):
                api.v2.ticker(pair="BTCUSD", extra_headers={"X-Request-Id": "abc-1"})
    assert server.requests[0].headers["x-request-id"] == "abc-1"
    assert len(server.requests) == 1  # the forged signature never left the client


def test_errors_carry_the_public_module_name_in_tracebacks(shared_sandbox: Sandbox) -> None:
    with mtgox.Client(base_url=shared_sandbox.base_url.removesuffix("/api")) as api:
        try:
            api.v2.ticker(pair="BTCUSD")
        except mtgox.NotFoundError as exc:
            last_line = traceback.format_exception(exc)[-1]
        else:  # pragma: no cover - the call must fail
            pytest.fail("no error")
    assert last_line.startswith("mtgox.NotFoundError: "), last_line
    for name in ("APIError", "MtGoxError", "Money", "RateLimit", "ResponseTooLargeError"):
        assert getattr(mtgox, name).__module__ == "mtgox", name


def test_a_closed_client_raises_a_mtgox_error(server: FaultServer) -> None:
    api = mtgox.Client(KEY, SECRET, base_url=server.base_url, nonce_store="memory")
    with api:
        api.v2.call("money/idkey")
    with pytest.raises(mtgox.ClientClosedError, match="closed"):
        api.v2.idkey()
    assert isinstance(mtgox.ClientClosedError("x"), mtgox.MtGoxError)

    async def run() -> None:
        async with mtgox.AsyncClient(base_url=server.base_url) as aapi:
            pass
        await aapi.v2.ticker(pair="BTCUSD")

    with pytest.raises(mtgox.ClientClosedError):
        asyncio.run(run())


def test_with_options_shares_the_pool_and_changes_only_what_it_is_told(server: FaultServer) -> None:
    with mtgox.Client(KEY, SECRET, base_url=server.base_url, nonce_store="memory", timeout=30) as api:
        quick = api.with_options(timeout=2, max_retries=0, default_headers={"X-Bot": "b1"})
        assert quick._transport.http_client is api._transport.http_client
        assert quick.key == api.key and quick.base_url == api.base_url
        assert quick._transport.max_retries == 0 and api._transport.max_retries == 2
        assert quick._transport.config.timeout.read == 2 and api._transport.config.timeout.read == 30
        assert quick.v2.call("money/idkey") == "ok"  # signed with the shared credentials
        assert server.requests[-1].headers["x-bot"] == "b1"
        quick.close()  # the copy does not own the pool
        assert api.v2.call("money/idkey") == "ok"
        assert "x-bot" not in server.requests[-1].headers
        with pytest.raises(mtgox.ConfigurationError, match="cannot change secret"):
            api.with_options(secret=SECRET)
    with pytest.raises(mtgox.ClientClosedError):
        quick.v2.idkey()


def test_with_options_on_the_async_client(server: FaultServer) -> None:
    async def run() -> None:
        async with mtgox.AsyncClient(KEY, SECRET, base_url=server.base_url, nonce_store="memory") as api:
            copy = api.with_options(max_retries=0)
            assert copy._transport.http_client is api._transport.http_client
            assert await copy.v2.call("money/idkey") == "ok"

    asyncio.run(run())
    assert server.count("idkey") == 1


def test_a_model_round_trips_through_json(shared_sandbox: Sandbox) -> None:
    key, secret = shared_sandbox.add_account({"USD": "12.5", "BTC": "0.1"})
    with mtgox.Client(key, secret, base_url=shared_sandbox.base_url, nonce_store="memory") as api:
        info = api.v2.info()
    import json

    plain = json.loads(info.to_json())
    assert plain == info.to_dict(json_safe=True)
    assert plain["wallets"]["USD"]["balance"]["value"] == str(info.wallets["USD"].balance.value) == "12.50000"
    assert plain["created"] == info.created.isoformat()
    assert isinstance(info.to_dict()["wallets"]["USD"]["balance"]["value"], Decimal)  # plain keeps Decimal


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_account_info_from_2012_without_monthly_volume(shared_sandbox: Sandbox, version: str) -> None:
    """2012 answers had no Monthly_Volume (nor Id nor Open_Orders): the model takes them as None."""
    key, secret = shared_sandbox.add_account({"USD": 1})
    with mtgox.Client(key, secret, base_url=shared_sandbox.base_url, nonce_store="memory") as api:
        raw = api.v2.with_raw_response.info() if version == "v2" else api.v1.with_raw_response.info()
    import json

    envelope = json.loads(raw.content)
    payload = envelope["data" if version == "v2" else "return"]
    for name in ("Monthly_Volume", "Id"):
        payload.pop(name, None)
    for wallet in payload["Wallets"].values():
        wallet.pop("Open_Orders", None)
    with FaultServer() as old_server, mtgox.Client(KEY, SECRET, base_url=old_server.base_url) as api:
        old_server.script(answer(envelope))
        info = api.v2.info() if version == "v2" else api.v1.info()
    assert info.monthly_volume is None and info.id is None and info.login == raw.parsed.login
