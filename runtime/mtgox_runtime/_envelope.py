"""Response bodies to payloads or typed errors, per API version.

- `plain` (v0): the payload as is; an object whose leading key is `error` (or that says
  `"result": "error"`) is an error.
- `return` (v1): `{"result": "success", "return": X}` -> X.
- `data` (v2): `{"result": "success", "data": X}` -> X.
- `{"result": "error", "error": msg, "token": tok}` -> the APIError subclass the catalogue's
  first matching rule names; otherwise AuthenticationError for HTTP 403, NotFoundError for 404
  (with a hint about base_url when the path shows it is wrong), RateLimitedError for 429,
  ServerError for 5xx, APIError for anything else.

The body is read whatever the HTTP status: Mt. Gox sent JSON errors with 403 and 5xx. JSON is
decoded with `parse_float=Decimal`, so no float ever holds money; NaN and Infinity are refused.
A body that is not JSON (an HTML error page, `MySQL error, please retry later`, an empty or
truncated body) is an InvalidResponseError marked `transient` when a retry may cure it; one that
is not UTF-8 is a ResponseEncodingError, never retried.
"""

from __future__ import annotations

import csv
import email.utils
import io
import json
import re
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx

from . import _wire
from ._catalogue_info import Endpoint, Envelope, ErrorRule
from ._errors import (
    ERROR_CLASSES,
    APIError,
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    RateLimitedError,
    ResponseEncodingError,
    ServerError,
)

_WAIT_SECS = re.compile(rb"wait\s+(\d+(?:\.\d+)?)\s*s", re.IGNORECASE)

RuleTable = Sequence[tuple[ErrorRule, type[APIError]]]


def rule_table(rules: Sequence[ErrorRule]) -> tuple[tuple[ErrorRule, type[APIError]], ...]:
    """Resolve each rule's class name once."""
    table = []
    for rule in rules:
        cls = ERROR_CLASSES.get(rule.error_class)
        if cls is None:
            raise ValueError(f"error rule names an unknown class {rule.error_class!r}")
        table.append((rule, cls))
    return tuple(table)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def loads(content: bytes | str) -> Any:
    """JSON with exact decimals; raises ValueError for anything that is not strict JSON."""
    try:
        return _wire.UNTYPED.decode(content)  # the same values as json gives, faster
    except _wire.FAILURES:  # json reads a BOM or UTF-16, and says what is wrong with the rest
        return json.loads(content, parse_float=Decimal, parse_constant=_refuse_constant)


