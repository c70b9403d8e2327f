"""The sandbox's dashboard: a web page at `/` showing the market and the accounts, live.

The page (static/: plain HTML, CSS and JavaScript, no build step; charts by TradingView's
lightweight-charts, vendored with its licence) is one more client of the sandbox: market data
comes from the public HTTP API and the streaming API like any bot's. Its own endpoints live
under `/_dashboard/`, a path no Mt. Gox API route can take (they all start with `/api/`):
account views (read from the sandbox's state) and the operator panel (add an account, fund it,
seed a market), both answered to loopback clients only.
"""

from __future__ import annotations

from .http import PREFIX, Dashboard

__all__ = ["PREFIX", "Dashboard"]
