"""The dashboard in a real browser (headless Chromium) against a real sandbox over loopback.

The page loads, an order placed through the SDK appears in the ladder and a trade in the tape
(live from the sandbox's stream; and by polling HTTP when asked to with `?transport=http`),
the depth chart is drawn (its canvas holds the bid and ask colours), and the browser logged no
console error. The page reflows from 700 px up, keeps the wallet history in its panel, shows
an empty pair without invented prices and the depth axis without a repeated label, and with
the sandbox stopped under it says so (the scenario and operator panels too), marks what it
still shows as stale and recovers.
Screenshots are written under each test's temporary directory.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

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


def ready(driver: WebDriver) -> None:
    # `?.`: on a loaded machine the page's deferred script may not have run at the first probe
    wait_for(lambda: driver.execute_script("return window.dashboard?.ready"), 30, "the page's first snapshot")


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
        ready(driver)

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
        ready(driver)
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


#: Everything that is wrong with the page's layout at this width: the page scrolling sideways,
#: a panel outside the window or on top of another, a table (or the box it scrolls in) past its
#: panel, the wallet history taller than its box.
LAYOUT_PROBLEMS = """
const problems = [];
const width = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth > width) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
const panels = [...document.querySelectorAll('.panel')].filter((p) => p.offsetParent !== null);
const boxes = panels.map((p) => p.getBoundingClientRect());
boxes.forEach((r, i) => {
  const name = panels[i].querySelector('h2').firstChild.textContent.trim();
  if (r.left < 0 || r.right > width + 0.5) problems.push(`${name} panel outside the window: ${r.left}..${r.right}`);
  boxes.forEach((o, j) => {
    if (j > i && r.left < o.right - 1 && o.left < r.right - 1 && r.top < o.bottom - 1 && o.top < r.bottom - 1) problems.push(`panels ${i} and ${j} overlap`);
  });
});
for (const table of document.querySelectorAll('.panel table')) {
  const box = (table.closest('.scroll') || table).getBoundingClientRect();
  const panel = table.closest('.panel').getBoundingClientRect();
  if (box.right > panel.right + 0.5 || box.bottom > panel.bottom + 0.5) problems.push(`#${table.id} past its panel`);
}
const history = document.querySelector('.scroll.history');
if (history && history.getBoundingClientRect().height > 24 * 16 + 1) problems.push('the wallet history is taller than its box');
return problems;
"""

#: The ticker's prices (not the volume), as shown.
TICKER_PRICES = ("t-last", "t-buy", "t-sell", "t-high", "t-low", "t-vwap")


def tops(driver: WebDriver, selector: str) -> list[float]:
    return [
        float(t)
        for t in driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((e) => e.getBoundingClientRect().top)", selector
        )
    ]


@pytest.mark.parametrize("width", [700, 1400])
def test_the_layout_reflows_from_700_px_and_the_history_stays_in_its_panel(
    browser_ready: None, sandbox: Sandbox, tmp_path: Path, width: int
) -> None:
    sandbox.seed_market()
    key, secret = sandbox.add_account(fund={"USD": "100000", "BTC": "100"}, name="alice")
    with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as sdk:
        for _ in range(12):  # a long wallet history, each entry with a long description
            sdk.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"), price=Decimal("101"))
    with chromium(tmp_path, width=width, height=1000) as driver:
        driver.get(sandbox.url + "/")
        ready(driver)
        wait_for(lambda: len(driver.find_elements("css selector", "#history tbody tr")) >= 12, LIMIT_S, "the history")
        problems = driver.execute_script(LAYOUT_PROBLEMS)
        market = tops(driver, ".market > .panel")
        accounts = tops(driver, ".accounts > .panel")
        history = driver.find_element("css selector", ".scroll.history")
        assert driver.execute_script("return arguments[0].scrollHeight > arguments[0].clientHeight", history)
        driver.save_screenshot(str(tmp_path / f"dashboard-{width}.png"))
    assert problems == []
    if width >= 1200:  # depth, ladder and tape side by side; the account beside the operator panel
        assert market[0] == market[1] == market[2] and accounts[0] == accounts[1]
    else:  # the depth chart on its own row, then the ladder beside the tape; then account, operator
        assert market[0] < market[1] == market[2] and accounts[0] < accounts[1]


def test_an_empty_pair_shows_no_prices_and_the_depth_axis_no_repeated_label(
    browser_ready: None, sandbox: Sandbox, tmp_path: Path
) -> None:
    with chromium(tmp_path) as driver:
        driver.get(sandbox.url + "/?pair=BTCEUR")
        ready(driver)
        shown = {name: text(driver, f"#{name}") for name in (*TICKER_PRICES, "t-vol")}
        spread = text(driver, "#spread")
        # Levels 0.05 EUR apart: a label per whole euro (or tenth) would read the same twice.
        key, secret = sandbox.add_account(fund={"EUR": "10000", "BTC": "10"}, name="bob")
        with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as sdk:
            for side, price in (
                ("bid", "99.90"),
                ("bid", "99.95"),
                ("bid", "100"),
                ("ask", "100.05"),
                ("ask", "100.1"),
            ):
                kind: Literal["bid", "ask"] = "bid" if side == "bid" else "ask"
                sdk.v2.order_add(pair="BTCEUR", type=kind, amount=Decimal("0.5"), price=Decimal(price))
        wait_for(lambda: len(driver.execute_script("return window.dashboard.depthLabels")) == 5, LIMIT_S, "five levels")
        labels = driver.execute_script("return window.dashboard.depthLabels")
    assert all(value == "—" for name, value in shown.items() if name != "t-vol"), shown  # not 0.00000 €
    assert shown["t-vol"] == "0.00000000\xa0BTC"  # a volume of nothing is a true 0
    assert spread == "no orders on BTCEUR"
    assert sorted(labels) == ["100.00", "100.05", "100.10", "99.90", "99.95"]


@pytest.mark.parametrize(("query", "mode", "width"), [("", "stream", 1400), ("?transport=http", "polling", 700)])
def test_with_the_sandbox_down_the_page_says_so_and_shows_nothing_stale_as_live(
    browser_ready: None, sandbox: Sandbox, tmp_path: Path, query: str, mode: str, width: int
) -> None:
    sandbox.seed_market()
    key, secret = sandbox.add_account(fund={"USD": "10000"}, name="alice")
    with chromium(tmp_path, width=width) as driver:
        driver.get(sandbox.url + "/" + query)
        ready(driver)
        wait_for(lambda: text(driver, "#lag").startswith("lag 0."), LIMIT_S, "the lag")
        assert driver.execute_script("return document.getElementById('offline').hidden")
        last = text(driver, "#t-last")

        sandbox.stop()
        wait_for(
            lambda: driver.execute_script("return window.dashboard.mode") == "offline", LIMIT_S, "the page noticing"
        )
        if mode == "stream":
            time.sleep(6)  # the account panel refreshes every 5 s: its failure must not take over
        else:
            time.sleep(1.5)  # the scenario panel refreshes every second: nor must its failure
        banner = text(driver, "#offline")
        statuses = set()
        for _ in range(10):  # over two seconds: every panel's refresh fails meanwhile
            statuses.add((text(driver, "#status"), text(driver, "#lag")))
            time.sleep(0.2)
        # An operator action with nothing to answer it says so, not the browser's words.
        driver.find_element("css selector", "#op-seed button").click()
        wait_for(lambda: text(driver, "#op-result"), LIMIT_S, "the operator's answer")
        operator = text(driver, "#op-result")
        stale = driver.execute_script("return document.body.classList.contains('stale')")
        opacity = {
            part: float(driver.execute_script(f"return getComputedStyle(document.querySelector('{part}')).opacity"))
            for part in (".market", ".scenario", ".accounts")
        }
        scenario = text(driver, "#scenario")
        driver.save_screenshot(str(tmp_path / f"dashboard-down-{width}.png"))
        problems = driver.execute_script(LAYOUT_PROBLEMS)

        sandbox.start()  # same port and database
        with mtgox.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as sdk:
            sdk.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.5"), price=Decimal("99.6"))
        # Placed while the page may still be reconnecting: the new snapshot or the stream brings it.
        wait_for(
            lambda: driver.find_elements("css selector", '#ladder tr[data-side="bid"][data-price="9960000"]'),
            30,
            "the bid placed after the restart",
        )
        wait_for(lambda: driver.execute_script("return window.dashboard.mode") == mode, LIMIT_S, "live again")
        back = driver.execute_script(
            "return [document.getElementById('offline').hidden, document.body.classList.contains('stale')]"
        )
        lag_back = text(driver, "#lag")
        logged = driver.get_log("browser")  # type: ignore[no-untyped-call]
    assert banner.startswith("Disconnected.") and f"{sandbox.host}:{sandbox.port} is unreachable since" in banner
    assert "not live" in banner and "Reconnecting" in banner
    assert statuses == {("disconnected", "lag —")}  # no lag figure made up while nothing answers
    assert "Failed to fetch" not in banner + scenario + operator
    assert operator == "no answer: the sandbox is unreachable"
    assert "exchange time" in scenario  # the scenario panel is shown (loopback), and dimmed below
    assert stale and all(value < 0.6 for value in opacity.values()), opacity  # the past they are
    assert last.startswith("$")  # kept, but not as live
    assert problems == []
    assert back == [True, False] and lag_back.startswith("lag 0.")
    # Only the refused connections of the outage are errors.
    outage = ("ERR_CONNECTION_REFUSED", "WebSocket connection to", "Failed to fetch")
    assert [e for e in logged if e["level"] == "SEVERE" and not any(o in e["message"] for o in outage)] == []
