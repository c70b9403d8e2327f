"""Settings of the whole test run.

The SDK's default nonce store is a directory under `$XDG_CACHE_HOME` (else `~/.cache`): set
here, before any test or child process starts, to a directory of this run, so no test writes
into the developer's real `~/.cache/mtgox-sdk` (one run used to leave 138 files there).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SESSION_CACHE = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    cache = Path(tempfile.mkdtemp(prefix="mtgox-tests-xdg-cache-"))
    os.environ["XDG_CACHE_HOME"] = str(cache)
    config.stash[SESSION_CACHE] = cache


def pytest_unconfigure(config: pytest.Config) -> None:
    cache = config.stash.get(SESSION_CACHE, None)
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture(scope="session")
def session_cache(pytestconfig: pytest.Config) -> Path:
    """The run's `$XDG_CACHE_HOME`."""
    return pytestconfig.stash[SESSION_CACHE]


# -- what each test checks against -----------------------------------------------------------
#
# Every test is one of four kinds, by what it checks against (`pytest -m unit` and so on):
#   unit         the code alone: no socket is opened (enforced below), milliseconds each
#   contract     golden records written by hand (tests/contract) and the recorded responses of
#                2011-2014 clients: never values computed from endpoints.yaml
#   integration  a real server over a loopback socket: the sandbox, or a fault-injecting server
#   e2e          the built wheel installed into a new virtual environment (tests/packaging)
# The kind comes from what a test touches, never from its folder: an explicit marker, else the
# server fixtures it uses, else `unit` (tests/contract and the wheel test are kinds by nature);
# a test left as `unit` that connects a socket fails and says to mark it. Stress tests (long
# load, fault and kill runs) run only when `-m` names them (`-m stress`, `make stress`), so
# `pytest -m unit` never pulls one in.

KINDS = ("unit", "contract", "integration", "e2e")
#: Fixtures that stand for a server on a loopback socket.
SERVER_FIXTURES = frozenset(
    {"sandbox", "sandbox_session", "shared_sandbox", "shared", "trader", "market", "server", "clone_dir"}
)
TESTS = Path(__file__).resolve().parent
KIND = pytest.StashKey[str]()


def kind_of(item: pytest.Item) -> str:
    folder = item.path.relative_to(TESTS).parts[0]
    if folder == "contract":
        return "contract"
    if folder == "packaging" and item.path.name == "test_wheel_e2e.py":
        return "e2e"
    for marker in item.iter_markers():
        if marker.name in KINDS:
            return marker.name
    if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "integration"
    return "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = kind_of(item)
        item.stash[KIND] = kind
        item.add_marker(kind)
    if "stress" not in (config.getoption("markexpr", "") or ""):
        stress = [item for item in items if item.get_closest_marker("stress")]
        if stress:
            config.hook.pytest_deselected(items=stress)
            items[:] = [item for item in items if not item.get_closest_marker("stress")]


class UnitTestOpenedASocket(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _unit_tests_open_no_socket(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.stash.get(KIND, "unit") != "unit":
        return
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            raise UnitTestOpenedASocket(
                f"{request.node.nodeid} connected to {address!r}: a test that talks to a server is an "
                "integration test (give it a server fixture or @pytest.mark.integration)"
            )
        real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
