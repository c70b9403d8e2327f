"""Fixtures of the reliability tests: an isolated environment, one shared sandbox, the figures.

Every test records what it tried (responses, mutations, calls, kills) in `figures`; the totals
are kept in `.pytest_cache/v/mtgox/reliability-figures` and printed with `-v` (`reliability
figures:`), so a run says how much was proved without burying pytest's summary under them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
for _path in (_ROOT, _ROOT / "sandbox", _ROOT / "generated", _ROOT / "runtime"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from mtgox_sandbox.fixture import Sandbox  # noqa: E402

from .support import FIGURES  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's credentials, base URL or log setting, or writes to their cache."""
    for name in ("MTGOX_API_KEY", "MTGOX_API_SECRET", "MTGOX_BASE_URL", "MTGOX_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox exchange for the reliability tests that only need their own accounts."""
    with Sandbox(tmp_path_factory.mktemp("reliability-sandbox") / "sandbox.db") as running:
        yield running


FIGURES_KEY = "mtgox/reliability-figures"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The figures go to .pytest_cache/v/mtgox/reliability-figures; `-v` also prints them.

    `-p no:cacheprovider` leaves the config without a `cache` attribute at all (not None): the
    figures are then only printed, and the run's exit status stays the tests' own.
    """
    if not FIGURES:
        return
    cache = getattr(config, "cache", None)
    if cache is not None:
        cache.set(FIGURES_KEY, dict(sorted(FIGURES.items())))
    if config.get_verbosity() > 0:
        terminalreporter.write_sep("-", "reliability figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
