"""Slow, idle and greedy clients are cut off (issue 9, item 4), over real sockets.

A sandbox with short limits (1 s for headers and bodies, 0.5 s idle) faces a bounded slowloris:
20 connections trickling headers, 20 idle ones and one announcing a 10 GB body. Each must be
closed (the run gives up after 20 s, far more than the limits need), the tricklers with a 408 in
Mt. Gox's error shape, the huge body with a 413 before a byte of it is read; meanwhile the
exchange keeps answering. Before the limits, all 41 were still held when the run ended.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mtgox_sandbox.fixture import Sandbox

from .slowloris import Attack, summary

SHORT = ("--header-timeout", "1", "--body-timeout", "1", "--idle-timeout", "0.5", "--max-connections", "60")


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path / "limits.db", extra_args=SHORT) as running:
        yield running


def read_all(sock: socket.socket, seconds: float = 20.0) -> bytes:
    sock.settimeout(seconds)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


@pytest.mark.integration
def test_a_bounded_slowloris_is_cut_off(strict: Sandbox) -> None:
    attack = Attack(strict.host, strict.port)
    started = time.monotonic()
    attack.open()
    # the exchange answers while the slow connections are open
    with httpx.Client(base_url=strict.url, timeout=10) as http:
        assert http.get("/api/2/BTCUSD/money/ticker").status_code == 200
    attack.held.clear()  # run() opens its own set
    result = attack.run(20.0)
    print(f"slowloris against the sandbox: {summary(result)} ({time.monotonic() - started:.1f} s)")
    assert all(t is not None for times in result.values() for t in times), summary(result)
    for conn in attack.held:
        if conn.kind == "trickling":
            assert conn.answer.startswith(b"HTTP/1.1 408 "), conn.answer[:80]
            assert b'"token":"request_timeout"' in conn.answer
        elif conn.kind == "huge":
            assert conn.answer.startswith(b"HTTP/1.1 413 "), conn.answer[:80]
            assert b'"token":"request_too_large"' in conn.answer


@pytest.mark.integration
def test_a_slow_body_times_out_and_big_headers_are_refused(strict: Sandbox) -> None:
    with socket.create_connection((strict.host, strict.port)) as slow:
        slow.sendall(b"POST /api/2/money/info HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nnonce=1")
        answer = read_all(slow)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"request_timeout" in answer, answer[:200]
    assert b"connection: close" in answer.lower()
    with socket.create_connection((strict.host, strict.port)) as big:
        big.sendall(b"GET /api/2/BTCUSD/money/ticker HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        answer = read_all(big)
    assert answer.startswith(b"HTTP/1.1 431 ") and b"request_header_too_large" in answer, answer[:200]
    for length in (b"9" * 5000, b"-1"):  # what h11 refuses is answered in Mt. Gox's shape too
        with socket.create_connection((strict.host, strict.port)) as bad:
            bad.sendall(b"POST /api/2/money/info HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n")
            answer = read_all(bad)
        assert answer.startswith(b"HTTP/1.1 400 ") and b'"result":"error"' in answer, answer[:200]
        assert b'"token":"invalid_request"' in answer


@pytest.mark.integration
def test_a_trickled_body_is_cut_at_its_deadline_and_a_whole_one_on_the_same_connection_is_not(
    strict: Sandbox,
) -> None:
    # one byte every 0.2 s never lets the connection idle, yet the body's 1 s deadline still holds
    with socket.create_connection((strict.host, strict.port)) as slow:
        slow.sendall(b"POST /api/2/money/info HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n")
        began = time.monotonic()
        slow.settimeout(0.2)
        answer = b""
        for _ in range(40):
            try:
                slow.sendall(b"n")
                answer += slow.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if answer:
                break
        elapsed = time.monotonic() - began
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"token":"request_timeout"' in answer, answer[:200]
    assert 0.9 < elapsed < 3.0, elapsed
    # bodies that come whole arm no deadline: many keep-alive requests outlive it together
    with httpx.Client(base_url=strict.url, timeout=10) as http:
        began = time.monotonic()
        while time.monotonic() - began < 1.5:
            answer_status = http.post("/api/2/money/info", content=b"nonce=1").status_code
            assert answer_status == 403  # unsigned: refused, but answered on the same connection


@pytest.mark.integration
def test_connections_past_the_cap_are_refused_at_once(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "cap.db", extra_args=("--max-connections", "5")) as capped:
        held = [socket.create_connection((capped.host, capped.port)) for _ in range(5)]
        try:
            time.sleep(0.2)  # let the server accept them (not a timing assertion)
            with socket.create_connection((capped.host, capped.port)) as extra:
                answer = read_all(extra)
            assert answer.startswith(b"HTTP/1.1 503 ") and b"too_many_connections" in answer, answer[:200]
        finally:
            for sock in held:
                sock.close()
        with httpx.Client(base_url=capped.url, timeout=10) as http:  # the cap frees with its connections
            assert http.get("/api/2/BTCUSD/money/ticker").status_code == 200
