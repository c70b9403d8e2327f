"""A headless Chromium driven by Selenium, for the dashboard's tests.

Uses Debian's `chromium` and `chromium-driver` (installed by `make browser`, which `make test`
runs); Selenium is given both paths, so it never looks for or downloads a browser of its own.
Without them (a machine where they could not be installed: not root) the tests are skipped with
a message that says so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

T = TypeVar("T")

CANDIDATES = {
    "chromium": ("/usr/bin/chromium", "/usr/bin/chromium-browser"),
    "chromedriver": ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"),
}


def _find(name: str) -> str | None:
    env = os.environ.get(f"MTGOX_TEST_{name.upper()}")
    if env:
        return env
    for path in CANDIDATES[name]:
        if Path(path).exists():
            return path
    return shutil.which(name)


def require_browser() -> tuple[str, str]:
    """(chromium, chromedriver), or skip the test saying how to get them."""
    pytest.importorskip("selenium", reason="selenium is in the dev extra: make install")
    browser, driver = _find("chromium"), _find("chromedriver")
    if browser is None or driver is None:
        pytest.skip("no headless Chromium: `make browser` installs Debian's chromium and chromium-driver (as root)")
    return browser, driver


@contextmanager
def chromium(download_dir: Path, width: int = 1400, height: int = 1000) -> Iterator[WebDriver]:
    """A headless Chromium whose window is `width` x `height` CSS pixels."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespaces for the sandbox
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        f"--user-data-dir={download_dir / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver, log_output=str(download_dir / "chromedriver.log"))
    session = webdriver.Chrome(options=options, service=service)
    try:
        yield session
    finally:
        session.quit()


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.02) -> T:
    """The first true value of `probe()`, polled; fails naming `what` after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
