"""mtgox-sandbox: a local Mt. Gox exchange (HTTP API v0, v1, v2 and the Streaming API) for the
SDK, clients and bots.

A real server on loopback, built at start-up from the same catalogue (`endpoints.yaml`) the SDK
is generated from, with its state (accounts, keys, nonces, wallets, order books, trades,
history) in one SQLite file. Start it with `mtgox-sandbox serve`, from Python with
`mtgox_sandbox.Sandbox`, or in tests with the `sandbox` fixture
(`pytest_plugins = ["mtgox_sandbox.fixture"]`). docs/sandbox.md describes it.

The package is five layers, each importing only those before it: `core` (the domain: SQLite,
engine, ledger, read models) <- `api` (Mt. Gox's wire semantics, one dispatcher) <- `stream`
(events to messages, subscribers, sessions) <- `web` (ASGI adapters, mount table, limits) <-
`server` (composition, worker, process, command line, fixture). docs/architecture.md draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Sandbox", "__version__"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .server.process import Sandbox


def __getattr__(name: str) -> Any:
    # `import mtgox_sandbox` stays light: the process helper (and pyyaml) load when asked for
    if name == "Sandbox":
        from .server.process import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
