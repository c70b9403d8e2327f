"""A run's exit status is its tests' verdict, whatever plugins the run was started with.

The reliability suite's summary hook keeps its figures in pytest's cache; with
`-p no:cacheprovider` the config has no `cache` attribute at all, and a hook that assumed one
turned every green run into exit status 1 (and hid pytest's own summary line). These runs start
pytest in a child process, as a developer or CI would, with the suite's real hook.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CONFTEST = """
from tests.reliability.conftest import pytest_terminal_summary  # the suite's real hook

__all__ = ["pytest_terminal_summary"]
"""

TESTS = """
from tests.reliability.support import record


def test_records_a_figure():
    record("exit status: figures", 3)
    assert {verdict}
"""

CONFIGURATIONS = {
    "no-cacheprovider": ("-p", "no:cacheprovider"),
    "cacheprovider": (),
}


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # `tests.reliability` importable in the child
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeconftest(CONFTEST)
    return pytester


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
@pytest.mark.parametrize(("verdict", "status"), [("True", pytest.ExitCode.OK), ("False", pytest.ExitCode.TESTS_FAILED)])
def test_the_exit_status_is_the_tests_verdict(
    project: pytest.Pytester, configuration: str, verdict: str, status: pytest.ExitCode
) -> None:
    project.makepyfile(test_figures=TESTS.format(verdict=verdict))
    result = project.runpytest_subprocess("-v", *CONFIGURATIONS[configuration])
    assert result.ret == status, result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=int(verdict == "True"), failed=int(verdict == "False"))
    result.stdout.fnmatch_lines(["*reliability figures*", "exit status: figures: 3"])


def test_the_figures_are_kept_in_the_cache_when_there_is_one(project: pytest.Pytester) -> None:
    project.makepyfile(test_figures=TESTS.format(verdict="True"))
    result = project.runpytest_subprocess("-q")
    assert result.ret == pytest.ExitCode.OK
    kept = project.path / ".pytest_cache" / "v" / "mtgox" / "reliability-figures"
    assert json.loads(kept.read_text(encoding="utf-8")) == {"exit status: figures": 3}


def test_a_real_reliability_file_passes_without_the_cache_plugin(pytester: pytest.Pytester) -> None:
    """The suite's own conftest chain, as `pytest -p no:cacheprovider tests/reliability/...` loads it."""
    # a test that records a figure, so the summary hook has something to keep
    target = REPO / "tests" / "reliability" / "test_bad_arguments.py"
    test = f"{target}::test_missing_required_parameters_are_a_type_error[v0.buy_btc]"
    result = pytester.runpytest_subprocess(test, "-v", "-p", "no:cacheprovider", "--rootdir", str(REPO))
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["bad arguments: missing required (TypeError): *"])
