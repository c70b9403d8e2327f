"""Every error the sandbox answers, and the HTTP status each one gets.

A handler raises `SandboxError` (core/errors.py); the API writes it in the version's envelope:

    v0   {"error": "<message>", "token": "<token>"}            (token only when there is one)
    v1   {"result": "error", "error": "<message>", "token": "<token>"}
    v2   {"result": "error", "error": "<message>", "token": "<token>"}

`?raw` never drops the error envelope. Statuses, by kind:

    kind        status               when                                               token
    ----------  -------------------  -------------------------------------------------  -----------------------------
    auth        403 (v0, v1, v2)     no Rest-Key / unknown key / bad Rest-Sign /        login_error_missing_rest_key,
                                     stale or repeated nonce / tonce outside the        login_error_invalid_rest_key,
                                     window or reused                                   login_error_invalid_rest_sign,
                                                                                        login_error_invalid_nonce,
                                                                                        login_error_invalid_tonce
    permission  403 (v0, v1, v2)     the key lacks every right the endpoint accepts     permission_denied
    not_found   404 (v0, v1, v2)     no catalogued endpoint at that path                method_not_found
    method      405 (v0, v1, v2)     a private endpoint called with GET                 method_not_allowed
    (h11)       400                  a request h11 cannot parse (limits.py)             invalid_request
    timeout     408 (v0, v1, v2)     headers or body not received in time (limits.py)   request_timeout
    too_large   413 (v0, v1, v2)     a body over 1 MiB, or over 1,000 form fields       request_too_large
    too_long    414 (v0, v1, v2)     a path over 1,024 bytes or 32 segments             request_uri_too_long
    headers     431 (v0, v1, v2)     request line + headers over 16 KiB (limits.py)      request_header_too_large
    request     200 (v0, v1)         a bad or missing parameter                         invalid_parameter
                                     a private call with a query string other than     unsigned_parameter
                                     ?raw / ?pretty
                400 (v2)             an order under 0.01 BTC ("Order amount is too      order_amount_too_low
                                     low"); an unknown or closed order ("Order not      unknown_error
                                     found"); a withdrawal without the funds            insufficient_funds
    internal    500 (v0, v1, v2)     a bug or a database failure (the transaction is   unknown_error
                                     rolled back; nothing half-done stays)
    unavailable 503 (v0, v1, v2)     an `http-503` fault (api/faults.py)                unknown_error

Why: Mt. Gox answered authentication failures with 403 and a JSON body (recorded for v1
and v2); v0 and v1 answered other application errors with 200 and an error body (the
recorded fixtures); v2 sent application errors with non-200 statuses. The sandbox uses 400
for them rather than Mt. Gox's occasional 5xx, so a client never mistakes a refused order for
a server failure worth retrying; 5xx means the sandbox itself failed.

Messages and tokens follow the recorded ones where Mt. Gox's are known
(`Identification required to access private API`, `Order not found` with `unknown_error`,
`Order amount is too low`, `Invalid parameter "type" (should be ask or bid)`); the others
(`permission_denied`, `insufficient_funds`, `invalid_parameter`, `order_amount_too_low`,
`method_not_found`, ...) are the sandbox's own; the catalogue's `errors:` rules document
those the SDK maps to a class of its own (`permission_denied`, `insufficient_funds`).
"""

from __future__ import annotations

from ..core.errors import SandboxError

AUTH_MESSAGE = "Identification required to access private API"

_FIXED_STATUS: dict[str, int] = {
    "auth": 403,
    "permission": 403,
    "not_found": 404,
    "method": 405,
    "too_large": 413,
    "too_long": 414,
    "timeout": 408,
    "headers": 431,
    "internal": 500,
    "unavailable": 503,
}


def status_of(error: SandboxError, version_key: str) -> int:
    fixed = _FIXED_STATUS.get(error.kind)
    if fixed is not None:
        return fixed
    return 400 if version_key == "v2" else 200


def auth_error(token: str) -> SandboxError:
    return SandboxError(AUTH_MESSAGE, token, "auth")


def permission_denied(rights: tuple[str, ...]) -> SandboxError:
    needed = " or ".join(rights)
    return SandboxError(f"Permission denied: this API key needs the {needed} right", "permission_denied", "permission")


def method_not_allowed(method: str) -> SandboxError:
    return SandboxError(f"Method {method} not allowed: use POST", "method_not_allowed", "method")


def not_found(path: str, hint: str | None = None) -> SandboxError:
    """`Method not found` (the recorded wording), the path, and where to look instead."""
    return SandboxError(f"Method not found: {path}" + (f" ({hint})" if hint else ""), "method_not_found", "not_found")


def unsigned_parameters(names: list[str]) -> SandboxError:
    """A private call with parameters in its (unsigned) query string."""
    listed = ", ".join(f'"{n}"' for n in names)
    return SandboxError(
        f"Parameters outside the signed body are refused on a private call: {listed} "
        "(send them in the signed POST body; only ?raw and ?pretty may be in the URL)",
        "unsigned_parameter",
    )


def too_large(what: str) -> SandboxError:
    return SandboxError(f"Request too large: {what}", "request_too_large", "too_large")


def headers_too_large(limit: int) -> SandboxError:
    message = f"Request header fields too large: at most {limit} bytes"
    return SandboxError(message, "request_header_too_large", "headers")


def uri_too_long(max_bytes: int, max_segments: int) -> SandboxError:
    return SandboxError(
        f"Request-URI too long: at most {max_bytes} bytes and {max_segments} segments",
        "request_uri_too_long",
        "too_long",
    )


def unavailable() -> SandboxError:
    """What Mt. Gox's application servers answered when they could not serve: a JSON error with a 5xx."""
    return SandboxError("Service temporarily unavailable, please retry later", "unknown_error", "unavailable")


def internal_error() -> SandboxError:
    return SandboxError("Internal error, please retry later", "unknown_error", "internal")
