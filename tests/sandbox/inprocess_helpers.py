"""The ASGI app in-process, signed calls to any catalogued endpoint with well-formed parameters."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from mtgox_catalogue.model import Endpoint, Param
from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.server.app import App

from .sandbox_helpers import sign

CATALOGUE = load()
PRIVATE = [e for e in CATALOGUE.endpoints if e.signed]
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def sample(param: Param) -> str:
    """A well-formed value for a parameter (the property holds whatever the handler then does)."""
    if param.type == "enum" and param.values:
        return sorted(param.values)[0]
    if param.type == "pair":
        return "BTCUSD"
    if param.type == "currency":
        return "USD"
    if param.type == "money":
        return "100000000" if param.encoding == "int" else "1"
    if param.type in ("integer", "boolean"):
        return "1"
    return "x"


def concrete_path(endpoint: Endpoint) -> str:
    kinds = {p.wire: p for p in endpoint.params}
    return _PLACEHOLDER.sub(lambda m: sample(kinds[m.group(1)]) if m.group(1) in kinds else "x", endpoint.path)


def body_fields(endpoint: Endpoint) -> list[tuple[str, str]]:
    return [(p.wire, sample(p)) for p in endpoint.params if p.location != "path"]


class Signer:
    def __init__(self, http: httpx.AsyncClient, key: str, secret: str) -> None:
        self.http, self.key, self.secret, self.nonce = http, key, secret, 0

    async def post(
        self,
        endpoint: Endpoint,
        path: str,
        fields: list[tuple[str, str]],
        *,
        query: str = "",
        headers: list[tuple[str, str]] | None = None,
        signed_path: str | None = None,
    ) -> httpx.Response:
        self.nonce += 1
        body = urlencode([*fields, ("nonce", str(self.nonce))]).encode()
        version = endpoint.version.key
        message = (signed_path or path).encode() + b"\0" + body if version == "v2" else body
        sent = [("Rest-Key", self.key), ("Rest-Sign", sign(self.secret, message)), *(headers or [])]
        url = f"/api/{endpoint.version.prefix}{path}" + (f"?{query}" if query else "")
        return await self.http.post(url, content=body, headers=sent)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The app over a fresh database, started (its lifespan run) and stopped around the test."""
    application = App(CATALOGUE, tmp_path / "app.db")
    await application.startup()
    yield application
    await application.shutdown()


def account(app: App) -> tuple[str, str]:
    conn = connect(app.services.worker.path)
    with transaction(conn) as tx:
        creds = ledger.create_account(tx, rights=ledger.ALL_RIGHTS)
        ledger.fund(tx, creds.account_id, {"BTC": 10**10, "USD": 10**10, "EUR": 10**10})
    conn.close()
    return creds.key, creds.secret