def retry_after(headers: httpx.Headers, message: str | bytes | None = None) -> float | None:
    """Seconds the server asked us to wait: `Retry-After-Ms`, `Retry-After` (seconds or a date),
    or Mt. Gox's "please wait N secs" in the error message."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(raw)
                return max(0.0, when.timestamp() - time.time())
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
    if message:
        found = _WAIT_SECS.search(message.encode() if isinstance(message, str) else message)
        if found:
            return float(found.group(1))
    return None


def default_error_class(status: int) -> type[APIError]:
    if status == 403:
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return APIError


def api_error(
    message: str,
    token: str | None,
    response: httpx.Response,
    endpoint: Endpoint,
    rules: RuleTable,
    api_path: str | None = None,
) -> APIError:
    status = response.status_code
    cls: type[APIError] | None = None
    for rule, rule_cls in rules:
        if rule.matches(token=token, message=message, status=status):
            cls = rule_cls
            break
    if cls is None:
        cls = default_error_class(status)
    kwargs: dict[str, Any] = {
        "endpoint": endpoint.label,
        "status": status,
        "token": token,
        "body": response.content,
    }
    if issubclass(cls, RateLimitedError):
        return cls(message, retry_after=retry_after(response.headers, message), **kwargs)
    if status == 404:
        message += not_found_hint(response, api_path)
    return cls(message, **kwargs)


def not_found_hint(response: httpx.Response, api_path: str | None = None) -> str:
    """Where the 404 came from, and `check base_url` only when the path shows that is the cause.

    `api_path` is where the catalogue says the call's version lives (`/api/2/`): a request under
    it reached the API with the base URL right, so the server lacks that method; one outside it
    (`/2/money/info` from a base URL without `/api`, or `/api/api/2/...`) points at the base URL.
    None: unknown, so the hint is given.
    """
    url = response.request.url.copy_with(query=None)
    if api_path is not None and response.request.url.path.startswith(api_path):
        return f" (HTTP 404 for {url}: the server has no such method)"
    where = f"...{api_path}" if api_path else ".../api"
    return f" (HTTP 404 for {url}: check base_url; this version of the API lives under {where})"


#: Plain-text failures Mt. Gox sent in place of an answer ("MySQL error, please retry later").
_FAILURE_MARKERS = (b"mysql error", b"retry later")


def _describe_not_json(content: bytes, status: int, expected: str = "JSON") -> tuple[str, bool]:
    """What a body that is not what was expected looks like, and whether a retry may cure it."""
    transient = status >= 500 or status == 408 or 200 <= status < 300
    head = content.lstrip()[:200]
    if not head:
        return f"the server sent an empty body instead of {expected}", transient
    lowered = head.lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        return (
            f"the server sent an HTML page instead of {expected} (an error page from the server or a proxy)",
            transient,
        )
    if any(marker in lowered for marker in _FAILURE_MARKERS):
        return f"the server reported a temporary failure instead of {expected}", transient
    if head[:1] in (b"{", b"["):
        what = "truncated or malformed JSON" if expected == "JSON" else f"JSON instead of {expected}"
        return f"the server sent {what}", transient
    return f"the server sent something that is not {expected}", transient


def _not_json(
    response: httpx.Response, endpoint: Endpoint, api_path: str | None = None
) -> InvalidResponseError | APIError:
    status = response.status_code
    if status == 429:
        return RateLimitedError(
            "too many requests (HTTP 429)",
            retry_after=retry_after(response.headers),
            endpoint=endpoint.label,
            status=status,
            body=response.content,
        )
    if 300 <= status < 400:
        where = response.headers.get("location", "?")
        return InvalidResponseError(
            f"the server redirected to {where}: check base_url",
            endpoint=endpoint.label,
            status=status,
            body=response.content,
        )
    if status == 404:
        return NotFoundError(
            "not found" + not_found_hint(response, api_path),
            endpoint=endpoint.label,
            status=status,
            body=response.content,
        )
    message, transient = _describe_not_json(response.content, status)
    error = InvalidResponseError(message, endpoint=endpoint.label, status=status, body=response.content)
    error.transient = transient
    return error


def _error_fields(payload: dict[str, Any]) -> tuple[str, str | None]:
    raw_message = payload.get("error")
    if raw_message is None:
        raw_message = payload.get("message")
    message = "the server reported an error without a message" if raw_message is None else str(raw_message)
    token = payload.get("token")
    return message, (token if isinstance(token, str) and token else None)


def _status_error(
    response: httpx.Response, endpoint: Endpoint, rules: RuleTable, api_path: str | None = None
) -> APIError:
    """A non-2xx answer whose body carries no error of its own."""
    message = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    return api_error(message, None, response, endpoint, rules, api_path)


_WRAPPER_KEY: dict[Envelope, str] = {"return": "return", "data": "data"}


def unwrap(
    payload: Any,
    envelope: Envelope,
    response: httpx.Response,
    endpoint: Endpoint,
    rules: RuleTable,
    api_path: str | None = None,
) -> Any:
    """The payload inside the version's envelope, or the error it carries, raised."""
    status = response.status_code
    if envelope == "plain":
        if (
            type(payload) is dict
            and "error" in payload
            and (next(iter(payload)) == "error" or payload.get("result") == "error")
        ):
            message, token = _error_fields(payload)
            raise api_error(message, token, response, endpoint, rules, api_path)
        if status >= 300:
            raise _status_error(response, endpoint, rules, api_path)
        return payload
    if type(payload) is dict:
        result = payload.get("result")
        if result == "success" and status < 300:
            key = _WRAPPER_KEY[envelope]
            try:
                return payload[key]
            except KeyError:
                pass
        elif result == "error" or (result is None and "error" in payload):
            message, token = _error_fields(payload)
            raise api_error(message, token, response, endpoint, rules, api_path)
    if status >= 300:
        raise _status_error(response, endpoint, rules, api_path)
    key = _WRAPPER_KEY[envelope]
    raise InvalidResponseError(
        f'expected the {{"result": "success", "{key}": ...}} envelope of API v{endpoint.version}',
        endpoint=endpoint.label,
        status=status,
        body=response.content,
    )


