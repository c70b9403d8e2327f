"""The dashboard tests use the sandbox's own pytest fixtures (a real exchange per test)."""

from __future__ import annotations

from mtgox_sandbox.fixture import sandbox

__all__ = ["sandbox"]
