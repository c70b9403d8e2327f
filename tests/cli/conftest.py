"""Fixtures of the command-line tests: a sandbox, a funded account, and `mtgox` run in-process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

import mtgox.cli
from mtgox_sandbox.fixture import Sandbox, sandbox, sandbox_session

__all__ = ["sandbox", "sandbox_session"]

#: Wide enough that no table of the tests wraps a cell.
COLUMNS = "160"


@dataclass
class Run:
    status: int
    out: str
    err: str


Cli = Callable[..., Run]


def cli_runner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, base_url: str, key: str, secret: str
) -> Cli:
    """`mtgox ARGS` in this process, with the SDK's environment variables pointing at the sandbox."""
    monkeypatch.setenv("MTGOX_BASE_URL", base_url)
    monkeypatch.setenv("MTGOX_API_KEY", key)
    monkeypatch.setenv("MTGOX_API_SECRET", secret)
    monkeypatch.setenv("COLUMNS", COLUMNS)

    def run(*argv: str) -> Run:
        capsys.readouterr()
        status = mtgox.cli.main(list(argv))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


@pytest.fixture
def account(sandbox_session: Sandbox) -> tuple[str, str]:
    """A funded account on the shared sandbox."""
    return sandbox_session.add_account(fund={"BTC": "100", "USD": "100000", "EUR": "10000", "JPY": "1000000"})


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sandbox_session: Sandbox,
    account: tuple[str, str],
) -> Cli:
    return cli_runner(capsys, monkeypatch, sandbox_session.base_url, *account)
