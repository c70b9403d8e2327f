"""`mtgox-sandbox serve --replay`, and `fault`, `clock` and `replay` against a running sandbox: what
they print, how they refuse, and a replay that carries on across a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mtgox_sandbox import Sandbox
from mtgox_sandbox.server.process import _pythonpath

DAY = "mtgox-btcusd-trades-2013-01-01"
pytestmark = pytest.mark.integration


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=_pythonpath())
    environment.pop("MTGOX_SANDBOX_URL", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "mtgox_sandbox", *args], capture_output=True, text=True, env=environment, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--speed", "max"), "--speed, --from, --to and --replay-pair go with --replay FILE"),
        (("--replay", "/no/such.csv"), "--replay: /no/such.csv: no such file"),
        (("--replay", DAY, "--speed", "warp"), "speed: a number, max or stepped, not 'warp'"),
        (("--replay", DAY, "--speed", "0"), "a speed is above 0"),
        (("--replay", DAY, "--from", "tomorrow"), "not a time: 'tomorrow'"),
        (("--replay", DAY, "--from", "2014-01-01"), "no trades between --from and --to"),
        (("--replay", DAY, "--replay-pair", "BTCXYZ"), "BTCXYZ is not a traded pair"),
    ],
)
def test_serve_refuses_a_bad_replay_before_listening(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    done = cli("serve", "--db", str(tmp_path / "x.db"), *args)
    assert done.returncode == 2 and done.stdout == ""
    assert message in done.stderr


def test_a_bad_recording_is_refused_naming_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1357000000,13.5,1\n1357000001,13.5,many\n")
    done = cli("serve", "--db", str(tmp_path / "x.db"), "--replay", str(bad))
    assert done.returncode == 2
    assert f"{bad}:2: amount 'many' is not a number" in done.stderr


def test_fault_clock_and_replay_commands_against_a_running_sandbox(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "ex.db", extra_args=("--replay", DAY, "--speed", "stepped")) as sandbox:
        url = sandbox.url
        shown = json.loads(cli("replay", "--url", url).stdout)
        assert (shown["trades_done"], shown["speed"], shown["done"]) == (1, "stepped", False)
        stepped = cli("clock", "--run-until", "2013-01-01T06:00:00Z", "--url", url)
        assert stepped.returncode == 0 and json.loads(stepped.stdout)["date"] == "2013-01-01 06:00:00"
        later = json.loads(cli("clock", "--advance", "3600", MTGOX_SANDBOX_URL=url).stdout)
        assert later["date"] == "2013-01-01 07:00:00"
        back = cli("clock", "--run-until", "2012-01-01", "--url", url)
        assert back.returncode == 1 and "only moves forward" in back.stderr
        added = json.loads(cli("fault", "add", "http-502", "--path", "*/ticker", "--times", "1", "--url", url).stdout)
        assert (added["kind"], added["path"], added["times"]) == ("http-502", "*/ticker", 1)
        assert [f["id"] for f in json.loads(cli("fault", "list", "--url", url).stdout)] == [added["id"]]
        assert httpx.get(f"{sandbox.base_url}/2/BTCUSD/money/ticker").status_code == 502
        assert httpx.get(f"{sandbox.base_url}/2/BTCUSD/money/ticker").status_code == 200
        cli("fault", "add", "maintenance", "--url", url)
        assert json.loads(cli("fault", "clear", "--url", url).stdout) == {"cleared": 1}
        refused = cli("fault", "add", "lag", "--account", "nobody", "--url", url)
        assert refused.returncode == 1 and "no account has the key, login or id 'nobody'" in refused.stderr
        busy = cli("replay", DAY, "--url", url)
        assert busy.returncode == 1 and "409" in busy.stderr and "is running" in busy.stderr
        done = json.loads(cli("replay", "--url", url, "--stop").stdout)
        assert done["stopped"] is True and 0 < done["trades_done"] < 2331
    assert "which sandbox?" in cli("clock").stderr and cli("clock").returncode == 2
    gone = cli("clock", "--url", url)
    assert gone.returncode == 1 and "cannot reach the sandbox" in gone.stderr


def test_a_replay_and_its_clock_carry_on_across_a_restart(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "ex.db", extra_args=("--replay", DAY, "--speed", "stepped")) as sandbox:
        sandbox.clock.run_until("2013-01-01T12:00:00Z")
        sandbox.add_account(fund={"USD": "10"}, name="alice")  # stamped with the exchange's time
        created = sandbox.query("SELECT created FROM accounts WHERE login = 'alice'")[0][0]
        assert created == 1357041600  # 2013-01-01 12:00:00
        before = sandbox.replay_status()
        sandbox.restart()
        after = sandbox.replay_status()
        assert (after["trades_done"], after["speed"], after["done"]) == (before["trades_done"], "stepped", False)
        assert sandbox.clock.state()["date"] == "2013-01-01 12:00:00"
        sandbox.clock.run_until("2013-01-02")
        final = sandbox.replay_status()
        assert (final["trades_done"], final["done"]) == (2331, True)
        sandbox.restart()  # a finished replay is not started again
        assert sandbox.replay_status()["trades_done"] == 2331
        trades = sandbox.query("SELECT COUNT(*), COUNT(DISTINCT tid) FROM trades WHERE bid_account = 0")[0]
        assert trades == (2331, 2331)
        assert sandbox.check_invariants() == []
