"""What the exchange refuses, and why: `SandboxError` (a message, an optional token and a
kind) and the refusals the domain itself makes (bad amounts, unknown orders, missing funds).

Which HTTP status each kind gets, and the refusals of the request itself (bad signature, no
such path, too large), are the API's (api/errors.py).
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal[
    "auth",
    "permission",
    "not_found",
    "method",
    "timeout",
    "too_large",
    "too_long",
    "headers",
    "request",
    "internal",
    "unavailable",
]


class SandboxError(Exception):
    """An error answer: a message, an optional token, and a kind that fixes the HTTP status."""

    def __init__(self, message: str, token: str | None = None, kind: ErrorKind = "request") -> None:
        super().__init__(message)
        self.message = message
        self.token = token
        self.kind: ErrorKind = kind

    def __repr__(self) -> str:
        return f"SandboxError({self.message!r}, token={self.token!r}, kind={self.kind!r})"


def invalid_parameter(name: str, expected: str | None = None) -> SandboxError:
    """`Invalid parameter "type" (should be ask or bid)`, the recorded Mt. Gox wording."""
    detail = f" ({expected})" if expected else ""
    return SandboxError(f'Invalid parameter "{name}"{detail}', "invalid_parameter")


def missing_parameter(name: str) -> SandboxError:
    return SandboxError(f'Missing parameter "{name}"', "invalid_parameter")


def order_not_found() -> SandboxError:
    return SandboxError("Order not found", "unknown_error")


def order_too_small() -> SandboxError:
    return SandboxError("Order amount is too low", "order_amount_too_low")


def insufficient_funds(currency: str) -> SandboxError:
    return SandboxError(f"Insufficient funds: not enough {currency} available", "insufficient_funds")
