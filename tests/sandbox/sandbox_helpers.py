"""A minimal Mt. Gox client for the sandbox's own tests: signs exactly as the reference clients."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

Params = Mapping[str, object] | Sequence[tuple[str, object]]
ENVELOPE = {1: "return", 2: "data"}


def sign(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(base64.b64decode(secret), message, hashlib.sha512).digest()).decode()


class Api:
    def __init__(self, base_url: str, key: str | None = None, secret: str | None = None) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/") + "/", timeout=30)
        self.key = key
        self.secret = secret
        self._nonce = 0

    def close(self) -> None:
        self.http.close()

    def nonce(self) -> int:
        self._nonce = max(time.time_ns() // 1000, self._nonce + 1)
        return self._nonce

    def get(self, version: int, path: str, params: Params | None = None) -> httpx.Response:
        if params is None:
            return self.http.get(f"{version}/{path}")
        query = list(params.items()) if isinstance(params, Mapping) else list(params)
        return self.http.get(f"{version}/{path}", params=[(k, str(v)) for k, v in query])

    def post(
        self,
        version: int,
        path: str,
        params: Params | None = None,
        *,
        nonce: int | None = None,
        tonce: int | None = None,
        key: str | None = None,
        secret: str | None = None,
        signed: bool = True,
        rest_sign: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        fields = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        if signed:
            if tonce is not None:
                fields.append(("tonce", tonce))
            else:
                fields.append(("nonce", nonce if nonce is not None else self.nonce()))
        body = urlencode(fields).encode()
        sent_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed:
            message = body if version < 2 else path.split("?")[0].encode() + b"\0" + body
            sent_headers["Rest-Key"] = key or self.key or ""
            sent_headers["Rest-Sign"] = (
                rest_sign if rest_sign is not None else sign(secret or self.secret or "", message)
            )
        sent_headers.update(headers or {})
        return self.http.post(f"{version}/{path}", content=body, headers=sent_headers)

    def ok(self, version: int, path: str, params: Params | None = None, **kwargs: Any) -> Any:
        """POST (signed) and return the payload; fails the test on an error answer."""
        response = self.post(version, path, params, **kwargs)
        return payload(version, response)

    def public(self, version: int, path: str, params: Params | None = None) -> Any:
        return payload(version, self.get(version, path, params))


def payload(version: int, response: httpx.Response) -> Any:
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:300]}"
    if response.headers["content-type"].startswith("text/"):
        return response.text
    body = response.json()
    if version == 0:
        assert not (isinstance(body, dict) and "error" in body), body
        return body
    assert body["result"] == "success", body
    return body[ENVELOPE[version]]


def error(response: httpx.Response) -> tuple[int, str, str | None]:
    """(status, message, token) of an error answer."""
    body = response.json()
    assert "error" in body, body
    return response.status_code, body["error"], body.get("token")
