"""Settings of the whole test run.

The SDK's default nonce store is a directory under `$XDG_CACHE_HOME` (else `~/.cache`): set
here, before any test or child process starts, to a directory of this run, so no test writes
into the developer's real `~/.cache/mtgox-sdk` (one run used to leave 138 files there).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

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
