"""Fixtures for the runtime tests (shared material lives in support.py)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[2]
# `tests.runtime.support` is imported from the repository root; the runtime from its source
# tree until the package is installed.
for _path in (_ROOT, _ROOT / "runtime"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from tests.runtime.support import KEY, SECRET, AsyncClient, Client, Sleeps, VerifyingServer  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's credentials or nonce store (nor one a sandbox fixture set for
    the session), or writes to their cache directory."""
    for name in ("MTGOX_API_KEY", "MTGOX_API_SECRET", "MTGOX_BASE_URL", "MTGOX_LOG", "MTGOX_NONCE_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(sleeps: Sleeps) -> Iterator[Callable[..., Client]]:
    """`make_client(**options)`: a test client (memory nonces, no rate limit, no real sleeping)."""
    made: list[Client] = []

    def factory(**options: Any) -> Client:
        options.setdefault("key", KEY)
        options.setdefault("secret", SECRET)
        options.setdefault("nonce_store", "memory")
        options.setdefault("rate_limit", None)
        client = Client(**options)
        client._transport.sleep = sleeps
        client._transport.jitter = lambda limit: limit  # deterministic backoff: the upper bound
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
async def make_async_client(sleeps: Sleeps) -> AsyncIterator[Callable[..., AsyncClient]]:
    made: list[AsyncClient] = []

    def factory(**options: Any) -> AsyncClient:
        options.setdefault("key", KEY)
        options.setdefault("secret", SECRET)
        options.setdefault("nonce_store", "memory")
        options.setdefault("rate_limit", None)
        client = AsyncClient(**options)
        client._transport.sleep = sleeps.asleep
        client._transport.jitter = lambda limit: limit
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()


@pytest.fixture
def server() -> Iterator[VerifyingServer]:
    """A local server that verifies signatures and nonce order."""
    srv = VerifyingServer().start()
    yield srv
    srv.stop()
