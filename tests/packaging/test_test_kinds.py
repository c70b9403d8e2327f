"""The suite's arrangement by what a test checks against (tests/conftest.py) holds itself up:
a test left as `unit` that opens a socket fails, and the same test marked `integration` runs."""

import socket
from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

PROBE = """
import socket

import pytest


def _talk() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    try:
        socket.create_connection(server.getsockname(), timeout=5).close()
    finally:
        server.close()


def test_left_as_unit() -> None:
    _talk()


@pytest.mark.integration
def test_marked_integration() -> None:
    _talk()


def test_pure() -> None:
    assert 1 + 1 == 2
"""


def test_a_unit_test_that_opens_a_socket_fails_and_says_why(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8").replace('pytest_plugins = ["pytester"]\n', ""))
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_left_as_unit connected to*integration test*"])
    assert socket.socket.connect.__name__ == "connect"  # the guard is undone after each test
