"""Fixtures of the sandbox tests: the user-facing `sandbox` fixtures, and a funded trader."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
# The sandbox, the generator (for the catalogue loader), the SDK and its runtime, from their
# source trees until the project is installed.
for _path in (_ROOT, _ROOT / "sandbox", _ROOT / "generated", _ROOT / "runtime"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from mtgox_sandbox.fixture import Sandbox, sandbox, sandbox_session  # noqa: E402

from .sandbox_helpers import Api  # noqa: E402

__all__ = ["sandbox", "sandbox_session"]


@pytest.fixture
def shared(sandbox_session: Sandbox) -> Sandbox:
    return sandbox_session


@pytest.fixture
def trader(sandbox_session: Sandbox) -> Iterator[Api]:
    """A funded account on the shared sandbox, with every right."""
    key, secret = sandbox_session.add_account(fund={"BTC": "100", "USD": "100000", "EUR": "10000"})
    api = Api(sandbox_session.base_url, key, secret)
    yield api
    api.close()
