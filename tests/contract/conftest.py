"""The contract tests that talk to a real sandbox use the packaged fixture."""

from __future__ import annotations

from mtgox_sandbox.fixture import sandbox

__all__ = ["sandbox"]
