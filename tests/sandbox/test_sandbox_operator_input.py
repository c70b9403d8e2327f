"""Hostile and overflowing input from whoever operates the sandbox: the command line, the
operator panel, and a request framed two ways. Each gets a clear refusal (exit 2, a 4xx), never
a traceback, and the books stay checkable at any size."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.fixture import Sandbox


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mtgox_sandbox", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "fund",
    ["BTC=1e999999", "BTC=1234567890123456789012345", "USD=-1", "USD=NaN", "BTC=0.000000001", "XYZ=1", "BTC"],
)
def test_add_account_refuses_every_bad_amount_in_one_line(tmp_path: Path, fund: str) -> None:
    done = cli("add-account", "--db", str(tmp_path / "x.db"), "--fund", fund)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("mtgox-sandbox: --fund ") and done.stderr.count("\n") == 1


def test_a_deposit_past_what_a_wallet_holds_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert cli("add-account", "--db", db, "--name", "a").returncode == 0
    for _ in range(3):  # 3 x 2**53 units of BTC fits; a wallet stops at 2**62
        assert cli("deposit", "--db", db, "--name", "a", "--fund", "BTC=90000000").returncode == 0
    conn = connect(db)
    with transaction(conn) as tx:
        account = ledger.account_by_login(tx, "a")
        assert account is not None
        tx.execute("UPDATE wallets SET balance = ? WHERE account_id = ?", (2**62 - 10, account))
    conn.close()
    done = cli("deposit", "--db", db, "--name", "a", "--fund", "BTC=1")
    assert done.returncode == 2 and "past what a wallet holds" in done.stderr and "Traceback" not in done.stderr


def test_check_works_at_any_size(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    conn = connect(db)
    with transaction(conn) as tx:
        for i in range(4):  # four wallets of 2**62 each: their sum is past SQLite's 64-bit SUM
            account = ledger.create_account(tx, f"rich-{i}").account_id
            for _ in range(2):
                tx.execute(
                    "INSERT INTO external (account_id, currency, amount, kind, reference, created)"
                    " VALUES (?, 'BTC', ?, 'deposit', 'x', 0)",
                    (account, 2**61),
                )
            tx.execute("INSERT INTO wallets (account_id, currency, balance) VALUES (?, 'BTC', ?)", (account, 2**62))
    conn.close()
    done = cli("check", "--db", str(db))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok: ")


@pytest.mark.integration
def test_operator_panel_answers_4xx_to_overflowing_and_nested_input(sandbox: Sandbox) -> None:
    import httpx

    bad = [
        {"name": "x", "funds": {"BTC": "1e999999"}},
        {"name": "y", "funds": {"BTC": "9" * 25}},
        {"name": "z", "fee": "1e999999"},
        {"name": "w", "funds": {"BTC": 10**400}},
    ]
    with httpx.Client(base_url=sandbox.url, timeout=30) as http:
        answers = [http.post("/_dashboard/operator/account", json=body) for body in bad]
        answers.append(http.post("/_dashboard/operator/deposit", json={"account": 10**30, "funds": {"BTC": "1"}}))
        answers.append(  # nested past the interpreter's recursion limit, within the panel's 64 KiB
            http.post("/_dashboard/operator/seed", content="[" * 30_000, headers={"content-type": "application/json"})
        )
    for answer in answers:
        assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:200])
        assert "error" in answer.json()
    assert "Traceback" not in sandbox.log_text()


@pytest.mark.integration
def test_a_request_framed_two_ways_is_answered_then_closed(sandbox: Sandbox) -> None:
    request = (
        b"POST /api/2/BTCUSD/money/ticker HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    with socket.create_connection((sandbox.host, sandbox.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break  # the server closed the connection, as RFC 9112 asks
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert data.startswith(b"HTTP/1.1 ") and b"connection: close" in head
