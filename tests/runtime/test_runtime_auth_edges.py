"""Signing credentials at their edges: the exact errors, strict base64, the packed call's bounds.

Each message is compared whole: a script or a person reads it, and a wrong name or type in it
sends them the wrong way. Secrets never appear in any of them (test_runtime_secrets.py).
"""

from __future__ import annotations

import base64
import pickle
import uuid
from decimal import Decimal

import pytest

from mtgox_runtime import ConfigurationError, InvalidRequestError
from mtgox_runtime._auth import Credentials, Redacted, call_body, check_key, pack_call, unpack_call

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="
UUID_EXAMPLE = "12345678-abcd-1234-abcd-50286e649d5c"


def message(error: pytest.ExceptionInfo[BaseException]) -> str:
    return str(error.value)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (7, "the API key must be a str, not int"),
        (b"k", "the API key must be a str, not bytes"),
        ("x" * 40, f"the API key must be a UUID such as {UUID_EXAMPLE}, not {'x' * 40!r}"),
        ("x" * 41, f"the API key must be a UUID such as {UUID_EXAMPLE}, not '41 characters'"),
        ("ab\x07", f"the API key must be a UUID such as {UUID_EXAMPLE}, not '3 characters'"),
    ],
)
def test_a_bad_key_is_named_exactly_and_long_or_unprintable_ones_by_length_only(key: object, expected: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        check_key(key)
    assert message(error) == expected


def test_a_key_is_stripped() -> None:
    assert check_key(f"  {KEY}\n") == KEY


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (b"bytes", "the API secret must be a str, not bytes"),
        (None, "the API secret must be a str, not NoneType"),
        # a character outside base64 inside an otherwise whole secret: refused, not skipped
        (SECRET[:10] + "*" + SECRET[10:], "the API secret is not valid base64"),
        (SECRET[:10] + "_" + SECRET[11:], "the API secret is not valid base64"),  # urlsafe alphabet
        (
            base64.b64encode(bytes(63)).decode(),
            "the API secret must decode to 64 bytes, not 63 (is it the whole secret?)",
        ),
    ],
)
def test_a_bad_secret_gets_its_exact_reason(secret: object, expected: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        Credentials(KEY, secret)  # type: ignore[arg-type]
    assert message(error) == expected


def test_secrets_and_credentials_refuse_pickling_by_name() -> None:
    with pytest.raises(TypeError) as redacted:
        pickle.dumps(Redacted(SECRET))
    assert message(redacted) == "a Redacted value cannot be pickled"
    with pytest.raises(TypeError) as credentials:
        pickle.dumps(Credentials(KEY, SECRET))
    assert message(credentials) == "Credentials cannot be pickled"


def test_the_smallest_packed_call_is_the_key_and_signature_alone() -> None:
    blob = uuid.UUID(KEY).bytes + bytes(64)
    assert unpack_call(base64.b64encode(blob).decode()) == (KEY, bytes(64), b"")
    with pytest.raises(InvalidRequestError) as short:
        unpack_call(base64.b64encode(blob[:-1]).decode())
    assert message(short) == "a packed call holds at least 80 bytes, not 79"


def test_a_packed_call_may_be_wrapped_but_not_hold_foreign_characters() -> None:
    packed = pack_call(KEY, SECRET, {"id": "1", "call": "private/info"})
    wrapped = "\n".join(packed[i : i + 60] for i in range(0, len(packed), 60))
    assert unpack_call(wrapped) == unpack_call(packed)
    for bad in (packed[:20] + "*" + packed[20:], packed[:20] + "-" + packed[21:]):
        with pytest.raises(InvalidRequestError) as error:
            unpack_call(bad)
        assert message(error) == "a packed call must be a base64 string"


def test_call_bodies_name_what_they_cannot_encode() -> None:
    assert call_body({"amount": Decimal("0.1")}) == b'{"amount":"0.1"}'
    with pytest.raises(InvalidRequestError) as wrong_payload:
        call_body(7)  # type: ignore[arg-type]
    assert message(wrong_payload) == "payload must be a mapping or bytes, not int"
    with pytest.raises(InvalidRequestError) as wrong_value:
        call_body({"ids": {1, 2}})
    assert message(wrong_value) == "pack_call cannot encode a set as JSON"
