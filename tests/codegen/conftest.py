from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def mini_text() -> str:
    return (DATA / "mini.yaml").read_text(encoding="utf-8")
