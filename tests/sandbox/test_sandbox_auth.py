"""Authentication over real sockets, exactly as Mt. Gox verified it."""

from __future__ import annotations

import base64
import json
import socket
import time

import pytest

from mtgox_sandbox.api.auth import signature_ok
from mtgox_sandbox.fixture import Sandbox

from .sandbox_helpers import Api, error, payload, sign

PRIVATE = {0: "getFunds.php", 1: "generic/info", 2: "money/info"}
AUTH = "Identification required to access private API"


@pytest.mark.parametrize("version", [0, 1, 2])
def test_each_version_signs_its_own_message(trader: Api, version: int) -> None:
    path = PRIVATE[version]
    assert trader.ok(version, path)
    # v2 signs path + NUL + body; the v0/v1 message (body alone) is refused there, and v.v.
    body = f"nonce={trader.nonce()}".encode()
    wrong = sign(trader.secret or "", body if version == 2 else path.encode() + b"\0" + body)
    response = trader.http.post(
        f"{version}/{path}", content=body, headers={"Rest-Key": trader.key or "", "Rest-Sign": wrong}
    )
    assert error(response) == (403, AUTH, "login_error_invalid_rest_sign")


def test_white_space_in_rest_sign_is_ignored(trader: Api) -> None:
    body = f"nonce={trader.nonce()}".encode()
    signature = sign(trader.secret or "", body)
    spaced = signature[:76] + " \t " + signature[76:]
    response = trader.http.post(
        "1/generic/info", content=body, headers={"Rest-Key": trader.key or "", "Rest-Sign": spaced}
    )
    assert payload(1, response)["Login"]


def test_perl_wrapped_rest_sign_folded_over_two_lines(shared: Sandbox, trader: Api) -> None:
    """Finance::MtGox's MIME::Base64 wraps at 76 characters; LWP folds the header onto a second line."""
    body = f"nonce={trader.nonce()}".encode()
    signature = sign(trader.secret or "", body)
    request = (
        f"POST /api/1/generic/info HTTP/1.1\r\nHost: {shared.host}\r\nRest-Key: {trader.key}\r\n"
        f"Rest-Sign: {signature[:76]}\r\n {signature[76:]}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((shared.host, shared.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:300]
    assert json.loads(content)["result"] == "success"


def test_reference_test_vector() -> None:
    """XChange's MtGoxHmacPostBodyDigestTest vector, through the sandbox's own check."""
    secret = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="
    expected = "eNjLVoVh6LVQfzgv7qFMCL48b5d2Qd1gvratXGA76W6+g46Jl9TNkiTCHks5sLXjfAQ1rGnvWxRHu6pYjC5FSQ=="
    assert sign(secret, b"nonce=1328626350245256") == expected
    assert signature_ok(base64.b64decode(secret), b"nonce=1328626350245256", expected[:40] + "\n" + expected[40:])


def test_signature_covers_the_raw_body_in_any_order(trader: Api) -> None:
    nonce = trader.nonce()
    for body in (f"currency=USD&nonce={nonce}", f"nonce={nonce + 1}&currency=USD", f"nonce={nonce + 2}&currency=%55SD"):
        message = b"money/wallet/history\0" + body.encode()
        response = trader.http.post(
            "2/money/wallet/history",
            content=body.encode(),
            headers={"Rest-Key": trader.key or "", "Rest-Sign": sign(trader.secret or "", message)},
        )
        assert payload(2, response)["max_results"] == 50


def test_v2_signed_path_is_the_path_as_sent(trader: Api) -> None:
    assert trader.ok(2, "MONEY/INFO")["Login"]
    assert trader.ok(2, "BTCUSD/money/info")["Login"]
    body = f"nonce={trader.nonce()}".encode()
    lowered = sign(trader.secret or "", b"money/info\0" + body)
    response = trader.http.post(
        "2/MONEY/INFO", content=body, headers={"Rest-Key": trader.key or "", "Rest-Sign": lowered}
    )
    assert error(response)[2] == "login_error_invalid_rest_sign"


@pytest.mark.parametrize("version", [0, 1, 2])
def test_auth_failures(shared: Sandbox, trader: Api, version: int) -> None:
    path = PRIVATE[version]
    missing = trader.http.post(f"{version}/{path}", content=b"nonce=1")
    assert error(missing) == (403, AUTH, "login_error_missing_rest_key")
    unknown = trader.post(version, path, key="12345678-abcd-1234-abcd-50286e649d5c")
    assert error(unknown) == (403, AUTH, "login_error_invalid_rest_key")
    bad = trader.post(version, path, rest_sign=base64.b64encode(b"x" * 64).decode())
    assert error(bad) == (403, AUTH, "login_error_invalid_rest_sign")
    garbage = trader.post(version, path, rest_sign="not base64!")
    assert error(garbage)[2] == "login_error_invalid_rest_sign"
    if version == 0:
        assert set(missing.json()) == {"error", "token"}
    else:
        assert missing.json()["result"] == "error"


def test_nonces_strictly_increase_per_key(shared: Sandbox, trader: Api) -> None:
    nonce = trader.nonce()
    assert trader.ok(1, "generic/info", nonce=nonce)
    for stale in (nonce, nonce - 1, 0):
        assert error(trader.post(1, "generic/info", nonce=stale)) == (403, AUTH, "login_error_invalid_nonce")
    assert error(trader.post(1, "generic/info", nonce=2**64))[2] == "login_error_invalid_nonce"
    assert trader.ok(2, "money/info", nonce=nonce + 1)  # one counter for every version
    # nonces in hundredths of a second or milliseconds are fine as long as they grow, per key
    key, secret = shared.add_account()
    other = Api(shared.base_url, key, secret)
    assert other.ok(0, "getFunds.php", nonce=5)
    assert other.ok(0, "getFunds.php", nonce=6)
    no_nonce = other.post(1, "generic/info", signed=False, headers={"Rest-Key": key, "Rest-Sign": sign(secret, b"")})
    assert error(no_nonce)[2] == "login_error_invalid_nonce"
    other.close()


def test_refused_calls_still_spend_their_nonce(trader: Api) -> None:
    nonce = trader.nonce()
    refused = trader.post(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 1}, nonce=nonce)
    assert error(refused)[1] == "Order amount is too low"
    again = trader.post(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 1}, nonce=nonce)
    assert error(again)[2] == "login_error_invalid_nonce"


