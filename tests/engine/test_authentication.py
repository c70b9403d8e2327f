"""The sandbox's authentication of a private call (api/auth.py), in-process on the exchange's
database: key, signature, nonce or tonce, rights, each refused with its own token.

tests/sandbox/test_sandbox_auth.py checks the same over real sockets; these pin the edges
(the largest nonce, the tonce window's bounds, pruning) where a socket adds nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mtgox_sandbox.api.auth import Authenticator, KeyInfo, sign, signature_ok
from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.errors import SandboxError

from .venue import NOW_US, Venue

WINDOW_S = 10
WINDOW_US = 10_000_000
MAX_NONCE = 9_223_372_036_854_775_807  # 2**63 - 1
AUTH = "Identification required to access private API"
BODY = b"nonce=1"


@pytest.fixture
def keys(venue: Venue) -> tuple[ledger.Credentials, Authenticator]:
    with venue.tx() as tx:
        creds = ledger.create_account(tx, rights=["get_info", "trade"])
    return creds, Authenticator(WINDOW_S)


def refusal(
    venue: Venue,
    auth: Authenticator,
    key: str | None,
    rest_sign: str | None,
    fields: dict[str, str],
    body: bytes = BODY,
) -> str | None:
    """The token of the refusal, or None when the call passes."""
    refused: SandboxError | None = None
    with venue.tx() as tx:
        try:
            auth.authenticate(tx, key, rest_sign, body, fields)
        except SandboxError as error:
            refused = error
    if refused is None:
        return None
    assert (refused.message, refused.kind) == (AUTH, "auth")
    return refused.token


def last_nonce(venue: Venue, key: str) -> int:
    return int(venue.conn.execute("SELECT last_nonce FROM api_keys WHERE key = ?", (key,)).fetchone()[0])


def test_sign_is_the_base64_hmac_sha512_of_the_message_under_the_decoded_secret() -> None:
    secret = base64.b64encode(b"k" * 64).decode()
    expected = base64.b64encode(hmac.new(b"k" * 64, b"nonce=1", hashlib.sha512).digest()).decode()
    assert sign(secret, b"nonce=1") == expected
    assert len(expected) == 88
    assert signature_ok(b"k" * 64, b"nonce=1", expected)
    assert not signature_ok(b"k" * 64, b"nonce=2", expected)
    assert not signature_ok(b"j" * 64, b"nonce=1", expected)


def test_white_space_anywhere_in_the_signature_is_ignored() -> None:
    good = sign(base64.b64encode(b"k" * 64).decode(), BODY)
    assert signature_ok(b"k" * 64, BODY, f" {good[:76]}\r\n {good[76:]}\t")


@pytest.mark.parametrize("bad", ["", "!!!!", "a", "a" * 88, "Zm9v", "Zm9v\x00"])
def test_signatures_that_are_not_the_base64_of_the_mac_are_refused(bad: str) -> None:
    assert not signature_ok(b"k" * 64, BODY, bad)


@pytest.mark.parametrize("stray", ["!", ".", "*", "-", "_"])
def test_a_signature_with_a_character_outside_base64_is_refused_not_cleaned(stray: str) -> None:
    good = sign(base64.b64encode(b"k" * 64).decode(), BODY)
    assert not signature_ok(b"k" * 64, BODY, good[:40] + stray + good[40:])


def test_each_step_refuses_with_its_own_token(venue: Venue, keys: tuple[ledger.Credentials, Authenticator]) -> None:
    creds, auth = keys
    good = sign(creds.secret, BODY)
    assert refusal(venue, auth, None, good, {"nonce": "1"}) == "login_error_missing_rest_key"
    assert refusal(venue, auth, " \t", good, {"nonce": "1"}) == "login_error_missing_rest_key"
    assert refusal(venue, auth, "0f0f", good, {"nonce": "1"}) == "login_error_invalid_rest_key"
    assert refusal(venue, auth, creds.key, None, {"nonce": "1"}) == "login_error_invalid_rest_sign"
    assert refusal(venue, auth, creds.key, "", {"nonce": "1"}) == "login_error_invalid_rest_sign"
    assert refusal(venue, auth, creds.key, sign(creds.secret, b"nonce=2"), {"nonce": "1"}) == (
        "login_error_invalid_rest_sign"
    )
    assert refusal(venue, auth, creds.key, good, {}) == "login_error_invalid_nonce"
    assert last_nonce(venue, creds.key) == 0  # nothing refused so far spent a nonce
    assert refusal(venue, auth, f" {creds.key} ", good, {"nonce": "1"}) is None
    assert last_nonce(venue, creds.key) == 1


def test_the_key_found_is_the_accounts_with_its_rights(
    venue: Venue, keys: tuple[ledger.Credentials, Authenticator]
) -> None:
    creds, auth = keys
    with venue.tx() as tx:
        info = auth.authenticate(tx, creds.key, sign(creds.secret, BODY), BODY, {"nonce": "7"})
        assert auth.lookup(tx, "0f0f") is None
    assert info == KeyInfo(
        creds.key, creds.account_id, base64.b64decode(creds.secret), frozenset({"get_info", "trade"})
    )


def test_nonces_strictly_increase_per_key(venue: Venue, keys: tuple[ledger.Credentials, Authenticator]) -> None:
    creds, auth = keys
    with venue.tx() as tx:
        sibling, sibling_secret = ledger.add_sibling_key(tx, creds.key, ["get_info"])

    def call(nonce: str, key: str = creds.key, secret: str = creds.secret) -> str | None:
        return refusal(venue, auth, key, sign(secret, BODY), {"nonce": nonce})

    assert call("5") is None
    assert call("5") == "login_error_invalid_nonce"
    assert call("4") == "login_error_invalid_nonce"
    assert call("6") is None
    assert call("5", sibling, sibling_secret) is None  # its own sequence
    assert (last_nonce(venue, creds.key), last_nonce(venue, sibling)) == (6, 5)


@pytest.mark.parametrize(
    ("nonce", "token"),
    [
        ("abc", "login_error_invalid_nonce"),
        ("-5", "login_error_invalid_nonce"),
        ("1.5", "login_error_invalid_nonce"),
        ("\uff11\uff12", "login_error_invalid_nonce"),  # full-width digits: digits, not ASCII
        ("", "login_error_invalid_nonce"),
        (str(MAX_NONCE + 1), "login_error_invalid_nonce"),  # 19 digits, past the 64-bit column
        ("1" + "0" * 19, "login_error_invalid_nonce"),  # 20 digits
        ("0" * 19 + "1", "login_error_invalid_nonce"),  # 20 characters, however small: read no further
        (str(MAX_NONCE), None),
        (" 42 ", None),
        ("0" * 18 + "1", None),  # 19 characters
    ],
)
def test_what_a_nonce_may_be(
    venue: Venue, keys: tuple[ledger.Credentials, Authenticator], nonce: str, token: str | None
) -> None:
    creds, auth = keys
    assert refusal(venue, auth, creds.key, sign(creds.secret, BODY), {"nonce": nonce}) == token


@pytest.mark.parametrize(
    ("offset", "token"),
    [
        (0, None),
        (WINDOW_US, None),
        (-WINDOW_US, None),
        (WINDOW_US + 1, "login_error_invalid_tonce"),
        (-WINDOW_US - 1, "login_error_invalid_tonce"),
    ],
)
def test_a_tonce_within_the_window_of_the_exchanges_clock(
    venue: Venue, keys: tuple[ledger.Credentials, Authenticator], offset: int, token: str | None
) -> None:
    creds, auth = keys
    fields = {"tonce": str(NOW_US + offset)}
    assert refusal(venue, auth, creds.key, sign(creds.secret, BODY), fields) == token


def test_a_tonce_is_taken_once_per_key_and_wins_over_a_nonce(
    venue: Venue, keys: tuple[ledger.Credentials, Authenticator]
) -> None:
    creds, auth = keys
    with venue.tx() as tx:
        other, other_secret = ledger.add_sibling_key(tx, creds.key, ["get_info"])
    both = {"tonce": str(NOW_US), "nonce": "9"}
    assert refusal(venue, auth, creds.key, sign(creds.secret, BODY), both) is None
    assert last_nonce(venue, creds.key) == 0  # the tonce decided; the nonce was not read
    assert refusal(venue, auth, creds.key, sign(creds.secret, BODY), both) == "login_error_invalid_tonce"
    assert refusal(venue, auth, other, sign(other_secret, BODY), both) is None
    garbage = {"tonce": "soon", "nonce": "10"}
    assert refusal(venue, auth, creds.key, sign(creds.secret, BODY), garbage) == "login_error_invalid_tonce"


def test_used_tonces_older_than_the_window_are_pruned_at_most_once_a_second(
    venue: Venue, keys: tuple[ledger.Credentials, Authenticator]
) -> None:
    creds, auth = keys
    old, edge = NOW_US - WINDOW_US - 1, NOW_US - WINDOW_US
    venue.conn.executemany("INSERT INTO used_tonces (key, tonce) VALUES (?, ?)", [(creds.key, old), (creds.key, edge)])
    assert refusal(venue, auth, creds.key, sign(creds.secret, BODY), {"tonce": str(NOW_US)}) is None

    def used() -> list[int]:
        return [int(r[0]) for r in venue.conn.execute("SELECT tonce FROM used_tonces ORDER BY tonce")]

    assert used() == [edge, NOW_US]  # the old one pruned; the one on the window's edge kept
    venue.conn.execute("INSERT INTO used_tonces (key, tonce) VALUES (?, ?)", (creds.key, old))
    assert refusal(venue, auth, creds.key, sign(creds.secret, BODY), {"tonce": str(NOW_US + 1)}) is None
    assert used() == [old, edge, NOW_US, NOW_US + 1]  # the clock has not moved: no second pruning


def test_a_key_needs_one_of_the_endpoints_rights() -> None:
    info = KeyInfo("k", 2, b"s", frozenset({"get_info", "trade"}))
    Authenticator.check_rights(info, ())
    Authenticator.check_rights(info, ("withdraw", "trade"))
    with pytest.raises(SandboxError) as refused:
        Authenticator.check_rights(info, ("withdraw", "deposit"))
    assert (refused.value.message, refused.value.token, refused.value.kind) == (
        "Permission denied: this API key needs the withdraw or deposit right",
        "permission_denied",
        "permission",
    )
