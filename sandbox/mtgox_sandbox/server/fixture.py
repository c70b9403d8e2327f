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

The catalogue served (an exchange that cloned the API has its own) is, first found:
`@pytest.mark.sandbox(catalogue=PATH)` on the test (relative to the test's file), `pytest
--mtgox-catalogue=PATH` (relative to where pytest runs), the ini setting `mtgox_catalogue`
(relative to the ini file), else the SDK's own. A catalogue is the process's (its routes are
built at start-up), so each catalogue a session uses gets its own resettable process, kept for
the session; a catalogue is loaded and checked before any process starts for it.

Options of a test's exchange (server/options.py) come with the same marker:
`@pytest.mark.sandbox(ticker_interval_s=1)` repeats each subscribed pair's ticker every second,
as Mt. Gox did (off by default, so a test sees only the messages its own actions cause);
`@pytest.mark.sandbox(public_cache_s=10)` caches public answers as Mt. Gox did. They are the
reset's options: the catalogue's process serves every test, whatever its options
(`@pytest.mark.sandbox(catalogue=PATH, public_cache_s=10)` takes both).

This module imports pytest; `Sandbox` itself lives in `server/process.py` (`from mtgox_sandbox
import Sandbox`) and works without it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtgox_catalogue import CatalogueError
from mtgox_catalogue.model import Catalogue

from ..core.catalogue import default_catalogue_path, load
from .process import Sandbox, _pythonpath

__all__ = ["Sandbox", "_pythonpath", "pytest_addoption", "pytest_configure", "sandbox", "sandbox_session"]


#: The resettable server processes behind `sandbox`, one per catalogue a pytest session uses,
#: each started by the first test that asks (kept on the config, not in a fixture of their own,
#: so that importing `sandbox` by name into a conftest is enough).
_SERVERS = pytest.StashKey[dict[Path, Sandbox]]()
OPTION = "--mtgox-catalogue"
OPTION_DEST = "mtgox_catalogue"
INI = "mtgox_catalogue"
#: What the marker takes besides the exchange's options (server/options.py).
CATALOGUE = "catalogue"


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Sandbox:
    """A fresh sandbox exchange for one test (its database: `tmp_path / "sandbox.db"`), serving
    the test's catalogue, with the options of its `@pytest.mark.sandbox(...)` marker, if any."""
    marker = request.node.get_closest_marker("sandbox")
    options = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        raise pytest.UsageError("@pytest.mark.sandbox takes options by name, e.g. sandbox(public_cache_s=10)")
    given = options.pop(CATALOGUE, None)
    if given is not None:
        path = _resolve(given, Path(request.node.path).parent, "@pytest.mark.sandbox(catalogue=...)")
    else:
        path = session_catalogue(request.config)
    servers = request.config.stash.setdefault(_SERVERS, {})
    server = servers.get(path)
    if server is None:
        server = servers[path] = _session_server(request.config, tmp_path_factory, path)
    _keep_nonces_in(request, tmp_path_factory, server.catalogue.api.package.upper())
    return server.reset(tmp_path / "sandbox.db", **options)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mtgox-sandbox", "the mtgox-sdk sandbox exchange (mtgox_sandbox.fixture)")
    group.addoption(
        OPTION,
        dest=OPTION_DEST,
        metavar="PATH",
        default=None,
        help="the catalogue the sandbox fixtures serve (default: the SDK's endpoints.yaml); "
        "a test's @pytest.mark.sandbox(catalogue=PATH) overrides it",
    )
    parser.addini(INI, help=f"the catalogue the sandbox fixtures serve, relative to this file (as {OPTION})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sandbox(catalogue=None, **options): the catalogue and the exchange options of the test's sandbox, "
        "e.g. sandbox(public_cache_s=10)",
    )
    if config.getoption(OPTION_DEST, default=None) or _ini(config):
        _checked(session_catalogue(config))  # a wrong path stops the run before any test


def session_catalogue(config: pytest.Config) -> Path:
    """The catalogue of the session: --mtgox-catalogue, else the ini setting, else the SDK's own."""
    given = config.getoption(OPTION_DEST, default=None)
    if given:
        return _resolve(given, config.invocation_params.dir, OPTION)
    ini = _ini(config)
    if ini:
        return _resolve(ini, config.inipath.parent if config.inipath else config.rootpath, INI)
    return default_catalogue_path().resolve()


def _ini(config: pytest.Config) -> str:
    try:
        value = config.getini(INI)
    except ValueError:  # the fixtures imported by name, without the plugin's hooks
        return ""
    return str(value or "").strip()


def _resolve(given: str | os.PathLike[str], base: Path, where: str) -> Path:
    path = (base / Path(given)).resolve()
    if not path.is_file():
        raise pytest.UsageError(f"{where}: {given}: no such catalogue file ({path})")
    return path


@functools.lru_cache(maxsize=8)
def _checked(path: Path) -> Catalogue:
    """The catalogue at `path`, loaded once a session (the run's check and its process share it)."""
    try:
        return load(path)
    except CatalogueError as exc:
        raise pytest.UsageError(f"the catalogue {path} is invalid:\n{exc}") from None


def _checked_sandbox(db: Path, catalogue: Path, *, resettable: bool = False) -> Sandbox:
    """A `Sandbox` serving `catalogue`, loaded and checked once, before any process starts."""
    server = Sandbox(db, catalogue=catalogue, resettable=resettable)
    server.catalogue = _checked(catalogue)
    return server


def _session_server(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory, catalogue: Path) -> Sandbox:
    # Only the log is written next to this path (server.db.log, the whole session's): the first
    # reset starts the process over that test's own database.
    server = _checked_sandbox(tmp_path_factory.mktemp("sandbox-server") / "server.db", catalogue, resettable=True)

    def stop() -> None:
        server.stop()

    config.add_cleanup(stop)
    return server


def _keep_nonces_in(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefix: str) -> None:
    """Every sandbox key is new: clients made while the fixture is in use keep their nonces in
    pytest's temporary directory (cleaned up by pytest), not one file per key in the user's
    cache for ever. A store the user chose stays; the setting goes with the fixture. A clone's
    client reads its own variable (`GOXCLONE_NONCE_STORE`)."""
    name = f"{prefix}_NONCE_STORE"
    if name in os.environ:
        return
    os.environ[name] = str(tmp_path_factory.getbasetemp() / "mtgox-nonces")
    request.addfinalizer(lambda: os.environ.pop(name, None))


@pytest.fixture(scope="session")
def sandbox_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox exchange shared by the whole session, serving the session's catalogue."""
    running = _checked_sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.db", session_catalogue(request.config))
    _keep_nonces_in(request, tmp_path_factory, running.catalogue.api.package.upper())
    with running:
        yield running
