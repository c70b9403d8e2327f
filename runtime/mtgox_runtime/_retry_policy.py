"""When a failed attempt is tried again, and after how long: one pure function, `decide`.

It reads only its arguments (no clock, no randomness, no I/O), so a table test drives every
row. The call loop (`_call_flow.py`) describes what happened as a `Failure`, asks `decide`, and
does what it answers: `Resign` (send again at once with a fresh nonce and signature), `Retry`
(wait, then send again; `jitter` says the loop draws the wait from [0, seconds]), or `GiveUp`
(raise the error, with `note` appended to its message when there is one).

The rules, first match wins:
1. A refused nonce is re-signed and resent at once, for any signed endpoint (the server refused
   the request before acting on it), at most `NONCE_RETRIES` times.
2. A failure a retry cannot cure (a 4xx error, a body past `max_response_bytes`, one that is not
   UTF-8, a corrupt compressed body, an answer of the wrong shape) is never retried.
3. A curable failure (5xx, 429, "Too many orders placed", timeouts, broken connections, transient
   non-JSON answers) is retried when the endpoint is idempotent or the request surely never
   left (could not connect, connect or pool timeout); otherwise it is given up, with a note
   saying why when no answer came (a timeout or a broken connection).
4. At most `max_retries` retries; a server's Retry-After is waited for exactly, unless it is
   longer than `MAX_RETRY_AFTER` (the error is raised with `retry_after` instead); without one,
   exponential backoff: 0.5 s doubling to 8 s, with full jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import MtGoxError, NonceError, TransportError

#: How many times a nonce rejection is re-signed and resent.
NONCE_RETRIES = 5
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
#: A Retry-After longer than this is not waited for: the error is raised with `retry_after` set.
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class Failure:
    """What happened on one attempt, as far as retrying is concerned."""

    #: The class of the error the attempt ends in (NonceError, ServerError, APITimeoutError, ...).
    error: type[MtGoxError]
    #: A retry may cure it (5xx, 429, timeouts, broken connections, transient non-JSON answers).
    curable: bool
    #: The request surely never reached the server (could not connect, connect or pool timeout).
    surely_not_sent: bool = False
    #: Seconds the server asked us to wait, if it said.
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Resign:
    """Send again at once, with a fresh nonce and signature."""


@dataclass(frozen=True, slots=True)
class Retry:
    """Send again after `seconds` (after a random part of them when `jitter`)."""

    seconds: float
    jitter: bool = False


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Raise the attempt's error; `note`, when set, is appended to its message."""

    note: str | None = None


Decision = Resign | Retry | GiveUp


def backoff_limit(retry_index: int) -> float:
    """The upper bound of the `retry_index`-th backoff (0-based): 0.5, 1, 2, 4, 8, 8, ..."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2.0 ** min(retry_index, 16)))


def decide(
    failure: Failure,
    *,
    label: str,
    signed: bool,
    idempotent: bool,
    retries: int,
    resigns: int,
    max_retries: int,
) -> Decision:
    """What to do after `failure`, given the retries and re-signs already made for this call.

    `label` (such as `v2.order_add`) only names the endpoint in a note.
    """
    if signed and issubclass(failure.error, NonceError) and resigns < NONCE_RETRIES:
        return Resign()
    if not failure.curable:
        return GiveUp()
    if not (idempotent or failure.surely_not_sent):
        if not issubclass(failure.error, TransportError):
            return GiveUp()  # the server answered: its message says what happened
        return GiveUp(f"the request may have reached the server, so it is not retried ({label} is not idempotent)")
    if retries >= max_retries:
        return GiveUp()
    if failure.retry_after is None:
        return Retry(backoff_limit(retries), jitter=True)
    if failure.retry_after > MAX_RETRY_AFTER:  # a long pause is the caller's to take: retry_after is set
        return GiveUp()
    return Retry(failure.retry_after)
