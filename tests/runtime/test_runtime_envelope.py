"""Envelopes of the three versions, error mapping, and answers that are not what they should be."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from mtgox_runtime import (
    APIError,
    AuthenticationError,
    Endpoint,
    InsufficientFundsError,
    InvalidResponseError,
    MtGoxError,
    NonceError,
    OrderNotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from mtgox_runtime import _parse as p
from tests.runtime.support import (
    V0_FUNDS,
    V0_TICKER,
    V1_HISTORY_CSV,
    V1_INFO,
    V1_TEXT,
    V1_TICKER,
    V2_INFO,
    V2_ORDER_CANCEL,
    V2_TICKER,
    Client,
    MakeAsyncClient,
    MakeClient,
    err,
    identity,
    ok,
)

PATHS = {0: "getFunds.php", 1: "generic/private/info", 2: "money/info"}
SIGNED = {0: V0_FUNDS, 1: V1_INFO, 2: V2_INFO}


def _call(client: Client, endpoint: Endpoint, path: str, parse: Callable[[Any], Any] = identity) -> Any:
    return client._transport.call(endpoint, path, [], parse)


@pytest.mark.parametrize(
    ("version", "payload"),
    [(0, {"a": "1"}), (0, [1, 2]), (0, [])]
    + [(v, p) for v in (1, 2) for p in ({"a": "1"}, [1, 2], "order-id-123", [], None)],
)
def test_success_envelopes(version: int, payload: Any, make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post(f"https://mtgox.test/api/{version}/{PATHS[version]}").mock(
        return_value=httpx.Response(200, json=ok(payload, version))
    )
    assert _call(make_client(), SIGNED[version], PATHS[version]) == payload


def test_numbers_are_decimals_never_floats(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(200, content=b'{"result":"success","data":{"p":0.1,"q":12,"r":1e-8}}')
    )
    data = _call(make_client(), V2_TICKER, "BTCUSD/money/ticker")
    assert data == {"p": Decimal("0.1"), "q": 12, "r": Decimal("1e-8")}
    assert type(data["p"]) is Decimal and type(data["q"]) is int


def test_nan_is_refused(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(200, content=b'{"result":"success","data":{"p":NaN}}')
    )
    with pytest.raises(InvalidResponseError):
        _call(make_client(max_retries=0), V2_TICKER, "BTCUSD/money/ticker")


def test_v0_error_object(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/0/getFunds.php").mock(
        return_value=httpx.Response(200, json={"error": "Please enter a valid amount"})
    )
    with pytest.raises(APIError) as info:
        _call(make_client(), V0_FUNDS, "getFunds.php")
    assert type(info.value) is APIError
    assert info.value.message == "Please enter a valid amount"
    assert info.value.status == 200
    assert info.value.endpoint == "v0.get_funds"


def test_v0_payload_with_a_later_error_key_is_data(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/0/data/ticker.php").mock(
        return_value=httpx.Response(200, json={"ticker": {"last": 5}, "error": None})
    )
    assert _call(make_client(), V0_TICKER, "data/ticker.php") == {"ticker": {"last": 5}, "error": None}


def test_v0_accepts_the_v1_style_error(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/0/getFunds.php").mock(
        return_value=httpx.Response(403, json=err("Identification required", "login_error_invalid_rest_sign"))
    )
    with pytest.raises(AuthenticationError) as info:
        _call(make_client(), V0_FUNDS, "getFunds.php")
    assert info.value.token == "login_error_invalid_rest_sign"


ERROR_CASES: list[tuple[int, dict[str, Any], type[MtGoxError], str | None]] = [
    (403, err("Identification required to access private API", "login_error_invalid_rest_sign"), AuthenticationError, "login_error_invalid_rest_sign"),
    (403, err("Identification required to access private API", "login_error_missing_rest_key"), AuthenticationError, "login_error_missing_rest_key"),
    (403, err("Identification required to access private API"), AuthenticationError, None),  # no token: by status
    (200, err("Order not found", "unknown_error"), OrderNotFoundError, "unknown_error"),
    (500, err("Order not found"), OrderNotFoundError, None),  # a 5xx application error, mapped by message
    (200, err("Too many orders placed, please wait 5 secs"), RateLimitedError, None),
    (429, err("slow down"), RateLimitedError, None),
    (503, err("Database is down"), ServerError, None),
    (502, err("Bad gateway"), ServerError, None),
    (504, err("Gateway timeout"), ServerError, None),  # no rule: 5xx default
    (200, err("Random Unknown error"), APIError, None),
    (400, err('Invalid parameter "type" (should be ask or bid)'), APIError, None),
    (200, err("You lack the right", "permission_denied"), PermissionDeniedError, "permission_denied"),
    (200, err("Not enough BTC", "insufficient_funds"), InsufficientFundsError, "insufficient_funds"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "body", "cls", "token"), ERROR_CASES)
@pytest.mark.parametrize("version", [1, 2])
def test_error_mapping(
    version: int,
    status: int,
    body: dict[str, Any],
    cls: type[MtGoxError],
    token: str | None,
    make_client: MakeClient,
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(f"https://mtgox.test/api/{version}/{PATHS[version]}").mock(
        return_value=httpx.Response(status, json=body)
    )
    with pytest.raises(MtGoxError) as info:
        _call(make_client(max_retries=0), SIGNED[version], PATHS[version])
    error = info.value
    assert type(error) is cls
    assert error.status == status
    assert error.token == token
    assert error.message == body["error"]
    assert error.endpoint == f"v{version}.info"
    assert error.body_excerpt is not None and body["error"][:15] in error.body_excerpt
    assert error.response is not None and error.response.status_code == status
    assert error.attempts == 1 and route.call_count == 1
    assert body["error"] in str(error) and f"HTTP {status}" in str(error)


def test_rate_limited_message_gives_retry_after(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/2/money/info").mock(
        return_value=httpx.Response(200, json=err("Too many orders placed, please wait 12 secs"))
    )
    with pytest.raises(RateLimitedError) as info:
        _call(make_client(max_retries=0), V2_INFO, "money/info")
    assert info.value.retry_after == 12.0


def test_nonce_error_after_resigning_is_raised(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("https://mtgox.test/api/1/generic/private/info").mock(
        return_value=httpx.Response(
            403, json=err("Identification required to access private API", "login_error_invalid_nonce")
        )
    )
    with pytest.raises(NonceError) as info:
        _call(make_client(max_retries=0), V1_INFO, "generic/private/info")
    assert isinstance(info.value, AuthenticationError)
    assert route.call_count == 6  # the first try and 5 re-signs
    assert info.value.attempts == 6


NOT_JSON = [
    (502, b"<!DOCTYPE HTML><html><body>502 Bad Gateway (cloudflare)</body></html>", "HTML page", True),
    (200, b"MySQL error, please retry later", "temporary failure", True),
    (200, b"", "empty body", True),
    (200, b'{"result":"success","data":{"a":', "truncated or malformed JSON", True),
    (410, b"<html>Gone</html>", "HTML page", False),
    (200, b"hello", "not JSON", True),
]


@pytest.mark.parametrize(("status", "content", "says", "transient"), NOT_JSON)
def test_bodies_that_are_not_json(
    status: int, content: bytes, says: str, transient: bool, make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get("https://mtgox.test/api/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(status, content=content)
    )
    with pytest.raises(InvalidResponseError, match=says) as info:
        _call(make_client(max_retries=0), V2_TICKER, "BTCUSD/money/ticker")
    assert info.value.transient is transient
    assert info.value.status == status
    assert info.value.endpoint == "v2.ticker"
    if content:
        assert info.value.body_excerpt is not None and content.decode()[:20] in info.value.body_excerpt


def test_non_json_429_is_rate_limited(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(429, content=b"Too Many Requests", headers={"Retry-After": "90"})
    )
    with pytest.raises(RateLimitedError) as info:
        _call(make_client(), V2_TICKER, "BTCUSD/money/ticker")
    assert info.value.retry_after == 90.0


def test_redirect_points_at_base_url(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/2/BTCUSD/money/ticker").mock(
        return_value=httpx.Response(301, headers={"Location": "https://data.mtgox.com/api/2/BTCUSD/money/ticker"})
    )
    with pytest.raises(InvalidResponseError, match=r"redirected to https://data\.mtgox\.com.*base_url"):
        _call(make_client(), V2_TICKER, "BTCUSD/money/ticker")


@pytest.mark.parametrize("location", ["A:0", "z:9"])
def test_a_redirect_to_no_url_is_an_invalid_response_sent_once(
    location: str, make_client: MakeClient, make_async_client: MakeAsyncClient, respx_mock: respx.MockRouter
) -> None:
    """httpx builds the redirect request even when it will not follow it, and raises its own
    InvalidURL (no httpx.HTTPError) for a Location like these: found by the reliability corpus."""
    route = respx_mock.post("https://mtgox.test/api/2/money/order/cancel").mock(
        return_value=httpx.Response(301, headers={"Location": location})
    )
    with pytest.raises(InvalidResponseError, match="Location is not a URL"):
        _call(make_client(), V2_ORDER_CANCEL, "money/order/cancel")
    assert route.call_count == 1

    async def main() -> None:
        with pytest.raises(InvalidResponseError, match="Location is not a URL"):
            await make_async_client()._transport.call(V2_ORDER_CANCEL, "money/order/cancel", [], identity)

    asyncio.run(main())
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("version", "body"),
    [
        (2, {"result": "success"}),  # no data
        (2, {"result": "success", "return": {}}),  # v1's key on v2
        (1, {"result": "success", "data": {}}),  # v2's key on v1
        (1, [1, 2, 3]),
        (2, {"foo": 1}),
        (2, "success"),
    ],
)
def test_wrong_envelope(version: int, body: Any, make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"https://mtgox.test/api/{version}/{PATHS[version]}").mock(
        return_value=httpx.Response(200, json=body)
    )
    with pytest.raises(InvalidResponseError, match="envelope") as info:
        _call(make_client(), SIGNED[version], PATHS[version])
    assert info.value.transient is False
    assert route.call_count == 1  # a wrong envelope is not retried


def test_error_status_with_a_success_body_is_an_error(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/1/BTCUSD/public/ticker").mock(
        return_value=httpx.Response(500, json=ok({"a": 1}, 1))
    )
    with pytest.raises(ServerError, match="HTTP 500"):
        _call(make_client(max_retries=0), V1_TICKER, "BTCUSD/public/ticker")


def test_v1_error_without_result_is_an_error(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/1/generic/private/info").mock(
        return_value=httpx.Response(200, json={"error": "Not logged in."})
    )
    with pytest.raises(APIError, match="Not logged in"):
        _call(make_client(), V1_INFO, "generic/private/info")


# --- parse errors --------------------------------------------------------------------------------


def _depth(raw: Any) -> list[Decimal]:
    d = p.obj(raw)
    return p.field(d, "asks", p.list_of(lambda a: p.field(p.obj(a), "price", p.to_decimal)))


@pytest.mark.parametrize(("version", "root"), [(2, "data"), (1, "return"), (0, "response")])
def test_shape_errors_name_the_location(
    version: int, root: str, make_client: MakeClient, respx_mock: respx.MockRouter
) -> None:
    asks = [{"price": "1"}, {"price": "2"}, {"price": 3}, {"price": "lots"}]
    respx_mock.post(f"https://mtgox.test/api/{version}/{PATHS[version]}").mock(
        return_value=httpx.Response(200, json=ok({"asks": asks}, version))
    )
    with pytest.raises(InvalidResponseError) as info:
        _call(make_client(), SIGNED[version], PATHS[version], _depth)
    assert f"{root}.asks[3].price: expected a decimal number" in str(info.value)
    assert info.value.__cause__ is None


def test_parse_bugs_become_invalid_response(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/2/money/info").mock(return_value=httpx.Response(200, json=ok({})))

    def parse(raw: Any) -> Any:
        return raw["missing"]

    with pytest.raises(InvalidResponseError, match="KeyError") as info:
        _call(make_client(), V2_INFO, "money/info", parse)
    assert not isinstance(info.value, KeyError)


# --- text and CSV --------------------------------------------------------------------------------


def test_text_format(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/1/generic/order/lag").mock(
        return_value=httpx.Response(200, text="lag: 1.5 s\n")
    )
    assert _call(make_client(), V1_TEXT, "generic/order/lag") == "lag: 1.5 s\n"


def test_csv_format_with_newlines_inside_quotes(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    csv_text = 'Index,Date,Type,Info,Value\r\n1,"2013-01-01 10:00:00",in,"BTC bought:\r\n line two, with comma",0.5\r\n2,2013-01-02,out,"say ""hi""",1\r\n'
    respx_mock.post("https://mtgox.test/api/1/generic/wallet/history.csv").mock(
        return_value=httpx.Response(200, content=csv_text.encode(), headers={"Content-Type": "text/csv"})
    )
    rows = _call(make_client(), V1_HISTORY_CSV, "generic/wallet/history.csv")
    assert rows == [
        {"Index": "1", "Date": "2013-01-01 10:00:00", "Type": "in", "Info": "BTC bought:\r\n line two, with comma", "Value": "0.5"},
        {"Index": "2", "Date": "2013-01-02", "Type": "out", "Info": 'say "hi"', "Value": "1"},
    ]  # fmt: skip


