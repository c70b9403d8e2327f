"""Bases of the generated per-version namespaces (`client.v2`), with the `call()` escape hatch.

`ns.call("BTCUSD/money/order/lag", signed=False)` reaches a path the catalogue does not list:
signed calls are POSTed with the version's signature style (v0/v1: the body; v2: path + NUL +
body), unsigned ones are GETs. The answer is the decoded JSON inside the version's envelope.
Such a call is not idempotent as far as the SDK knows, so it is retried only when it surely
never reached the server (and re-signed after a nonce rejection).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import httpx

from ._catalogue_info import AuthStyle, Endpoint
from ._drivers import AsyncCallDriver, SyncCallDriver
from ._errors import InvalidRequestError
from ._parse import to_any

_ParamValue = str | int | Decimal


def _wire_value(name: str, value: object) -> str:
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidRequestError(f"{name} must not contain NUL characters", param=name)
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidRequestError(f"{name} must be a finite number, not {value}", param=name)
        return format(value, "f")
    if isinstance(value, float):
        raise InvalidRequestError(
            f"{name} must be a str, int or Decimal, not float (floats are not exact: pass Decimal('...') instead)",
            param=name,
        )
    raise InvalidRequestError(f"{name} must be a str, int or Decimal, not {type(value).__name__}", param=name)


def escape_hatch(
    version: int, path: object, signed: bool, params: dict[str, object]
) -> tuple[Endpoint, str, list[tuple[str, str]]]:
    """The ad-hoc endpoint, the cleaned path and the wire parameters of a `call()`."""
    if not isinstance(path, str) or not path.strip("/"):
        raise InvalidRequestError("path must be a non-empty str such as 'BTCUSD/money/ticker'", param="path")
    cleaned = path.lstrip("/")
    if "://" in cleaned or any(c in cleaned for c in "?#") or not cleaned.isprintable() or " " in cleaned:
        raise InvalidRequestError(
            f"path must be relative to the version prefix, without a query (e.g. 'BTCUSD/money/ticker'), not {path!r}",
            param="path",
        )
    if ".." in cleaned.split("/"):
        raise InvalidRequestError(f"path must not contain '..' segments: {path!r}", param="path")
    wire = [(name, _wire_value(name, value)) for name, value in params.items()]
    auth: AuthStyle = ("path_body_hmac" if version >= 2 else "body_hmac") if signed else "none"
    endpoint = Endpoint(
        version=version,
        name=f"call({cleaned})",
        http_method="POST" if signed else "GET",
        auth=auth,
        idempotent=False,
    )
    return endpoint, cleaned, wire


class SyncNamespace:
    """Base of a generated version namespace (`class V2(SyncNamespace): _version = 2`)."""

    _version: ClassVar[int]

    def __init__(self, transport: SyncCallDriver) -> None:
        self._transport = transport

    def call(
        self,
        path: str,
        /,
        *,
        signed: bool = True,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: _ParamValue,
    ) -> Any:
        """Call a path the catalogue does not list; returns the unwrapped, decoded JSON."""
        endpoint, cleaned, wire = escape_hatch(self._version, path, signed, dict(params))
        return self._transport.call(endpoint, cleaned, wire, to_any, timeout=timeout, extra_headers=extra_headers)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} API v{self._version}>"


class AsyncNamespace:
    """Base of a generated async version namespace."""

    _version: ClassVar[int]

    def __init__(self, transport: AsyncCallDriver) -> None:
        self._transport = transport

    async def call(
        self,
        path: str,
        /,
        *,
        signed: bool = True,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: _ParamValue,
    ) -> Any:
        """Call a path the catalogue does not list; returns the unwrapped, decoded JSON."""
        endpoint, cleaned, wire = escape_hatch(self._version, path, signed, dict(params))
        return await self._transport.call(endpoint, cleaned, wire, to_any, timeout=timeout, extra_headers=extra_headers)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} API v{self._version}>"
