"""The dashboard in a real browser (headless Chromium) against a real sandbox over loopback.

The page loads, an order placed through the SDK appears in the ladder and a trade in the tape
(live from the sandbox's stream; and by polling HTTP when asked to with `?transport=http`),
the depth chart is drawn (its canvas holds the bid and ask colours), and the browser logged no
console error. A screenshot is written under the test's temporary directory.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import mtgox
from mtgox_sandbox.fixture import Sandbox

from .browser import chromium, require_browser, wait_for

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

#: Generous: the page shows a stream message at once and polls HTTP every second without one;
#: the figure measured is printed with -s.
LIMIT_S = 10.0

# Counts the pixels of each series colour (bids #26a69a, asks #ef5350) on the depth chart's canvases.
COUNT_COLOURS = """
const colours = {bid: [0x26, 0xa6, 0x9a], ask: [0xef, 0x53, 0x50]};
const counts = {bid: 0, ask: 0};
for (const canvas of document.querySelectorAll('#depth-chart canvas')) {
  if (!canvas.width || !canvas.height) continue;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] < 250) continue;
    for (const [side, [r, g, b]] of Object.entries(colours)) {
      if (Math.abs(data[i] - r) < 8 && Math.abs(data[i + 1] - g) < 8 && Math.abs(data[i + 2] - b) < 8) counts[side]++;
    }
  }
}
return counts;
"""


def text(driver: WebDriver, selector: str) -> str:
    """The text of the first element matching `selector` ("" when none), read in one step: the
    page re-renders the ladder and the account tables, so a found element may go stale before
    Selenium could read it."""
    found = driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", selector
    )
    return str(found)


@pytest.fixture
def browser_ready() -> None:
    require_browser()


@pytest.mark.parametrize(("query", "expected_mode"), [("", "stream"), ("?transport=http", "polling")])
def test_dashboard_shows_an_sdk_order_and_trade(
    browser_ready: None, sandbox: Sandbox, tmp_path: Path, query: str, expected_mode: str
) -> None:
    sandbox.seed_market()
    key, secret = sandbox.add_account(fund={"USD": "10000", "BTC": "10"}, name="alice")
    with (
        chromium(tmp_path) as driver,
        mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as sdk,
    ):
        driver.get(sandbox.url + "/" + query)
        wait_for(lambda: driver.execute_script("return window.dashboard.ready"), 30, "the page's first snapshot")

        # A bid inside the spread rests on the book: the ladder shows its level.
        sdk.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("99.75"))
        placed = time.monotonic()
        wait_for(
            lambda: driver.find_elements("css selector", '#ladder tr[data-side="bid"][data-price="9975000"]'),
            LIMIT_S,
            "the SDK's bid in the ladder",
        )
        ladder_s = time.monotonic() - placed
        assert text(driver, '#ladder tr[data-side="bid"][data-price="9975000"]').split()[:2] == ["99.75", "0.50"]

        # A bid above the best ask trades: the tape shows the trade, exactly.
        sdk.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.3"), price=Decimal("101"))
        placed = time.monotonic()
        tid = sandbox.query("SELECT tid FROM trades WHERE amount = 30000000 ORDER BY tid DESC LIMIT 1")[0][0]
        selector = f'#tape-rows tr[data-tid="{tid}"]'
        wait_for(lambda: driver.find_elements("css selector", selector), LIMIT_S, "the SDK's trade in the tape")
        tape_s = time.monotonic() - placed
        assert text(driver, selector).split()[-3:] == ["buy", "100.50", "0.30"]

        # The depth chart is drawn: both sides' colours are on its canvas.
        counts = wait_for(
            lambda: (c := driver.execute_script(COUNT_COLOURS)) and c["bid"] > 50 and c["ask"] > 50 and c,
            LIMIT_S,
            "both sides of the depth chart drawn",
        )
        mode = driver.execute_script("return window.dashboard.mode")
        assert mode == expected_mode
        shot = tmp_path / "dashboard.png"
        assert driver.save_screenshot(str(shot))
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[no-untyped-call]
    assert errors == []
    assert shot.stat().st_size > 10_000
    print(f"\ndashboard ({mode}): ladder {ladder_s * 1000:.0f} ms, tape {tape_s * 1000:.0f} ms, pixels {counts}")


def test_operator_panel_adds_funds_and_seeds_through_the_page(
    browser_ready: None, sandbox: Sandbox, tmp_path: Path
) -> None:
    with chromium(tmp_path) as driver:
        driver.get(sandbox.url + "/?pair=BTCEUR")
        wait_for(lambda: driver.execute_script("return window.dashboard.ready"), 30, "the page's first snapshot")
        assert driver.find_elements("css selector", "#ladder tbody tr[data-side]") == []  # nothing on BTCEUR yet

        add = driver.find_element("id", "op-account")
        add.find_element("name", "name").send_keys("carol")
        add.find_element("name", "funds").send_keys("BTC=3 EUR=250.5")
        add.find_element("css selector", "button").click()

        wait_for(lambda: "carol" in text(driver, "#account option:checked"), LIMIT_S, "the new account selected")
        account_id = int(driver.execute_script("return document.getElementById('account').value"))
        wait_for(lambda: text(driver, '#wallets tr[data-currency="EUR"]'), LIMIT_S, "its EUR wallet")

        deposit = driver.find_element("id", "op-deposit")
        deposit.find_element("name", "funds").send_keys("EUR=1")
        deposit.find_element("css selector", "button").click()
        wait_for(
            lambda: "251.5" in text(driver, '#wallets tr[data-currency="EUR"]'),
            LIMIT_S,
            "the deposit in the balance",
        )

        driver.find_element("css selector", "#op-seed button").click()
        wait_for(
            lambda: len(driver.find_elements("css selector", "#ladder tbody tr[data-side]")) >= 20,
            LIMIT_S,
            "the seeded BTCEUR ladder",
        )
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[no-untyped-call]
    assert errors == []
    balances = sandbox.query(
        "SELECT currency, balance FROM wallets WHERE account_id = ? ORDER BY currency", (account_id,)
    )
    assert balances == [("BTC", 300_000_000), ("EUR", 25_150_000)]
    assert sandbox.query("SELECT login FROM accounts WHERE id = ?", (account_id,)) == [("carol",)]


def test_page_reconnects_after_the_sandbox_restarts_and_resyncs_the_book(
    browser_ready: None, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.seed_market()
    key, secret = sandbox.add_account(fund={"USD": "10000"}, name="alice")
    with chromium(tmp_path) as driver:
        driver.get(sandbox.url + "/")
        wait_for(lambda: driver.execute_script("return window.dashboard.ready"), 30, "the page's first snapshot")
        sandbox.stop()
        wait_for(lambda: driver.execute_script("return window.dashboard.mode") == "error", LIMIT_S, "the page noticing")
        sandbox.start()  # same port and database
        with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as sdk:
            sdk.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("99.6"))
        # Placed while the page may still be reconnecting: the new snapshot or the stream brings it.
        wait_for(
            lambda: driver.find_elements("css selector", '#ladder tr[data-side="bid"][data-price="9960000"]'),
            30,
            "the bid placed after the restart",
        )
        assert driver.execute_script("return window.dashboard.mode") == "stream"
        logged = driver.get_log("browser")  # type: ignore[no-untyped-call]
    # Only the refused connections of the outage are errors.
    outage = ("ERR_CONNECTION_REFUSED", "WebSocket connection to", "Failed to fetch")
    assert [e for e in logged if e["level"] == "SEVERE" and not any(o in e["message"] for o in outage)] == []
