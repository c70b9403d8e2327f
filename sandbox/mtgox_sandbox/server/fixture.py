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

Server options a test needs are its fixture's arguments, given with a marker (or an indirect
parametrization of `sandbox`): `@pytest.mark.sandbox_options(ticker_interval=1.0)` repeats
each subscribed pair's ticker every second, as Mt. Gox did (off by default, so a test sees
only the messages its own actions cause). Tests that ask for the same options share one
server process, reset per test like the default one.

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

__all__ = ["Sandbox", "_pythonpath", "sandbox", "sandbox_session"]


#: The resettable server process behind `sandbox`, one per pytest session, started by the
#: first test that asks (kept on the config, not in a fixture of its own, so that importing
#: `sandbox` by name into a conftest is enough).
_SERVERS = pytest.StashKey[dict[tuple[tuple[str, float], ...], Sandbox]]()

#: The options a test may ask of its sandbox server, and their defaults.
OPTIONS: dict[str, float] = {"ticker_interval": 0.0}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox_options(ticker_interval=0.0): options of the server behind the `sandbox` fixture"
    )


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Sandbox:
    """A fresh sandbox exchange for one test (its database: `tmp_path / "sandbox.db"`)."""
    _keep_nonces_in(tmp_path_factory)
    options = _options(request)
    servers = request.config.stash.setdefault(_SERVERS, {})
    key = tuple(sorted(options.items()))
    server = servers.get(key)
    if server is None:
        server = servers[key] = _session_server(request.config, tmp_path_factory, options)
    return server.reset(tmp_path / "sandbox.db")


def _options(request: pytest.FixtureRequest) -> dict[str, float]:
    given: dict[str, object] = {}
    marker = request.node.get_closest_marker("sandbox_options")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("sandbox_options takes keyword arguments only")
        given.update(marker.kwargs)
    param = getattr(request, "param", None)
    if isinstance(param, dict):
        given.update(param)
    unknown = sorted(set(given) - set(OPTIONS))
    if unknown:
        raise pytest.UsageError(f"unknown sandbox option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    options = dict(OPTIONS)
    for name, value in given.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise pytest.UsageError(f"sandbox option {name} must be a number >= 0, not {value!r}")
        options[name] = float(value)
    return options


def _keep_nonces_in(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every sandbox key is new: clients made in a test keep their nonces in pytest's temporary
    directory (cleaned up by pytest), not one file per key in the user's cache for ever."""
    os.environ.setdefault(NONCE_STORE_ENV, str(tmp_path_factory.getbasetemp() / "mtgox-nonces"))


def _session_server(
    config: pytest.Config, tmp_path_factory: pytest.TempPathFactory, options: dict[str, float]
) -> Sandbox:
    # Only the log is written next to this path (server.db.log, the whole session's): the first
    # reset starts the process over that test's own database.
    path = tmp_path_factory.mktemp("sandbox-server") / "server.db"
    server = Sandbox(path, resettable=True, ticker_interval=options["ticker_interval"])

    def stop() -> None:
        server.stop()

    config.add_cleanup(stop)
    return server


@pytest.fixture(scope="session")
def sandbox_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox exchange shared by the whole session."""
    _keep_nonces_in(tmp_path_factory)
    with Sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.db") as running:
        yield running
