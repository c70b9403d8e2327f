"""The retry policy, row by row: `decide()` is pure, so a table states all of it.

The expectations are written by hand from the rules in `_retry_policy.py`'s docstring, never
computed from the policy's own constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mtgox_runtime import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    InsufficientFundsError,
    InvalidRequestError,
    InvalidResponseError,
    MtGoxError,
    NonceError,
    RateLimitedError,
    ResponseEncodingError,
    ResponseTooLargeError,
    ServerError,
)
from mtgox_runtime._retry_policy import Decision, Failure, GiveUp, Resign, Retry, decide

NOT_IDEMPOTENT = "the request may have reached the server, so it is not retried (v2.order_add is not idempotent)"


@dataclass(frozen=True)
class Row:
    name: str
    failure: Failure
    expected: Decision
    idempotent: bool = True
    signed: bool = True
    retries: int = 0
    resigns: int = 0
    max_retries: int = 2


def fail(error: type[MtGoxError], curable: bool, *, sent: bool = True, after: float | None = None) -> Failure:
    return Failure(error, curable=curable, surely_not_sent=not sent, retry_after=after)


ROWS = [
    # 1. A refused nonce: re-signed at once, five times at most, signed calls only.
    Row("nonce refused: re-sign", fail(NonceError, False), Resign(), idempotent=False),
    Row("nonce refused, 4 re-signs made: re-sign", fail(NonceError, False), Resign(), resigns=4),
    Row("nonce refused, 5 re-signs made: give up", fail(NonceError, False), GiveUp(), resigns=5),
    Row("nonce refused on a public call: give up", fail(NonceError, False), GiveUp(), signed=False),
    Row("nonce refused, retries used up: still re-signs", fail(NonceError, False), Resign(), retries=2),
    # 2. What a retry cannot cure is never retried, idempotent or not.
    Row("authentication refused", fail(AuthenticationError, False), GiveUp()),
    Row("insufficient funds", fail(InsufficientFundsError, False), GiveUp()),
    Row("invalid request", fail(InvalidRequestError, False), GiveUp()),
    Row("plain APIError (4xx)", fail(APIError, False), GiveUp()),
    Row("body past max_response_bytes", fail(ResponseTooLargeError, False), GiveUp()),
    Row("body not UTF-8", fail(ResponseEncodingError, False), GiveUp()),
    Row("non-JSON answer, not transient", fail(InvalidResponseError, False), GiveUp()),
    Row("corrupt compressed body", fail(InvalidResponseError, False), GiveUp(), idempotent=False),
    Row("unknown httpx failure", fail(APIConnectionError, False), GiveUp()),
    # 3. Curable: idempotent endpoints retry with backoff 0.5, 1, 2, 4, 8, 8 (jittered).
    Row("5xx, first retry", fail(ServerError, True), Retry(0.5, jitter=True)),
    Row("5xx, second retry", fail(ServerError, True), Retry(1.0, jitter=True), retries=1, max_retries=5),
    Row("5xx, third retry", fail(ServerError, True), Retry(2.0, jitter=True), retries=2, max_retries=5),
    Row("5xx, fourth retry", fail(ServerError, True), Retry(4.0, jitter=True), retries=3, max_retries=5),
    Row("5xx, fifth retry: capped at 8", fail(ServerError, True), Retry(8.0, jitter=True), retries=4, max_retries=9),
    Row("5xx, ninth retry: still 8", fail(ServerError, True), Retry(8.0, jitter=True), retries=8, max_retries=9),
    Row("transient non-JSON answer", fail(InvalidResponseError, True), Retry(0.5, jitter=True)),
    Row("read timeout", fail(APITimeoutError, True), Retry(0.5, jitter=True)),
    Row("broken connection", fail(APIConnectionError, True), Retry(0.5, jitter=True)),
    Row("too many orders (429 without Retry-After)", fail(RateLimitedError, True), Retry(0.5, jitter=True)),
    #    ... and not idempotent: given up, with a note only when no answer came.
    Row("read timeout, not idempotent", fail(APITimeoutError, True), GiveUp(NOT_IDEMPOTENT), idempotent=False),
    Row("broken connection, not idempotent", fail(APIConnectionError, True), GiveUp(NOT_IDEMPOTENT), idempotent=False),
    Row("5xx, not idempotent: the answer says it", fail(ServerError, True), GiveUp(), idempotent=False),
    Row("429, not idempotent", fail(RateLimitedError, True, after=1.0), GiveUp(), idempotent=False),
    Row("transient non-JSON, not idempotent", fail(InvalidResponseError, True), GiveUp(), idempotent=False),
    #    ... unless the request surely never left: retried for any endpoint.
    Row(
        "could not connect, not idempotent",
        fail(APIConnectionError, True, sent=False),
        Retry(0.5, jitter=True),
        idempotent=False,
    ),
    Row(
        "connect timeout, not idempotent",
        fail(APITimeoutError, True, sent=False),
        Retry(1.0, jitter=True),
        idempotent=False,
        retries=1,
    ),
    Row(
        "could not connect, public call",
        fail(APIConnectionError, True, sent=False),
        Retry(0.5, jitter=True),
        signed=False,
    ),
    # 4. At most max_retries retries.
    Row("5xx, retries used up", fail(ServerError, True), GiveUp(), retries=2),
    Row("5xx, max_retries=0", fail(ServerError, True), GiveUp(), max_retries=0),
    Row("could not connect, retries used up", fail(APIConnectionError, True, sent=False), GiveUp(), retries=2),
    #    A Retry-After is waited for exactly, up to 60 s; longer is the caller's to take.
    Row("429 with Retry-After 3", fail(RateLimitedError, True, after=3.0), Retry(3.0)),
    Row("503 with Retry-After 0", fail(ServerError, True, after=0.0), Retry(0.0)),
    Row("503 with Retry-After 60", fail(ServerError, True, after=60.0), Retry(60.0)),
    Row("429 with Retry-After 60.5", fail(RateLimitedError, True, after=60.5), GiveUp()),
    Row("429 with Retry-After 3600", fail(RateLimitedError, True, after=3600.0), GiveUp()),
    Row("Retry-After ignores the backoff step", fail(ServerError, True, after=2.5), Retry(2.5), retries=1),
    Row("Retry-After, retries used up", fail(RateLimitedError, True, after=1.0), GiveUp(), retries=2),
    Row("Retry-After on an incurable error", fail(APIError, False, after=1.0), GiveUp()),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_retry_policy(row: Row) -> None:
    decision = decide(
        row.failure,
        label="v2.order_add",
        signed=row.signed,
        idempotent=row.idempotent,
        retries=row.retries,
        resigns=row.resigns,
        max_retries=row.max_retries,
    )
    assert decision == row.expected


def test_every_decision_kind_and_error_family_has_a_row() -> None:
    kinds = {type(row.expected) for row in ROWS}
    assert kinds == {Resign, Retry, GiveUp}
    notes = {row.expected.note for row in ROWS if isinstance(row.expected, GiveUp)}
    assert {None, NOT_IDEMPOTENT} <= notes
    families = {row.failure.error for row in ROWS}
    assert {NonceError, ServerError, RateLimitedError, APITimeoutError, APIConnectionError} <= families
    assert {InvalidResponseError, ResponseTooLargeError, ResponseEncodingError, APIError} <= families
