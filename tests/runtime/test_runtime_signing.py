"""Rest-Sign parity with the reference code of the seeds (Perl, Node.js, PHP, Python 2), the
verified test vector, and the packed streaming call format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import subprocess
import uuid
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from mtgox_runtime import ConfigurationError, InvalidRequestError, pack_call, sign, unpack_call
from mtgox_runtime._auth import Credentials
from tests.runtime.support import BASE, KEY, SECRET, SECRET_BYTES, V0_FUNDS, V1_INFO, V2_INFO, Client, identity, ok

VECTOR_SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="
VECTOR_BODY = b"nonce=1328626350245256"
VECTOR_SIGN = "eNjLVoVh6LVQfzgv7qFMCL48b5d2Qd1gvratXGA76W6+g46Jl9TNkiTCHks5sLXjfAQ1rGnvWxRHu6pYjC5FSQ=="

# Characters every reference encodes alike (Node's querystring writes a space as %20 where the
# others write '+', and PHP escapes '~'): the signature covers the exact bytes either way.
PARAMS = [("type", "bid"), ("amount_int", "100000000"), ("price_int", "1000000"), ("comment", "x/y&z=é.-_")]


def test_verified_vector() -> None:
    assert sign(VECTOR_SECRET, VECTOR_BODY) == VECTOR_SIGN


def test_credentials_sign_matches_the_vector() -> None:
    creds = Credentials(KEY, VECTOR_SECRET)
    assert creds.sign(VECTOR_BODY) == VECTOR_SIGN
    assert creds.sign(VECTOR_BODY) == VECTOR_SIGN  # the prepared HMAC is copied, never consumed


@settings(max_examples=200, deadline=None)
@given(path=st.text(min_size=1, max_size=60).filter(lambda s: "\0" not in s), body=st.binary(max_size=300))
def test_v2_message_is_path_nul_body(path: str, body: bytes) -> None:
    creds = Credentials(KEY, SECRET)
    expected = base64.b64encode(hmac.new(SECRET_BYTES, path.encode() + b"\0" + body, hashlib.sha512).digest()).decode()
    assert creds.sign_path_body(path.encode(), body) == expected
    assert sign(SECRET, path.encode() + b"\0" + body) == expected


# --- what the SDK sends, captured with respx ----------------------------------------------------


def _sent(version: int, path: str, nonce: int) -> tuple[bytes, str]:
    """(body, Rest-Sign) of a signed call the SDK makes with a fixed nonce."""

    class FixedNonce:
        def next_nonce(self, key: str) -> int:
            return nonce

    endpoint = {0: V0_FUNDS, 1: V1_INFO, 2: V2_INFO}[version]
    with respx.mock(base_url=BASE) as router:
        route = router.post(f"/{version}/{path}").mock(return_value=httpx.Response(200, json=ok({}, version)))
        with Client(KEY, SECRET, nonce_store=FixedNonce(), rate_limit=None) as client:
            client._transport.call(endpoint, path, PARAMS, identity)
        request = route.calls.last.request
    return request.content, request.headers["Rest-Sign"]


CASES = [(0, "getFunds.php"), (1, "generic/private/info"), (2, "BTCUSD/money/order/add")]
NONCE = 1328626350245256


def _check(reference: Callable[[int, str, int], tuple[bytes, str]]) -> None:
    for version, path in CASES:
        body, signature = _sent(version, path, NONCE)
        ref_body, ref_signature = reference(version, path, NONCE)
        assert body == ref_body, (version, body, ref_body)
        assert "".join(ref_signature.split()) == signature, version


# Perl: the seed's signReq (Digest::SHA hmac_sha512 + MIME::Base64), fed the body it would send.
PERL = r"""
use strict; use warnings;
use MIME::Base64; use Digest::SHA qw(hmac_sha512);
my ($secret, $version, $path, $content) = @ARGV;
sub signReq { my ($content, $secret) = @_; return encode_base64(hmac_sha512($content, decode_base64($secret))); }
# v2 (wiki): the relative path and a NUL come before the body
$content = $path . "\0" . $content if $version eq "2";
print signReq($content, $secret);
"""


@pytest.mark.skipif(shutil.which("perl") is None, reason="perl not installed")
def test_parity_with_perl_reference() -> None:
    def reference(version: int, path: str, nonce: int) -> tuple[bytes, str]:
        body = urlencode([*PARAMS, ("nonce", str(nonce))])
        out = subprocess.run(
            ["perl", "-e", PERL, SECRET, str(version), path, body], capture_output=True, check=True, text=True
        ).stdout
        assert "\n" in out  # encode_base64 wraps at 76 characters and ends with a newline
        return body.encode(), out

    _check(reference)


# Node.js: the seed's MtGoxClient.query (querystring.stringify, crypto.createHmac), printing Rest-Sign.
NODE = r"""
var querystring = require('querystring'), crypto = require('crypto');
var secret = process.argv[1], version = process.argv[2], path = process.argv[3];
var args = JSON.parse(process.argv[4]);
args['nonce'] = process.argv[5];
var post = querystring.stringify(args);
// Buffer.from is the current spelling of the seed's `new Buffer(client.secret, 'base64')`
var hmac = crypto.createHmac('sha512', Buffer.from(secret, 'base64'));
if (version === '2') { hmac.update(path + '\0'); }
hmac.update(post);
process.stdout.write(JSON.stringify([post, hmac.digest('base64')]));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_parity_with_nodejs_reference() -> None:
    def reference(version: int, path: str, nonce: int) -> tuple[bytes, str]:
        args = json.dumps(dict(PARAMS))
        out = subprocess.run(
            ["node", "-e", NODE, SECRET, str(version), path, args, str(nonce)],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        post, signature = json.loads(out)
        return post.encode(), signature

    _check(reference)


# PHP: the seed's mtgox_query (http_build_query, the "2/" prefix rule, hash_hmac).
PHP = r"""
$secret = $argv[1]; $path = $argv[2]; $req = json_decode($argv[3], true);
$req['nonce'] = $argv[4];
$post_data = http_build_query($req, '', '&');
$prefix = '';
if (substr($path, 0, 2) == '2/') { $prefix = substr($path, 2)."\0"; }
echo json_encode(array($post_data, base64_encode(hash_hmac('sha512', $prefix.$post_data, base64_decode($secret), true))));
"""


@pytest.mark.skipif(shutil.which("php") is None, reason="php not installed")
def test_parity_with_php_reference() -> None:
    def reference(version: int, path: str, nonce: int) -> tuple[bytes, str]:
        out = subprocess.run(
            ["php", "-r", PHP, SECRET, f"{version}/{path}", json.dumps(dict(PARAMS)), str(nonce)],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        post, signature = json.loads(out)
        return post.encode(), signature

    _check(reference)


# Python 2: the seed's requester.build_query, ported line by line (urllib.urlencode, HMAC, b64encode).
def _python2_build_query(
    auth_secret: str, req: list[tuple[str, str]], nonce: int, v2_path: str | None
) -> tuple[str, str]:
    secret = base64.b64decode(auth_secret)  # requester.__init__

    def sign_data(secret: bytes, data: bytes) -> bytes:
        return base64.b64encode(hmac.HMAC(secret, data, hashlib.sha512).digest())

    req = [*req, ("nonce", str(nonce))]  # req["nonce"] = get_nonce()
    post_data = urlencode(req)
    # API 2 (genbtc, linked from the wiki): path + chr(0) + post_data
    hashed = post_data if v2_path is None else v2_path + chr(0) + post_data
    return post_data, sign_data(secret, hashed.encode()).decode()


def test_parity_with_python2_reference() -> None:
    def reference(version: int, path: str, nonce: int) -> tuple[bytes, str]:
        post, signature = _python2_build_query(SECRET, PARAMS, nonce, path if version == 2 else None)
        return post.encode(), signature

    _check(reference)


def test_parity_with_the_vector_through_a_client() -> None:
    class FixedNonce:
        def next_nonce(self, key: str) -> int:
            return 1328626350245256

    with respx.mock(base_url=BASE) as router:
        route = router.post("/0/getFunds.php").mock(return_value=httpx.Response(200, json={}))
        with Client(KEY, VECTOR_SECRET, nonce_store=FixedNonce(), rate_limit=None) as client:
            client._transport.call(V0_FUNDS, "getFunds.php", [], identity)
    assert route.calls.last.request.content == VECTOR_BODY
    assert route.calls.last.request.headers["Rest-Sign"] == VECTOR_SIGN


# --- sign() and secrets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("not base64 at all!", "not valid base64"),
        (base64.b64encode(b"x" * 63).decode(), "64 bytes, not 63"),
        ("", "64 bytes, not 0"),
    ],
)
def test_sign_refuses_bad_secrets_without_echoing_them(secret: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as info:
        sign(secret, b"x")
    if secret:
        assert secret not in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_secret_with_whitespace_is_accepted() -> None:
    wrapped = SECRET[:40] + "\n" + SECRET[40:] + "\n"
    assert sign(wrapped, b"abc") == sign(SECRET, b"abc")


# --- pack_call / unpack_call ---------------------------------------------------------------------


def test_pack_call_layout() -> None:
    payload = {"id": "1", "call": "BTCUSD/money/info", "nonce": 5, "params": {"amount": Decimal("0.5")}}
    packed = pack_call(KEY, SECRET, payload)
    raw = base64.b64decode(packed)
    assert raw[:16] == uuid.UUID(KEY).bytes
    body = raw[80:]
    assert json.loads(body) == {"id": "1", "call": "BTCUSD/money/info", "nonce": 5, "params": {"amount": "0.5"}}
    assert raw[16:80] == hmac.new(SECRET_BYTES, body, hashlib.sha512).digest()
    key, signature, body2 = unpack_call(packed)
    assert (key, signature, body2) == (KEY, raw[16:80], body)


def test_pack_call_with_bytes_is_verbatim() -> None:
    body = b'{"call":"x"}'
    key, signature, out = unpack_call(pack_call(KEY.upper(), SECRET, body))
    assert key == KEY
    assert out == body
    assert signature == hmac.new(SECRET_BYTES, body, hashlib.sha512).digest()


@pytest.mark.parametrize("packed", ["!!!", base64.b64encode(b"short").decode()])
def test_unpack_call_refuses_garbage(packed: str) -> None:
    with pytest.raises(InvalidRequestError):
        unpack_call(packed)


def test_pack_call_refuses_bad_input() -> None:
    with pytest.raises(ConfigurationError):
        pack_call("not-a-uuid", SECRET, {})
    with pytest.raises(InvalidRequestError):
        pack_call(KEY, SECRET, {"x": object()})
    with pytest.raises(InvalidRequestError):
        pack_call(KEY, SECRET, 5)  # type: ignore[arg-type]
