"""A fresh exchange on a temporary SQLite file for each test of the engine and the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .venue import Venue


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    v = Venue(tmp_path / "exchange.db")
    yield v
    v.close()
