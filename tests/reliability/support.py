"""Shared material of the reliability tests: the catalogue, credentials, clients, figures, log counting."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import mtgox
from mtgox_catalogue import load_catalogue
from mtgox_catalogue import model as m

REPO = Path(__file__).resolve().parents[2]
CATALOGUE: m.Catalogue = load_catalogue(REPO / "endpoints.yaml")
ENDPOINTS: tuple[m.Endpoint, ...] = CATALOGUE.endpoints
BASE = "https://mtgox.invalid/api"

KEY = "5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
#: A secret no other test uses, so finding it anywhere means this suite leaked it.
SECRET_BYTES = bytes((i * 37 + 11) % 256 for i in range(64))
SECRET = base64.b64encode(SECRET_BYTES).decode()

#: Every form in which the secret must never appear: the base64 text (and long pieces of it),
#: the raw HMAC key bytes, their hex and their repr.
FORBIDDEN_TEXT: tuple[str, ...] = (
    SECRET,
    SECRET[:24],
    SECRET[24:48],
    SECRET[-24:],
    SECRET_BYTES.hex(),
    SECRET_BYTES.hex()[:32],
    SECRET_BYTES.hex().upper()[:32],
    repr(SECRET_BYTES),
    repr(SECRET_BYTES)[2:34],
    repr(bytearray(SECRET_BYTES)),
    base64.urlsafe_b64encode(SECRET_BYTES).decode()[:24],
)
FORBIDDEN_BYTES: tuple[bytes, ...] = (SECRET_BYTES, SECRET_BYTES[:16], *(t.encode() for t in FORBIDDEN_TEXT))


def leaks(text: str | bytes) -> list[str]:
    """The forbidden forms found in `text` (an empty list when it is clean)."""
    if isinstance(text, bytes):
        return [repr(b[:12]) for b in FORBIDDEN_BYTES if b in text]
    return [t[:12] + "..." for t in FORBIDDEN_TEXT if t in text]


# -- figures --------------------------------------------------------------------------------------

FIGURES: dict[str, Any] = {}
_FIGURES_LOCK = threading.Lock()


def record(name: str, value: Any) -> None:
    """Add `value` to the figure `name`: numbers add up, dicts of numbers add up key by key."""
    with _FIGURES_LOCK:
        old = FIGURES.get(name)
        if isinstance(value, int | float) and isinstance(old, int | float):
            FIGURES[name] = old + value
        elif isinstance(value, dict) and isinstance(old, dict):
            FIGURES[name] = {k: old.get(k, 0) + value.get(k, 0) for k in sorted(set(old) | set(value))}
        else:
            FIGURES[name] = value


# -- clients --------------------------------------------------------------------------------------


def no_sleep(seconds: float) -> None:
    """Backoff without waiting."""


async def no_asleep(seconds: float) -> None:
    """Backoff without waiting (async)."""


def client(**options: Any) -> mtgox.Client:
    """A client for mocked transports: memory nonces, no rate limit, no real backoff."""
    options.setdefault("key", KEY)
    options.setdefault("secret", SECRET)
    options.setdefault("base_url", BASE)
    options.setdefault("nonce_store", "memory")
    options.setdefault("rate_limit", None)
    made = mtgox.Client(**options)
    made._transport.sleep = no_sleep
    return made


def async_client(**options: Any) -> mtgox.AsyncClient:
    options.setdefault("key", KEY)
    options.setdefault("secret", SECRET)
    options.setdefault("base_url", BASE)
    options.setdefault("nonce_store", "memory")
    options.setdefault("rate_limit", None)
    made = mtgox.AsyncClient(**options)
    made._transport.sleep = no_asleep
    return made


def method_of(api: Any, e: m.Endpoint) -> Any:
    """`client.v2.order_add` for the endpoint `v2.order_add`."""
    return getattr(getattr(api, e.version.key), e.name)


# -- log counting -----------------------------------------------------------------------------------


class CountingHandler(logging.Handler):
    """Counts `mtgox` log records by what they say (re-signs, retries), thread-safely."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: Counter[str] = Counter()
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        kind = "resigned" if "nonce refused" in message else "retried" if "retrying in" in message else ""
        if kind:
            with self._guard:
                self.counts[kind] += 1


class counting_logs:
    """`with counting_logs() as counts:` counts re-signs and retries logged by the SDK meanwhile."""

    def __init__(self) -> None:
        self.handler = CountingHandler()
        self._logger = logging.getLogger("mtgox")
        self._level = self._logger.level

    def __enter__(self) -> Counter[str]:
        self._logger.addHandler(self.handler)
        self._logger.setLevel(logging.DEBUG)
        return self.handler.counts

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self.handler)
        self._logger.setLevel(self._level)


def child_json(module: str, *args: str) -> dict[str, Any]:
    """`python -m module args...` in a process of its own (so the peak memory it reports is its
    own): the JSON object on the last line it prints."""
    paths = ("", "runtime", "generated", "catalogue")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(REPO / d) for d in paths)}
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
