"""`make demo`: start a sandbox exchange on a free loopback port, run demo.py against it, stop it.

Creates a throwaway database with a market maker and two demo accounts, so the demo trades for
real over HTTP; nothing outside a temporary directory is touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mtgox-demo-") as tmp:
        db = str(Path(tmp) / "exchange.db")
        sandbox_cli("seed-market", "--db", db, "--pair", "BTCUSD")
        alice = json.loads(sandbox_cli("add-account", "--db", db, "--name", "alice", "--fund", "USD=25000"))
        bob = json.loads(sandbox_cli("add-account", "--db", db, "--name", "bob", "--fund", "BTC=20"))
        print(f"sandbox: database {db}, accounts alice (USD 25,000) and bob (BTC 20), market maker on BTCUSD")
        server = subprocess.Popen(
            [*SANDBOX, "serve", "--host", "127.0.0.1", "--port", "0", "--db", db],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            url = wait_listening(server)
            print(f"sandbox: listening on {url}\n")
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
        finally:
            server.send_signal(signal.SIGINT if os.name == "nt" else signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        print(f"\nsandbox: stopped (exit {server.returncode}); demo exit {code}")
        return code or (0 if server.returncode in (0, -signal.SIGTERM) else 1)


if __name__ == "__main__":
    sys.exit(main())
