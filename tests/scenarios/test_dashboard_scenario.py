"""The dashboard shows the scenario: the exchange's time, a replay's progress and the faults in
force, in a real browser (headless Chromium) against a real sandbox, live as they change."""

from __future__ import annotations

from pathlib import Path

from mtgox_sandbox.fixture import Sandbox

from ..dashboard.browser import chromium, require_browser, wait_for

LIMIT_S = 15.0


def test_the_page_shows_the_clock_the_replay_and_the_faults(sandbox: Sandbox, tmp_path: Path) -> None:
    require_browser()
    sandbox.replay("mtgox-btcusd-trades-2013-01-01", speed="stepped")
    with chromium(tmp_path) as driver:
        driver.get(sandbox.url + "/")
        wait_for(lambda: driver.execute_script("return window.dashboard.ready"), 30, "the page's first snapshot")

        def shown(element: str) -> str:
            return str(driver.execute_script("return document.getElementById(arguments[0]).innerText", element))

        wait_for(lambda: "2013-01-01 00:04:19 UTC, stepped" in shown("s-clock"), LIMIT_S, "the replay's clock")
        assert "mtgox-btcusd-trades-2013-01-01.csv: 1 of 2331 trades (2330 left), stepped" in shown("s-replay")
        assert shown("s-faults") == "none"
        sandbox.clock.run_until("2013-01-01T12:00:00Z")
        sandbox.fault("http-503", "*/money/order/add", times=3)
        wait_for(lambda: "12:00:00" in shown("s-clock"), LIMIT_S, "the clock stepped")
        wait_for(lambda: "http-503 on */money/order/add (3 of 3 left)" in shown("s-faults"), LIMIT_S, "the fault")
        done = int(sandbox.replay_status()["trades_done"])  # type: ignore[call-overload]
        assert f"{done} of 2331 trades ({2331 - done} left)" in shown("s-replay")
        progress = driver.execute_script("const p = document.getElementById('s-progress'); return [p.value, p.max]")
        assert progress == [done, 2331]
        sandbox.clear_faults()
        sandbox.clock.run_until("2013-01-02")
        wait_for(lambda: "2331 of 2331 trades (0 left), done" in shown("s-replay"), LIMIT_S, "the replay done")
        wait_for(lambda: shown("s-faults") == "none", LIMIT_S, "the fault cleared")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]  # type: ignore[no-untyped-call]
    assert errors == []
