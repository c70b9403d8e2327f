"""examples/test_replay_bot.py, the bot tested over the shipped day: it passes as a user runs it,
and gives the same result on two runs (a stepped clock makes a day of history deterministic)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from mtgox_sandbox.fixture import Sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "test_replay_bot.py"


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("replay_bot_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_bot_gets_the_same_result_on_two_runs(sandbox: Sandbox, tmp_path: Path) -> None:
    bot = example()
    first = bot.run_bot(sandbox)
    sandbox.reset(tmp_path / "second.db")  # a fresh exchange, the same day
    second = bot.run_bot(sandbox)
    assert first == second
    assert first.fills > 0 and first.refused == 2 and first.reconnects == 1
    assert first.pnl == first.end_value - first.start_value != 0


def test_the_example_passes_as_a_user_runs_it(tmp_path: Path) -> None:
    env = dict(os.environ, MTGOX_NONCE_STORE="memory")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE), "--basetemp", str(tmp_path)],
        cwd=ROOT / "examples",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
