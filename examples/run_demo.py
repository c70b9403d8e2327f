"""`make demo`: start a sandbox exchange on a free loopback port, run demo.py against it, stop it.
`make sandbox` (`--serve`): start one with a market maker and a funded account and keep it up.

Creates a throwaway database with a market maker and two demo accounts, so the demo trades for
real over HTTP; nothing outside a temporary directory is touched. The sandbox's dashboard (its
URL is printed first and last) shows the demo's orders and trades as they happen; in a terminal
(or with `--keep`) the sandbox stays up after the demo, until Ctrl-C, so they can be looked at.

`--serve` is for watching your own bot: a market maker re-quotes every few seconds, an account
`you` holds BTC 100 and USD 100,000 (an `export MTGOX_API_KEY=... MTGOX_API_SECRET=...
MTGOX_BASE_URL=...` line is printed, to paste into the shell a bot or `mtgox` runs in), and the
sandbox runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mtgox

HERE = Path(__file__).resolve().parent
SANDBOX = [sys.executable, "-m", "mtgox_sandbox"]


def sandbox_cli(*args: str) -> str:
    result = subprocess.run([*SANDBOX, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"mtgox-sandbox {args[0]} failed:\n{result.stderr}")
    return result.stdout


def wait_listening(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("listening on "):
            return line.split("listening on ", 1)[1].strip()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    sys.exit("the sandbox did not start (no 'listening on' line)")


def start(db: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """The sandbox serving `db` on a free loopback port, and its URL."""
    server = subprocess.Popen(
        [*SANDBOX, "serve", "--host", "127.0.0.1", "--port", "0", "--db", db, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return server, wait_listening(server)


def stop(server: subprocess.Popen[str]) -> None:
    server.send_signal(signal.SIGINT if os.name == "nt" else signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


def wait_for_ctrl_c(server: subprocess.Popen[str]) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        server.wait()


def export_line(key: str, secret: str, base_url: str) -> str:
    """`export MTGOX_API_KEY=... MTGOX_API_SECRET=... MTGOX_BASE_URL=...`: the variables the SDK and
    the `mtgox` command read (their names from the client itself), quoted for a POSIX shell."""
    prefix = mtgox.Client._catalogue.env_prefix
    values = {f"{prefix}_API_KEY": key, f"{prefix}_API_SECRET": secret, f"{prefix}_BASE_URL": base_url}
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in values.items())


def dashboard(url: str) -> str:
    return f"dashboard: {url}/"


def serve() -> int:
    """`make sandbox`: a sandbox with a market maker and one funded account, until Ctrl-C."""
    with tempfile.TemporaryDirectory(prefix="mtgox-sandbox-") as tmp:
        db = str(Path(tmp) / "exchange.db")
        sandbox_cli("seed-market", "--db", db, "--pair", "BTCUSD")
        funds = ("--fund", "BTC=100", "--fund", "USD=100000")
        you = json.loads(sandbox_cli("add-account", "--db", db, "--name", "you", *funds))
        server, url = start(db, "--market-maker")
        try:
            print(f"sandbox: listening on {url} (database {db}), market maker on BTCUSD")
            print("account 'you' holds BTC 100 and USD 100,000; paste this line into your bot's shell:")
            print(export_line(you["key"], you["secret"], f"{url}/api"))
            print(dashboard(url) + "  (Ctrl-C stops the sandbox)", flush=True)
            wait_for_ctrl_c(server)
        finally:
            stop(server)
        print(f"\nsandbox: stopped (exit {server.returncode})")
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--serve", action="store_true", help="no demo: keep a sandbox with a market maker up")
    parser.add_argument(
        "--keep",
        action=argparse.BooleanOptionalAction,
        help="after the demo, keep the sandbox up until Ctrl-C (default: when run in a terminal)",
    )
    args = parser.parse_args(argv)
    keep = args.keep if args.keep is not None else sys.stdin.isatty() and sys.stdout.isatty()
    if args.serve:
        return serve()
    with tempfile.TemporaryDirectory(prefix="mtgox-demo-") as tmp:
        db = str(Path(tmp) / "exchange.db")
        sandbox_cli("seed-market", "--db", db, "--pair", "BTCUSD")
        alice = json.loads(sandbox_cli("add-account", "--db", db, "--name", "alice", "--fund", "USD=25000"))
        bob = json.loads(sandbox_cli("add-account", "--db", db, "--name", "bob", "--fund", "BTC=20"))
        print(f"sandbox: database {db}, accounts alice (USD 25,000) and bob (BTC 20), market maker on BTCUSD")
        server, url = start(db)
        try:
            print(f"sandbox: listening on {url}")
            print(f"{dashboard(url)}  (open it to watch the demo's orders and trades)\n", flush=True)
            env = dict(
                os.environ,
                MTGOX_BASE_URL=f"{url}/api",
                DEMO_ALICE_KEY=alice["key"],
                DEMO_ALICE_SECRET=alice["secret"],
                DEMO_BOB_KEY=bob["key"],
                DEMO_BOB_SECRET=bob["secret"],
                DEMO_NONCE_DIR=str(Path(tmp) / "nonces"),
            )
            code = subprocess.run([sys.executable, str(HERE / "demo.py")], env=env, check=False).returncode
            if keep:
                print(f"\n{dashboard(url)}  (the sandbox stays up with the demo's trades; Ctrl-C stops it)", flush=True)
                wait_for_ctrl_c(server)
        finally:
            stop(server)
        print(f"\nsandbox: stopped (exit {server.returncode}); demo exit {code}")
        if not keep:
            print(f"{dashboard(url)}  (stopped with the sandbox: `make sandbox` keeps one up to watch your bot)")
        return code or (0 if server.returncode in (0, -signal.SIGTERM) else 1)


if __name__ == "__main__":
    sys.exit(main())
