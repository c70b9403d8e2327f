"""The generic socket.io clients of the interop tests, installed by these tests into the repo's
ignored `.cache/interop` (the registries are the only network used; once there, reused):
npm `socket.io-client@0.9.16` driven by node, PyPI `socketIO-client==0.5.7.2` in a subprocess."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "interop"
HERE = Path(__file__).resolve().parent / "interop"
NODE_PACKAGE, NODE_VERSION = "socket.io-client", "0.9.16"
PY_PACKAGE, PY_VERSION = "socketIO-client", "0.5.7.2"
TIMEOUT = 30.0

Message = dict[str, Any]


def node_modules() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the socket.io-client interop test")
    target = CACHE / "node"
    manifest = target / "node_modules" / NODE_PACKAGE / "package.json"
    if not manifest.exists():
        command = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(target), f"{NODE_PACKAGE}@{NODE_VERSION}"]
        subprocess.run(command, check=True, timeout=600, capture_output=True)
    assert json.loads(manifest.read_text())["version"] == NODE_VERSION
    return target / "node_modules"


def python_target() -> Path:
    target = CACHE / "py"
    if not (target / f"socketio_client-{PY_VERSION}.dist-info").exists():
        command = [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), f"{PY_PACKAGE}=={PY_VERSION}"]
        subprocess.run(command, check=True, timeout=600, capture_output=True)
    return target


class Child:
    """A client process: JSON lines out, "3 text" / "4 json" lines in."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, kind: int, message: Message | str) -> None:
        assert self.process.stdin is not None
        text = message if isinstance(message, str) else json.dumps(message)
        self.process.stdin.write(f"{kind} {text}\n")
        self.process.stdin.flush()

    def until(self, test: Callable[[Message], bool], timeout: float = TIMEOUT) -> Message:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no such message within {timeout} s; stderr: {self.stderr()}") from None
            if line is None:
                raise AssertionError(f"the client exited; stderr: {self.stderr()}")
            message: Message = json.loads(line)
            if test(message):
                return message

    def stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read()

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def node_client(url: str) -> Child:
    modules = node_modules()
    return Child(["node", str(HERE / "sio_node.js"), url], {"NODE_PATH": str(modules)})


def python_client(host: str, port: int, query: str) -> Child:
    target = python_target()
    command = [sys.executable, str(HERE / "sio_py.py"), host, str(port), query]
    return Child(command, {"PYTHONPATH": str(target), "PYTHONWARNINGS": "ignore"})


# -- the PubNub era's clients ------------------------------------------------------------------

PUBNUB_NODE_VERSION = "3.5.48"  # the version cointhink's mtgox-orderbook depended on
#: PyPI's pubnub 3.3.x (2013) installs on Python 2 only; 3.5.0 (2014) is the first that runs.
PUBNUB_PY_VERSION = "3.5.0"


def pubnub_node_client(port: int, sub_key: str, channels: str, auth: str = "", cipher: str = "") -> Child:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the npm pubnub interop test")
    target = CACHE / "pubnub-node"
    manifest = target / "node_modules" / "pubnub" / "package.json"
    if not manifest.exists():
        command = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(target), f"pubnub@{PUBNUB_NODE_VERSION}"]
        subprocess.run(command, check=True, timeout=600, capture_output=True)
    assert json.loads(manifest.read_text())["version"] == PUBNUB_NODE_VERSION
    command = [node, str(HERE / "pubnub_node.js"), str(port), sub_key, channels, *((auth, cipher) if auth else ())]
    return Child(command, {"NODE_PATH": str(target / "node_modules")})


def pubnub_python_client(origin: str, sub_key: str, channels: str, auth: str = "") -> Child:
    """PyPI pubnub with what it imports (requests; pycryptodome for its `Crypto` module)."""
    target = CACHE / "pubnub-py"
    client = target / PUBNUB_PY_VERSION
    if not (client / f"pubnub-{PUBNUB_PY_VERSION}.dist-info").exists():
        pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(client)]
        subprocess.run([*pip, f"pubnub=={PUBNUB_PY_VERSION}"], check=True, timeout=600, capture_output=True)
    deps = target / "deps"
    if not (deps / "requests").exists() or not (deps / "Crypto").exists():
        pip = [sys.executable, "-m", "pip", "install", "-q", "--target", str(deps), "requests", "pycryptodome"]
        subprocess.run(pip, check=True, timeout=600, capture_output=True)
    path = os.pathsep.join(str(p) for p in (HERE / "pubnub_compat", client, deps))
    command = [sys.executable, str(HERE / "pubnub_py.py"), origin, sub_key, channels, *((auth,) if auth else ())]
    return Child(command, {"PYTHONPATH": path, "PYTHONWARNINGS": "ignore"})
