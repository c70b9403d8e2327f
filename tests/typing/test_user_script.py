"""The user script is type-checked by `make typecheck`; here mypy also proves that misuse is caught."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

MISUSES = {
    "float money": 'client.v2.order_add(pair="BTCUSD", type="bid", amount=0.5)',
    "unknown pair": 'client.v2.ticker(pair="BTCXYZ")',
    "bad enum": 'client.v2.order_add(pair="BTCUSD", type="buy", amount=Decimal(1))',
    "positional args": 'client.v2.ticker("BTCUSD")',
    "wrong result type": 'x: int = client.v2.ticker(pair="BTCUSD")',
}


def test_misuse_is_a_type_error(tmp_path: Path) -> None:
    script = tmp_path / "misuse.py"
    lines = ["from decimal import Decimal", "import mtgox", "client = mtgox.Client()"]
    lines += [f"{code}  # {name}" for name, code in MISUSES.items()]
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            str(REPO / "pyproject.toml"),
            str(script),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    flagged = {int(line.split(":")[1]) for line in errors}
    assert flagged == set(range(4, 4 + len(MISUSES))), result.stdout