def test_tonce_window_and_reuse(trader: Api) -> None:
    now = time.time_ns() // 1000
    assert trader.ok(2, "money/info", tonce=now)
    assert error(trader.post(2, "money/info", tonce=now)) == (403, AUTH, "login_error_invalid_tonce")
    assert trader.ok(1, "generic/info", tonce=now - 3_000_000)  # older than the last, inside the window
    assert error(trader.post(2, "money/info", tonce=now - 60_000_000))[2] == "login_error_invalid_tonce"
    assert error(trader.post(2, "money/info", tonce=now + 60_000_000))[2] == "login_error_invalid_tonce"


def test_rights(shared: Sandbox) -> None:
    key, secret = shared.add_account(fund={"BTC": 1}, rights=("get_info",))
    api = Api(shared.base_url, key, secret)
    info = api.ok(2, "money/info")
    assert info["Rights"] == ["get_info"]
    assert api.ok(2, "money/orders") == []  # get_info or trade: either is enough
    for version, path, params in (
        (2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 1_000_000, "price_int": 10_000_000}),
        (1, "generic/bitcoin/send_simple", {"address": "1AAXCcSjgsgoTnQLqUfPh7qRsUyvbYSbGW", "amount_int": 1}),
        (0, "btcAddress.php", {}),
    ):
        status, message, token = error(api.post(version, path, params))
        assert (status, token) == (403, "permission_denied"), message
    api.close()


def test_public_calls_take_get_and_post_signed_or_not(trader: Api) -> None:
    assert trader.public(2, "BTCUSD/money/ticker")["last"]["currency"] == "USD"
    assert payload(2, trader.post(2, "BTCUSD/money/ticker", signed=False))["buy"]
    assert payload(2, trader.post(2, "BTCUSD/money/ticker", rest_sign="bogus"))["sell"]
    status, _, token = error(trader.get(2, "money/info"))
    assert (status, token) == (405, "method_not_allowed")


def test_a_405_names_the_methods_the_endpoint_takes_in_allow(trader: Api) -> None:
    """HTTP requires `Allow` on a 405 (Schemathesis's undeclared-method check found it missing),
    and a public endpoint takes GET as well as POST: "use POST" was wrong there."""
    private = trader.get(2, "money/info")
    assert private.status_code == 405 and private.headers["allow"] == "POST"
    assert private.json()["error"] == "Method GET not allowed: use POST"
    for version, path in ((0, "data/getTrades.php"), (2, "BTCUSD/money/ticker")):
        public = trader.http.request("TRACE", f"{version}/{path}")
        assert public.status_code == 405 and public.headers["allow"] == "GET, POST", public.text
        assert public.json()["error"] == "Method TRACE not allowed: use GET or POST"
        assert trader.http.delete(f"{version}/{path}").headers["allow"] == "GET, POST"
