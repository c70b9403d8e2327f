"""mtgox-sandbox: a local Mt. Gox exchange (HTTP API v0, v1, v2) for the SDK, clients and bots.

A real HTTP server on loopback, built at start-up from the same catalogue (`endpoints.yaml`)
the SDK is generated from, with its state (accounts, keys, nonces, wallets, order books,
trades, history) in one SQLite file. Start it with `mtgox-sandbox serve`, or in tests with the
`sandbox` fixture (`pytest_plugins = ["mtgox_sandbox.fixture"]`). docs/sandbox.md describes it.
"""

from __future__ import annotations

__all__ = ["__version__"]
__version__ = "0.1.0"
