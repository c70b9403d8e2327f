from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def mini_text() -> str:
    return (DATA / "mini.yaml").read_text(encoding="utf-8")


def mypy_strict(directory: Path, package: str) -> subprocess.CompletedProcess[str]:
    """`mypy --strict` on a generated package, seeing nothing of this repository."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", package],
        cwd=directory,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