def test_csv_endpoint_answering_a_json_error(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/1/generic/wallet/history.csv").mock(
        return_value=httpx.Response(403, json=err("Identification required", "login_error_invalid_rest_key"))
    )
    with pytest.raises(AuthenticationError):
        _call(make_client(), V1_HISTORY_CSV, "generic/wallet/history.csv")


def test_csv_with_extra_fields_is_invalid(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://mtgox.test/api/1/generic/wallet/history.csv").mock(
        return_value=httpx.Response(200, content=b"a,b\n1,2,3\n")
    )
    with pytest.raises(InvalidResponseError, match="line 2"):
        _call(make_client(), V1_HISTORY_CSV, "generic/wallet/history.csv")


def test_text_endpoint_error_status(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://mtgox.test/api/1/generic/order/lag").mock(
        return_value=httpx.Response(404, text="no such thing")
    )
    with pytest.raises(APIError, match="HTTP 404"):
        _call(make_client(), V1_TEXT, "generic/order/lag")


def test_cancel_twice_is_not_retried(make_client: MakeClient, respx_mock: respx.MockRouter) -> None:
    """goxtool: Mt. Gox sent 5xx with application errors such as cancelling an order twice."""
    route = respx_mock.post("https://mtgox.test/api/2/money/order/cancel").mock(
        return_value=httpx.Response(500, json=err("Order not found", "unknown_error"))
    )
    with pytest.raises(OrderNotFoundError):
        _call(make_client(), V2_ORDER_CANCEL, "money/order/cancel")
    assert route.call_count == 1
