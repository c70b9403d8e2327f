"""Fixtures of the sandbox stream tests: the sandbox fixtures, funded traders, stream clients."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
for _path in (_ROOT, _ROOT / "sandbox", _ROOT / "generated", _ROOT / "runtime", _ROOT / "catalogue"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from mtgox_sandbox.fixture import Sandbox, sandbox, sandbox_session  # noqa: E402

from ..sandbox.sandbox_helpers import Api  # noqa: E402

__all__ = ["sandbox", "sandbox_session"]

FUNDS = {"BTC": "100", "USD": "100000", "EUR": "10000"}


@pytest.fixture
def traders(sandbox: Sandbox) -> Iterator[tuple[Api, Api]]:
    """Two funded accounts on a fresh sandbox."""
    apis = [Api(sandbox.base_url, *sandbox.add_account(fund=FUNDS)) for _ in range(2)]
    yield apis[0], apis[1]
    for api in apis:
        api.close()
