"""Every error the SDK raises.

    MtGoxError
    ├── ConfigurationError        bad key/secret, insecure base URL, bad option (at construction)
    ├── InvalidRequestError       bad argument, caught before anything is sent
    ├── APIError                  the server answered {"result": "error", ...} or {"error": ...}
    │   ├── AuthenticationError   unknown key, bad signature (login_error_*)
    │   │   └── NonceError        nonce or tonce refused
    │   ├── PermissionDeniedError the key lacks the right the call needs
    │   ├── InsufficientFundsError
    │   ├── OrderNotFoundError
    │   ├── RateLimitedError      "Too many orders placed", HTTP 429
    │   └── ServerError           an API error sent with a 5xx status
    ├── InvalidResponseError      not JSON, HTML error page, MySQL error, wrong envelope or shape
    └── TransportError
        ├── APIConnectionError    could not connect, or the connection broke
        └── APITimeoutError       no answer in time

Every error carries what a user needs to act on it: the endpoint, the HTTP status, the
server's message and token, and a short excerpt of the body. None carries a secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import httpx

BODY_EXCERPT_CHARS = 200


def excerpt(body: bytes | str | None, limit: int = BODY_EXCERPT_CHARS) -> str | None:
    """A short, printable prefix of a response body for error messages."""
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = text.strip()
    if len(text) > limit:
        return text[:limit] + f"... ({len(text)} chars)"
    return text


class MtGoxError(Exception):
    """Base class of every error raised by the SDK."""

    #: What kind of failure this is, for logs and error messages.
    kind: ClassVar[str] = "error"

    #: The final HTTP response, when there was one (the transport sets it). Its request
    #: carries the signature headers but never the secret.
    response: httpx.Response | None = None
    #: How many HTTP requests the call made before failing (the transport sets it).
    attempts: int | None = None

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status: int | None = None,
        token: str | None = None,
        body: bytes | str | None = None,
    ) -> None:
        self.message = message
        self.endpoint = endpoint
        self.status = status
        self.token = token
        self.body_excerpt = excerpt(body)
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        where = []
        if self.endpoint:
            where.append(self.endpoint)
        if self.status is not None:
            where.append(f"HTTP {self.status}")
        if self.token:
            where.append(f"token={self.token}")
        if where:
            parts.append(f"[{', '.join(where)}]")
        if self.body_excerpt:
            parts.append(f"body: {self.body_excerpt!r}")
        return " ".join(parts)


class ConfigurationError(MtGoxError):
    """The client was configured wrongly (credentials, base URL, options)."""

    kind = "configuration"


class InvalidRequestError(MtGoxError, ValueError):
    """An argument was refused before anything was sent."""

    kind = "invalid_request"

    def __init__(self, message: str, *, param: str | None = None, endpoint: str | None = None) -> None:
        self.param = param
        super().__init__(message, endpoint=endpoint)


class APIError(MtGoxError):
    """The server answered with an error."""

    kind = "api"


class AuthenticationError(APIError):
    """The server did not accept the key or the signature."""

    kind = "authentication"


class NonceError(AuthenticationError):
    """The server refused the nonce (not larger than the last) or the tonce."""

    kind = "nonce"


class PermissionDeniedError(APIError):
    """The API key lacks the right the call needs (get_info, trade, deposit, withdraw)."""

    kind = "permission"


class InsufficientFundsError(APIError):
    """The account holds too little of a currency for the call."""

    kind = "insufficient_funds"


class OrderNotFoundError(APIError):
    """No open order with that id."""

    kind = "order_not_found"


class RateLimitedError(APIError):
    """The server asked the client to slow down."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class ServerError(APIError):
    """An API error sent with a 5xx status."""

    kind = "server"


class InvalidResponseError(MtGoxError):
    """The response could not be understood: not JSON, an HTML page, a wrong envelope or shape."""

    kind = "invalid_response"

    #: True for what a retry may cure (an HTML error page, "MySQL error, please retry later",
    #: an empty or truncated body); False for a wrong envelope or shape.
    transient: bool = False


class TransportError(MtGoxError):
    """The request did not complete on the wire."""

    kind = "transport"


class APIConnectionError(TransportError):
    """Could not connect, or the connection broke."""

    kind = "connection"


class APITimeoutError(TransportError):
    """No answer in time."""

    kind = "timeout"


#: The classes an `errors:` rule in the catalogue may name.
ERROR_CLASSES: dict[str, type[APIError]] = {
    cls.__name__: cls
    for cls in (
        APIError,
        AuthenticationError,
        NonceError,
        PermissionDeniedError,
        InsufficientFundsError,
        OrderNotFoundError,
        RateLimitedError,
        ServerError,
    )
}
