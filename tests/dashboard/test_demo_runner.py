"""`make demo` prints the dashboard's URL (first, to watch, and last); `make sandbox` keeps a
sandbox with a market maker up, its dashboard served, until Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .browser import wait_for

RUNNER = Path(__file__).resolve().parents[2] / "examples" / "run_demo.py"
DASHBOARD = re.compile(r"^dashboard: (http://127\.0\.0\.1:[0-9]+/)")


def test_demo_prints_the_dashboard_url_first_and_last(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--no-keep"], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    urls = [m.group(1) for line in done.stdout.splitlines() if (m := DASHBOARD.match(line))]
    assert len(urls) == 2
    assert urls[0] == urls[1]
    assert DASHBOARD.match(done.stdout.strip().splitlines()[-1])


@pytest.mark.integration
def test_make_sandbox_serves_a_market_and_the_dashboard_until_ctrl_c(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, str(RUNNER), "--serve"], stdout=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []

        def url() -> str | None:
            lines.append(proc.stdout.readline() if proc.stdout else "")
            match = DASHBOARD.match(lines[-1])
            return match.group(1) if match else None

        base = wait_for(url, 60, "the dashboard's URL", interval=0)
        page = httpx.get(base, headers={"accept": "text/html"})
        depth = httpx.get(base + "api/2/BTCUSD/money/depth/full").json()["data"]
        assert page.status_code == 200
        assert "dashboard.js" in page.text
        assert len(depth["asks"]) >= 10
        # The printed line, pasted into a shell, is what the `mtgox` command needs for a signed call.
        (export,) = [line for line in lines if line.startswith("export ")]
        shell = f"{export}\n{shlex.quote(sys.executable)} -m mtgox.cli --json v2 info"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MTGOX_")}
        info = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, env=env, timeout=60, check=False)
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["wallets"]["USD"]["balance"]["value"] == "100000.00000"
        assert "MTGOX_BASE_URL=" + shlex.quote(base + "api") in export
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_make_browser_is_idempotent_and_succeeds() -> None:
    """`make test` runs `make browser` first: with the browser there it does nothing, quietly."""
    if shutil.which("make") is None:
        pytest.skip("no make")
    root = RUNNER.parents[1]
    first = subprocess.run(["make", "-s", "browser"], cwd=root, capture_output=True, text=True, check=False)
    second = subprocess.run(["make", "-s", "browser"], cwd=root, capture_output=True, text=True, check=False)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    installed = shutil.which("chromium") is not None and shutil.which("chromedriver") is not None
    if installed:
        assert second.stdout == ""
    else:  # not root: it says the browser test is skipped
        assert "SKIPPED" in second.stdout


def test_make_browser_says_it_will_install_as_root_before_apt_get_runs(tmp_path: Path) -> None:
    """Where chromium is missing and make runs as root, the first line says what apt-get will do."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    log = tmp_path / "log"
    for name, body in (("apt-get", f'echo "apt-get $*" >> {log}'), ("id", "echo 0")):
        tool = tmp_path / name
        tool.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        tool.chmod(0o755)
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}  # no chromium on this PATH; a recording apt-get
    root = RUNNER.parents[1]
    done = subprocess.run([make, "-s", "browser"], cwd=root, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("make browser: running as root, so installing the Debian packages chromium")
    assert "SKIP_BROWSER=1" in done.stdout
    assert log.read_text(encoding="utf-8").startswith("apt-get install -y -q chromium chromium-driver")
    skipped = subprocess.run(
        [make, "-s", "browser", "SKIP_BROWSER=1"], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert skipped.returncode == 0 and "SKIPPED (SKIP_BROWSER is set)" in skipped.stdout
    assert log.read_text(encoding="utf-8").count("apt-get install") == 1  # not run again
