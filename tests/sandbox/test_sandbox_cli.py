"""The `mtgox-sandbox` command: accounts, seeding, serving, stopping."""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from mtgox_catalogue import EXAMPLES_DIR
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.server import banner
from mtgox_sandbox.server import cli as cli_module
from mtgox_sandbox.server.process import _pythonpath

from .sandbox_helpers import Api


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=_pythonpath())
    return subprocess.run(
        [sys.executable, "-m", "mtgox_sandbox", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.integration
def test_add_account_prints_a_key_and_a_secret(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    done = cli(
        "add-account",
        "--db",
        db,
        "--name",
        "alice",
        "--fund",
        "BTC=10",
        "--fund",
        "USD=10000.5",
        "--rights",
        "get_info,trade",
    )
    assert done.returncode == 0, done.stderr
    creds = json.loads(done.stdout)
    assert set(creds) == {"key", "secret"}
    assert uuid.UUID(creds["key"]).version == 4
    assert len(base64.b64decode(creds["secret"])) == 64
    assert cli("deposit", "--db", db, "--name", "alice", "--fund", "EUR=5").returncode == 0
    assert cli("seed-market", "--db", db, "--pair", "BTCUSD", "--pair", "BTCEUR").stdout.strip() == "placed 40 orders"
    checked = cli("check", "--db", db)
    assert checked.returncode == 0 and checked.stdout.startswith("ok: ") and "balance" in checked.stdout
    refused = cli("add-account", "--db", db, "--name", "alice")
    assert refused.returncode == 2 and "exists already" in refused.stderr
    assert cli("add-account", "--db", db, "--fund", "BTC=0.000000001").returncode == 2
    assert cli("add-account", "--db", db, "--rights", "steal").returncode == 2
    with Sandbox(tmp_path / "cli.db") as sandbox:
        api = Api(sandbox.base_url, creds["key"], creds["secret"])
        info = api.ok(1, "generic/info")
        assert info["Login"] == "alice" and info["Rights"] == ["get_info", "trade"]
        assert info["Wallets"]["USD"]["Balance"]["value"] == "10000.50000"
        assert info["Wallets"]["EUR"]["Balance"]["value"] == "5.00000"
        assert len(api.public(2, "BTCEUR/money/depth/fetch")["asks"]) == 10
        api.close()


def test_serve_refuses_remote_hosts_and_a_bad_catalogue(tmp_path: Path) -> None:
    refused = cli("serve", "--host", "0.0.0.0", "--port", "0", "--db", str(tmp_path / "x.db"))  # noqa: S104
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\napi: {}\n")
    broken = cli("serve", "--port", "0", "--db", str(tmp_path / "x.db"), "--catalogue", str(bad))
    assert broken.returncode == 2 and "bad.yaml:" in broken.stderr
    nowhere = cli("serve", "--port", "0", "--db", str(tmp_path / "missing" / "x.db"))
    assert nowhere.returncode == 2 and "cannot use the database" in nowhere.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = cli("serve", "--port", str(taken.getsockname()[1]), "--db", str(tmp_path / "x.db"))
    assert busy.returncode == 2 and "cannot listen on" in busy.stderr


def pasted(line: str, name: str) -> str:
    """What `name` holds after `line` is pasted into a POSIX shell."""
    done = subprocess.run(["sh", "-c", f'{line}\nprintf %s "${name}"'], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.integration
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_its_url_and_base_url_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    env = dict(os.environ, PYTHONPATH=_pythonpath())
    process = subprocess.Popen(
        [sys.executable, "-m", "mtgox_sandbox", "serve", "--port", "0", "--db", str(tmp_path / "s.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening on http://127.0.0.1:") and line.endswith("\n")  # first: parents parse it
    port = int(line.strip().rsplit(":", 1)[1])
    base_url = f"http://127.0.0.1:{port}/api"
    assert process.stdout.readline() == f"base URL for clients: {base_url}\n"
    export = process.stdout.readline()
    assert export == f"export MTGOX_BASE_URL={base_url}\n"
    assert pasted(export, "MTGOX_BASE_URL") == base_url
    api = Api(base_url)
    assert api.public(2, "money/order/lag")["lag"] == 0
    api.close()
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert out == ""  # the banner is three lines; nothing else comes on stdout
    assert "base URL" not in err  # said once, on stdout
    assert not (tmp_path / "s.db-wal").exists() or (tmp_path / "s.db-wal").stat().st_size == 0


def test_the_banner_names_the_catalogues_variable_and_quotes_what_a_shell_would_expand() -> None:
    lines = banner.lines("http://[::1]:8080", "GOXCLONE")
    assert lines[0] == "listening on http://[::1]:8080"
    assert banner.listening_url(lines[0]) == "http://[::1]:8080" and banner.listening_url(lines[1]) is None
    assert lines[2] == "export GOXCLONE_BASE_URL='http://[::1]:8080/api'"  # brackets are glob characters
    assert pasted(lines[2], "GOXCLONE_BASE_URL") == "http://[::1]:8080/api"
    assert [banner.is_last(line) for line in lines] == [False, False, True]


@pytest.mark.integration
def test_a_clone_catalogues_sandbox_exports_the_clones_variable(tmp_path: Path) -> None:
    process = serve_process("--db", str(tmp_path / "c.db"), "--catalogue", str(EXAMPLES_DIR / "goxclone.yaml"))
    assert process.stdout is not None
    try:
        url = banner.listening_url(process.stdout.readline())
        assert url is not None
        assert process.stdout.readline() == f"base URL for clients: {url}/api\n"
        assert process.stdout.readline() == f"export GOXCLONE_BASE_URL={url}/api\n"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_routes_lists_every_endpoint() -> None:
    done = cli("routes")
    assert done.returncode == 0
    assert "UNIMPLEMENTED" not in done.stdout
    assert "v2  {pair}/money/order/add" in done.stdout


@pytest.mark.integration
def test_market_maker_replenishes_the_book(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "mm.db", market_maker=True, extra_args=("--interval", "0.2")) as sandbox:
        key, secret = sandbox.add_account(fund={"USD": "100000"})
        api = Api(sandbox.base_url, key, secret)
        deadline = time.monotonic() + 10
        while not api.public(2, "BTCUSD/money/depth/fetch")["asks"] and time.monotonic() < deadline:
            time.sleep(0.1)
        asks = api.public(2, "BTCUSD/money/depth/fetch")["asks"]
        assert len(asks) == 10
        api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 500_000_000})  # takes five levels
        # The five levels were taken (the market maker may re-quote before a depth fetch could
        # see the gap, so the fill is what proves it) ...
        btc = api.ok(2, "money/info")["Wallets"]["BTC"]["Balance"]["value_int"]
        assert int(btc) == 500_000_000 - 500_000_000 * 6 // 1000  # 5 BTC less the 0.6 % fee
        # ... and the book is ten asks again
        while len(api.public(2, "BTCUSD/money/depth/fetch")["asks"]) < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(api.public(2, "BTCUSD/money/depth/fetch")["asks"]) == 10
        api.close()
        assert sandbox.check_invariants() == []


@pytest.mark.integration
def test_access_log_prints_one_line_per_request_on_stderr(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "log.db", extra_args=("--access-log",)) as running:
        with httpx.Client(base_url=running.url, timeout=10) as http:
            assert http.get("/api/2/BTCUSD/money/ticker").status_code == 200
            assert http.get("/api/1/nowhere").status_code == 404
        running.stop()
        log = running.log_text()
    assert '"GET /api/2/BTCUSD/money/ticker HTTP/1.1" 200' in log, log
    assert '"GET /api/1/nowhere HTTP/1.1" 404' in log, log


def serve_process(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=_pythonpath())
    command = [sys.executable, "-m", "mtgox_sandbox", "serve", "--port", "0", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.integration
def test_serve_without_db_uses_a_temporary_database_and_says_where() -> None:
    process = serve_process()
    assert process.stdout is not None and process.stderr is not None
    url = process.stdout.readline().strip().removeprefix("listening on ")
    notice = process.stderr.readline()
    assert "temporary database" in notice, notice
    assert process.stdout.readline() == f"base URL for clients: {url}/api\n"
    db = Path(notice.split(" at ", 1)[1].split(",", 1)[0])
    assert db.exists()
    api = Api(url + "/api")
    assert api.public(2, "money/order/lag")["lag"] == 0
    api.close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    process.stdout.close()
    process.stderr.close()
    assert not db.exists() and not db.parent.exists()


@pytest.mark.integration
def test_sigterm_does_not_wait_for_a_request_stuck_in_its_body(tmp_path: Path) -> None:
    process = serve_process("--db", str(tmp_path / "s.db"))
    assert process.stdout is not None
    port = int(process.stdout.readline().strip().rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as stuck:
        stuck.sendall(b"POST /api/2/money/info HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nnonce=1")
        time.sleep(0.3)  # let the server start the request (not a timing assertion)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
        stopped = time.monotonic() - started
    process.communicate()
    # it waited for the graceful timeout (5 s) before; 0.3 s now; the bound leaves 10x room
    assert stopped < 3.0, stopped


def test_not_found_outside_api_answers_a_hint(shared: Sandbox) -> None:
    with httpx.Client(base_url=shared.url, timeout=10) as http:
        pasted = http.get("/2/BTCUSD/money/ticker")
        other = http.get("/api/3/money/info")
    assert pasted.status_code == 404
    body = pasted.json()
    assert body["result"] == "error" and body["token"] == "method_not_found"
    assert body["error"].startswith("Method not found: /2/BTCUSD/money/ticker")
    assert f"base URL http://127.0.0.1:{shared.port}/api" in body["error"]
    assert other.status_code == 404 and "/api/2/" in other.json()["error"]


def test_every_option_has_help() -> None:
    parser = cli_module._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{name} {'/'.join(action.option_strings)}"
        for name, sub in commands.choices.items()
        for action in sub._actions
        if action.option_strings and not action.help
    ]
    assert missing == []
    assert set(commands.choices) >= {"serve", "add-account", "add-key", "deposit", "seed-market", "routes", "check"}


def test_routes_into_a_closed_pipe_exits_quietly() -> None:
    env = dict(os.environ, PYTHONPATH=_pythonpath())
    read_end, write_end = os.pipe()
    os.close(read_end)  # `routes | head` once head has left: every write fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mtgox_sandbox", "routes"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr == "" and done.returncode == 0, done.stderr[-500:]