def _looks_like_json_error(content: bytes) -> Any:
    stripped = content.lstrip()
    if not stripped.startswith(b"{"):
        return None
    try:
        payload = loads(content)
    except (ValueError, RecursionError):
        return None
    if type(payload) is dict and ("error" in payload or payload.get("result") == "error"):
        return payload
    return None


def _csv_rows(text: str, endpoint: Endpoint, response: httpx.Response) -> list[dict[str, str]]:
    header = text.lstrip().split("\n", 1)[0]
    lowered = header.lower().encode("utf-8", "replace")
    if "," not in header or header[:1] in ("<", "{", "[") or any(m in lowered for m in _FAILURE_MARKERS):
        # One column, an HTML page, JSON, "MySQL error, please retry later": not the export.
        message, transient = _describe_not_json(response.content, response.status_code, expected="CSV")
        error = InvalidResponseError(
            message, endpoint=endpoint.label, status=response.status_code, body=response.content
        )
        error.transient = transient
        raise error
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), restkey="\0extra", restval="")
        rows: list[dict[str, str]] = []
        for number, row in enumerate(reader, start=2):
            if "\0extra" in row:
                raise InvalidResponseError(
                    f"CSV line {number} has more fields than the header",
                    endpoint=endpoint.label,
                    status=response.status_code,
                    body=response.content,
                )
            rows.append(row)
        return rows
    except csv.Error as exc:
        raise InvalidResponseError(
            f"malformed CSV: {exc}", endpoint=endpoint.label, status=response.status_code, body=response.content
        ) from None


def decode(
    response: httpx.Response, endpoint: Endpoint, envelope: Envelope, rules: RuleTable, api_path: str | None = None
) -> Any:
    """The payload of `response`, or raise the error it means (`api_path`: see `not_found_hint`)."""
    content = response.content
    if 300 <= response.status_code < 400:  # whatever the body: the answer is elsewhere
        raise _not_json(response, endpoint, api_path)
    if endpoint.response_format == "json":
        try:
            payload = loads(content)
        except UnicodeDecodeError as exc:
            raise ResponseEncodingError(
                f"the server sent a body that is not UTF-8 (byte {content[exc.start : exc.start + 1]!r} at offset"
                f" {exc.start}); JSON must be UTF-8, and the same request would get the same bytes",
                endpoint=endpoint.label,
                status=response.status_code,
                body=response.content,
            ) from None
        except (ValueError, RecursionError):
            raise _not_json(response, endpoint, api_path) from None
        return unwrap(payload, envelope, response, endpoint, rules, api_path)
    # text and csv: a JSON error object still means an error
    error_payload = _looks_like_json_error(content)
    if error_payload is not None:
        unwrap(error_payload, envelope, response, endpoint, rules, api_path)  # raises the error it carries
    status = response.status_code
    if status == 429 or 300 <= status < 400:
        raise _not_json(response, endpoint, api_path)
    if status >= 400:
        raise _status_error(response, endpoint, rules, api_path)
    try:
        text = response.text
    except (LookupError, ValueError):
        text = content.decode("utf-8", "replace")
    if endpoint.response_format == "csv":
        return _csv_rows(text, endpoint, response)
    return text
