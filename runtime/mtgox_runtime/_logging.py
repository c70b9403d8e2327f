"""The `mtgox` logger.

INFO: one line per HTTP attempt (method, URL, status, elapsed time, attempt) and one per retry.
DEBUG: also request and response bodies (form bodies hold the parameters and the nonce, never
the secret). Neither level ever logs Rest-Sign, Rest-Key or any other header.

`MTGOX_LOG=debug` (or `info`) installs a stderr handler the first time a client is built;
otherwise the SDK leaves logging configuration to the application.
"""

from __future__ import annotations

import logging
import sys
import threading

from ._config import env

logger = logging.getLogger("mtgox")

_installed = False
_install_lock = threading.Lock()
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def setup_from_env(env_prefix: str = "MTGOX") -> None:
    """Install a stderr handler when MTGOX_LOG (`{env_prefix}_LOG`) asks for one (once per process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        _installed = True
        wanted = (env(f"{env_prefix}_LOG") or "").strip().lower()
        level = _LEVELS.get(wanted)
        if level is None:
            return
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.set_name("mtgox-env")
        logger.addHandler(handler)
        logger.setLevel(level)


def body_for_log(body: bytes, limit: int = 2000) -> str:
    text = body[:limit].decode("utf-8", "replace")
    return text if len(body) <= limit else f"{text}... ({len(body)} bytes)"
