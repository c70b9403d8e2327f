"""The console script, the `cli` extra, credentials, --watch and paging with progress."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import mtgox
import mtgox.cli
from mtgox.types import WalletEntry
from mtgox_runtime.cli import ExitStatus
from mtgox_runtime.cli._jsonio import from_json
from mtgox_sandbox.fixture import Sandbox

from .conftest import Cli


def test_without_rich_the_command_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)  # import rich -> ImportError
    status = mtgox.cli.main(["ticker"])
    err = capsys.readouterr().err
    assert status == ExitStatus.CONFIGURATION
    assert "pip install 'mtgox-sdk[cli]'" in err
    assert "Traceback" not in err


def test_import_mtgox_and_its_cli_module_load_none_of_the_drivers_rich_modules() -> None:
    # Not "rich is not in sys.modules": httpx itself imports rich (for its own `httpx` command)
    # whenever rich is installed. What matters is that nothing of ours needs it to import.
    code = (
        "import sys; sys.modules['rich'] = None; import mtgox, mtgox.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('mtgox_runtime.cli')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(
        sorted(["mtgox_runtime.cli", "mtgox_runtime.cli._exit", "mtgox_runtime.cli._main", "mtgox_runtime.cli._table"])
    )


def test_the_console_script_runs(sandbox_session: Sandbox, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("mtgox")
    assert script.exists(), "pip install -e '.[cli]' installs the mtgox command"
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path), "MTGOX_BASE_URL": sandbox_session.base_url}
    run = subprocess.run(
        [str(script), "--json", "v2", "order-lag"], capture_output=True, text=True, env=env, check=False
    )
    assert run.returncode == 0, run.stderr
    assert set(json.loads(run.stdout)) >= {"lag", "lag_secs", "lag_text"}


def test_the_secret_from_stdin_is_used_and_never_shown(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, account: tuple[str, str]
) -> None:
    import io

    _, secret = account
    monkeypatch.delenv("MTGOX_API_SECRET")
    monkeypatch.setattr(sys, "stdin", io.StringIO(secret + "\n"))
    run = cli("--secret-stdin", "balance")
    assert run.status == ExitStatus.OK, run.err
    assert "100.00000000 BTC" in run.out
    assert secret not in run.out + run.err


def test_ask_secret_prompts_without_echo(cli: Cli, monkeypatch: pytest.MonkeyPatch, account: tuple[str, str]) -> None:
    _, secret = account
    monkeypatch.delenv("MTGOX_API_SECRET")
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return secret

    monkeypatch.setattr("getpass.getpass", getpass)
    run = cli("--ask-secret", "orders")
    assert run.status == ExitStatus.OK, run.err
    assert prompts == ["API secret: "]
    assert secret not in run.out + run.err


def test_history_pages_through_the_whole_wallet(cli: Cli, sandbox_session: Sandbox, account: tuple[str, str]) -> None:
    key, _ = account
    for _ in range(60):  # 61 rows with the opening deposit: two pages of 50
        sandbox_session.deposit(key, {"EUR": "1"})
    first_page = cli("--json", "history", "EUR")
    assert len(json.loads(first_page.out)) == 50
    everything = cli("--json", "history", "EUR", "--all")
    assert everything.status == ExitStatus.OK, everything.err
    rows = from_json(list[WalletEntry], json.loads(everything.out))
    assert [r.index for r in rows] == list(range(61, 0, -1))
    assert rows[0].balance.value == Decimal("10060.00000")
    human = cli("history", "EUR", "--all")
    assert "EUR wallet history (61 rows)" in human.out


def test_a_reader_that_goes_away_ends_the_command_quietly(sandbox_session: Sandbox, tmp_path: Path) -> None:
    """`mtgox ... | head`: no BrokenPipeError traceback, the shell's SIGPIPE status."""
    script = Path(sys.executable).with_name("mtgox")
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path), "MTGOX_BASE_URL": sandbox_session.base_url}
    process = subprocess.Popen(
        [str(script), "--json", "v2", "stream-list-public"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the answer is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == ExitStatus.BROKEN_PIPE, err
    assert "Traceback" not in err
