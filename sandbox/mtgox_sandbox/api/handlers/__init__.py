"""Stateful behaviour per endpoint: one module per part of the API. Importing this package
registers every handler (registry.py says how an endpoint finds its handler)."""

from . import account, funding, market, trading

__all__ = ["account", "funding", "market", "trading"]
