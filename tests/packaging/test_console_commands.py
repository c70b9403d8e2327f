"""Each console command works, or says which extra to install when a dependency is missing."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mtgox_sandbox import command

REPO = Path(__file__).resolve().parents[2]


def test_the_console_commands_are_the_checked_entry_points() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {
        "mtgox": "mtgox.cli:run",
        "mtgox-sandbox": "mtgox_sandbox.command:main",
        "mtgox-codegen": "mtgox_codegen.__main__:run",
    }


def test_every_extra_is_declared() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {key: {req.split(">")[0].split("<")[0] for req in reqs} for key, reqs in extras.items()}
    assert {"pyyaml", "uvicorn"} <= names["sandbox"]
    assert {"pyyaml", "uvicorn", "pytest", "pytest-asyncio"} <= names["testing"]  # async tests need the plugin
    assert {"pyyaml", "jinja2", "ruff"} <= names["codegen"]
    assert {"rich"} <= names["cli"]


@pytest.mark.parametrize(("module", "distribution"), [("yaml", "pyyaml"), ("uvicorn", "uvicorn")])
def test_the_sandbox_command_without_its_extra_names_it(
    module: str, distribution: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what importing it would find in a bare venv
    monkeypatch.setattr(sys, "argv", ["mtgox-sandbox", "routes"])
    assert command.main() == 3
    err = capsys.readouterr().err
    assert distribution in err and "pip install 'mtgox-sdk[sandbox]'" in err
    assert "Traceback" not in err


def test_the_sandbox_command_with_its_extra_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["mtgox-sandbox", "routes"])
    assert command.main() == 0
    assert "order_add" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("mtgox", ["-c", "import sys; from mtgox.cli import run; sys.argv[1:] = ['ticker']; run()"]),
        ("mtgox-codegen", ["-c", "import sys; from mtgox_codegen.__main__ import run; sys.argv[1:] = []; run()"]),
        (
            "mtgox-sandbox",
            ["-c", "import sys; from mtgox_sandbox.command import main; sys.argv[1:] = ['routes']; sys.exit(main())"],
        ),
    ],
)
def test_every_command_without_its_extra_exits_3_naming_it(command: str, argv: list[str], tmp_path: Path) -> None:
    """The same status for the same problem, whichever console command: 3, a configuration problem."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\nfor name in ('rich', 'jinja2', 'yaml', 'uvicorn'):\n    sys.modules[name] = None\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path[1:]])}
    result = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, check=False)
    assert "pip install 'mtgox-sdk[" in result.stderr, result.stderr
    assert result.returncode == 3, (command, result.returncode, result.stderr)
