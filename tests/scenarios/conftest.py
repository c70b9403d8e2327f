"""Fixtures of the scenario tests (replays, the clock, faults): the user-facing `sandbox` fixture."""

from __future__ import annotations

from mtgox_sandbox.fixture import sandbox

__all__ = ["sandbox"]
