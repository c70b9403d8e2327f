"""Composition and process: one set of services per exchange, the ASGI app built from them (the
composition root: nothing below imports it), the database worker, serving on uvicorn, the
per-test switch, the command line and the pytest fixture."""
