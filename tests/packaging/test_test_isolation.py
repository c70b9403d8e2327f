"""The test run itself never writes into the developer's home cache."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

import mtgox
from mtgox_runtime._config import default_nonce_dir

from ..reliability import conftest as reliability_conftest
from ..reliability import support as reliability_support

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="


def test_the_default_nonce_directory_is_the_runs_own(session_cache: Path) -> None:
    assert os.environ["XDG_CACHE_HOME"] == str(session_cache)
    assert default_nonce_dir().is_relative_to(session_cache)
    assert not default_nonce_dir().is_relative_to(Path.home() / ".cache")


def test_a_signed_call_with_the_default_store_writes_into_the_runs_cache(session_cache: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": "success", "data": {"Login": "alice"}})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with http, mtgox.Client(KEY, SECRET, base_url="http://127.0.0.1:9/api", http_client=http) as client:
        client.v2.call("money/info")  # the default nonce store: a file per key
    assert any(default_nonce_dir().iterdir())
    assert default_nonce_dir().is_relative_to(session_cache)


class _Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write_sep(self, sep: str, title: str) -> None:
        self.lines.append(title)

    def write_line(self, line: str) -> None:
        self.lines.append(line)


class _Cache:
    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def set(self, key: str, value: object) -> None:
        self.values[key] = value


class _Config:
    def __init__(self, verbosity: int) -> None:
        self.cache = _Cache()
        self.verbosity = verbosity

    def get_verbosity(self) -> int:
        return self.verbosity


@pytest.mark.parametrize(("verbosity", "printed"), [(0, False), (-1, False), (1, True)])
def test_reliability_figures_are_kept_and_printed_only_with_v(
    verbosity: int, printed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make test` (pytest -q) ends with pytest's own summary, not dozens of counters."""
    monkeypatch.setattr(reliability_support, "FIGURES", {"mutations tried": 48, "responses": 1200})
    monkeypatch.setattr(reliability_conftest, "FIGURES", reliability_support.FIGURES)
    reporter, config = _Reporter(), _Config(verbosity)
    reliability_conftest.pytest_terminal_summary(reporter, config)  # type: ignore[arg-type]
    assert config.cache.values == {reliability_conftest.FIGURES_KEY: {"mutations tried": 48, "responses": 1200}}
    assert bool(reporter.lines) is printed


USERS_TEST = """
import mtgox

pytest_plugins = ["mtgox_sandbox.fixture"]


def test_a_bot(sandbox):
    key, secret = sandbox.add_account(fund={"USD": "100"})
    with mtgox.Client(key, secret, base_url=sandbox.base_url) as client:  # the default nonce store
        assert client.v2.info().wallets["USD"].balance.value == 100
"""


@pytest.mark.integration
def test_a_users_sandbox_tests_leave_no_nonce_file_in_their_cache(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Every sandbox key is new, so a file per key in ~/.cache would pile up for ever."""
    cache = tmp_path / "users-cache"
    pytester.makepyfile(test_bot=USERS_TEST)
    env = {"XDG_CACHE_HOME": str(cache)}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("MTGOX_NONCE_STORE", raising=False)
        result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    left = sorted(str(p.relative_to(cache)) for p in cache.rglob("*.nonce")) if cache.exists() else []
    assert left == []
