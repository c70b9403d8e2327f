"""The exchange's domain: state in SQLite, money, the matching engine, the ledger, read models.

The first of the sandbox's five layers (core <- api <- stream <- web <- server): it knows
nothing of HTTP, ASGI, the Streaming API or request handlers. What the engine and the ledger
did is recorded as events (`events.py`) for whoever listens.
"""
