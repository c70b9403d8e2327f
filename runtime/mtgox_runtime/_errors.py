"""Every error the SDK raises.

    MtGoxError
    ├── ConfigurationError        bad key/secret, insecure base URL, bad option (at construction)
    ├── InvalidRequestError       bad argument, caught before anything is sent
    ├── ClientClosedError         a call on a client that was closed
    ├── NonceStoreError           the nonce file holds a value past 2**63-1; says how to recover
    ├── APIError                  the server answered {"result": "error", ...} or {"error": ...}
    │   ├── AuthenticationError   unknown key, bad signature (login_error_*)
    │   │   └── NonceError        nonce or tonce refused
    │   ├── PermissionDeniedError the key lacks the right the call needs
    │   ├── InsufficientFundsError
    │   ├── OrderNotFoundError
    │   ├── RateLimitedError      "Too many orders placed", HTTP 429
    │   ├── NotFoundError         HTTP 404: no such method (often a base_url without /api)
    │   └── ServerError           an API error sent with a 5xx status
    ├── InvalidResponseError      not JSON, HTML error page, MySQL error, wrong envelope or shape
    │   ├── ResponseTooLargeError the decoded body passed max_response_bytes (a decompression bomb)
    │   └── ResponseEncodingError the body is not UTF-8 (JSON must be)
    └── TransportError
        ├── APIConnectionError    could not connect, or the connection broke
        └── APITimeoutError       no answer in time

Every error carries what a user needs to act on it: the endpoint, the HTTP status (`status`,
also readable as `status_code`, the name httpx and the OpenAI SDK give it), the server's message
and token, and a short excerpt of the body. None carries a secret.
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

    @property
    def status_code(self) -> int | None:
        """The HTTP status of the answer (None when there was none): `status` under the name
        httpx's `HTTPStatusError.response.status_code` and the OpenAI SDK's errors use."""
        return self.status

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


class ClientClosedError(MtGoxError):
    """A call on a client that was closed (`close()`, or the end of its `with` block)."""

    kind = "closed"


class NonceStoreError(ConfigurationError):
    """The nonce store cannot hand out a nonce the server accepts (a file past 2**63-1)."""

    kind = "nonce_store"


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


class NotFoundError(APIError):
    """HTTP 404: the server has no such method; most often a base_url missing its `/api`."""

    kind = "not_found"


class InvalidResponseError(MtGoxError):
    """The response could not be understood: not JSON, an HTML page, a wrong envelope or shape."""

    kind = "invalid_response"

    #: True for what a retry may cure (an HTML error page, "MySQL error, please retry later",
    #: an empty or truncated body); False for a wrong envelope or shape.
    transient: bool = False


class ResponseTooLargeError(InvalidResponseError):
    """The decoded body passed the client's `max_response_bytes` (a decompression bomb, say); not retried."""

    kind = "response_too_large"


class ResponseEncodingError(InvalidResponseError):
    """The body is not UTF-8, which JSON must be; the same request gets the same bytes, so it is not retried."""

    kind = "response_encoding"


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
        NotFoundError,
        ServerError,
    )
}
