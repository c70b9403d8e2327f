"""pytest fixtures: a fresh sandbox exchange per test, in milliseconds.

    # conftest.py
    pytest_plugins = ["mtgox_sandbox.fixture"]

    # test_bot.py
    def test_my_bot_buys(sandbox):
        key, secret = sandbox.add_account(fund={"USD": "1000"})
        sandbox.seed_market()                       # a ladder of bids and asks on BTCUSD
        client = mtgox.Client(key, secret, base_url=sandbox.base_url)
        ...

`sandbox`: a fresh exchange for each test. One `mtgox-sandbox serve --resettable` process runs
for the whole session (started by the first test that asks); before each test it is reset to a
new, empty database in the test's `tmp_path` (~5 ms instead of a 0.6 s process start):
no account, key, nonce, order, trade, history or cached state of an earlier test is visible,
and no key or id an earlier test saw is handed out again. The server is a real process on a
loopback port, configured exactly as `mtgox-sandbox serve`: `restart()` (SIGTERM, then the same
port and database) and `kill()` (SIGKILL, as a crash) work as they always did; the next test
gets a new process if one was killed.

`sandbox_session`: one exchange shared by the whole session (give each test its own accounts).

Options of a test's exchange (server/options.py) come with a marker:
`@pytest.mark.sandbox(ticker_interval_s=1)` repeats each subscribed pair's ticker every second,
as Mt. Gox did (off by default, so a test sees only the messages its own actions cause);
`@pytest.mark.sandbox(public_cache_s=10)` caches public answers as Mt. Gox did. They are the
reset's options: the same process serves every test.

This module imports pytest; `Sandbox` itself lives in `server/process.py` (`from mtgox_sandbox
import Sandbox`) and works without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .process import Sandbox, _pythonpath

#: The SDK's default nonce store (a directory, or `memory`) when a client is given none.
NONCE_STORE_ENV = "MTGOX_NONCE_STORE"

__all__ = ["Sandbox", "_pythonpath", "pytest_configure", "sandbox", "sandbox_session"]


#: The resettable server process behind `sandbox`, one per pytest session, started by the
#: first test that asks (kept on the config, not in a fixture of its own, so that importing
#: `sandbox` by name into a conftest is enough).
_SERVER = pytest.StashKey[Sandbox]()


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Sandbox:
    """A fresh sandbox exchange for one test (its database: `tmp_path / "sandbox.db"`), with the
    options of the test's `@pytest.mark.sandbox(...)` marker (server/options.py), if any."""
    _keep_nonces_in(request, tmp_path_factory)
    marker = request.node.get_closest_marker("sandbox")
    options = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        raise pytest.UsageError("@pytest.mark.sandbox takes options by name, e.g. sandbox(public_cache_s=10)")
    server = request.config.stash.get(_SERVER, None)
    if server is None:
        server = request.config.stash[_SERVER] = _session_server(request.config, tmp_path_factory)
    return server.reset(tmp_path / "sandbox.db", **options)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox(**options): options of the test's sandbox exchange, e.g. sandbox(public_cache_s=10)"
    )


def _keep_nonces_in(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every sandbox key is new: clients made while the fixture is in use keep their nonces in
    pytest's temporary directory (cleaned up by pytest), not one file per key in the user's
    cache for ever. A store the user chose stays; the setting goes with the fixture."""
    if NONCE_STORE_ENV in os.environ:
        return
    os.environ[NONCE_STORE_ENV] = str(tmp_path_factory.getbasetemp() / "mtgox-nonces")
    request.addfinalizer(lambda: os.environ.pop(NONCE_STORE_ENV, None))


def _session_server(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    # Only the log is written next to this path (server.db.log, the whole session's): the first
    # reset starts the process over that test's own database.
    server = Sandbox(tmp_path_factory.mktemp("sandbox-server") / "server.db", resettable=True)

    def stop() -> None:
        server.stop()

    config.add_cleanup(stop)
    return server


@pytest.fixture(scope="session")
def sandbox_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox exchange shared by the whole session."""
    _keep_nonces_in(request, tmp_path_factory)
    with Sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.db") as running:
        yield running
