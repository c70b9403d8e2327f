"""What came back from one attempt: a parsed result, or an error and a `Failure` to decide on.

- `_envelope.decode` turns a response into its payload, or into the APIError the catalogue maps
  the server's error to (InvalidResponseError for what no version sends); `parse_payload` then
  runs the generated `from_wire` on it (a payload that does not parse is not retried: the
  server would send the same again).
- `answer_failure` and `exchange_failure` describe a failed attempt to the retry policy: the
  first for an answer that carried an error, the second for an exchange that broke (httpx raised).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from . import _envelope
from ._body import BodyTooLarge, InvalidRedirect
from ._catalogue_info import Endpoint
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    InvalidResponseError,
    MtGoxError,
    RateLimitedError,
    ResponseTooLargeError,
    ServerError,
)
from ._parse import ShapeError
from ._retry_policy import Failure

T = TypeVar("T")

#: Bodies larger than this are decoded with the garbage collector paused: building tens of
#: thousands of small model objects otherwise triggers repeated collections (~8% of a full depth).
GC_PAUSE_BYTES = 1 << 20


@contextmanager
def gc_paused_for(response: httpx.Response) -> Iterator[None]:
    """Decode and parse a large body with the garbage collector paused (see GC_PAUSE_BYTES)."""
    if len(response.content) <= GC_PAUSE_BYTES or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse_payload(
    parse: Callable[[Any], T], payload: Any, endpoint: Endpoint, root: str, response: httpx.Response
) -> T:
    """`parse(payload)`; an InvalidResponseError naming where the payload went wrong otherwise."""
    try:
        return parse(payload)
    except ShapeError as exc:
        raise InvalidResponseError(
            f"{root}{exc.location}: {exc.message}",
            endpoint=endpoint.label,
            status=response.status_code,
            body=response.content,
        ) from None
    except MtGoxError:
        raise
    except Exception as exc:
        raise InvalidResponseError(
            f"the answer could not be parsed ({type(exc).__name__}: {exc})",
            endpoint=endpoint.label,
            status=response.status_code,
            body=response.content,
        ) from exc


def answer_failure(error: APIError | InvalidResponseError, response: httpx.Response) -> Failure:
    """A failed attempt whose answer arrived (the server refused, or sent something unreadable)."""
    if isinstance(error, RateLimitedError):
        return Failure(type(error), curable=True, retry_after=error.retry_after)
    if isinstance(error, ServerError):
        return Failure(type(error), curable=True, retry_after=_envelope.retry_after(response.headers))
    if isinstance(error, InvalidResponseError):
        return Failure(type(error), curable=error.transient, retry_after=_envelope.retry_after(response.headers))
    return Failure(type(error), curable=False)


def exchange_failure(exc: httpx.HTTPError) -> tuple[type[MtGoxError], str, Failure]:
    """(error class, message, Failure) for an exchange that broke: httpx raised `exc`."""
    name = type(exc).__name__
    detail = str(exc) or name
    cls: type[MtGoxError]
    surely_not_sent = False
    curable = True
    if isinstance(exc, BodyTooLarge):
        cls = ResponseTooLargeError
        message = f"{detail}; pass a larger max_response_bytes to the client if this answer is expected"
        curable = False
    elif isinstance(exc, InvalidRedirect):
        cls, message = InvalidResponseError, f"{detail}: an API answers, it does not send the caller elsewhere"
        curable = False
    elif isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        cls, message = APITimeoutError, f"timed out before the request was sent ({name}: {detail})"
        surely_not_sent = True
    elif isinstance(exc, httpx.TimeoutException):
        cls, message = APITimeoutError, f"no answer in time ({name}: {detail})"
    elif isinstance(exc, httpx.ConnectError):
        cls, message = APIConnectionError, f"could not connect ({name}: {detail})"
        surely_not_sent = True
    elif isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        cls, message = APIConnectionError, f"the connection failed ({name}: {detail})"
    elif isinstance(exc, httpx.DecodingError):
        cls, message = InvalidResponseError, f"the response body could not be decoded ({name}: {detail})"
        curable = False
    else:
        cls, message = APIConnectionError, f"the request failed ({name}: {detail})"
        curable = False
    return cls, message, Failure(cls, curable=curable, surely_not_sent=surely_not_sent)
