"""The bare uvicorn baseline of `sandbox_rps`: an ASGI app that answers the bench server's JSON.

It does nothing but read the request body and send the canned answer, and it is served by the
sandbox's own `serve()` (the same uvicorn configuration and limits as `mtgox-sandbox serve`), so
the ratio of the sandbox to it is what the sandbox's own work costs: routing, authentication,
the nonce write, the SQLite transaction, rendering.

    python -m bench.uvicorn_app [--port 0]   # prints `listening on http://127.0.0.1:PORT`
"""

from __future__ import annotations

import argparse
import sys

from mtgox_sandbox.server.serve import serve
from mtgox_sandbox.web.types import Receive, Scope, Send

from .server import route

_HEADERS = [(b"content-type", b"application/json")]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more = True
    while more:  # the whole body, as the sandbox reads it
        message = await receive()
        more = message.get("more_body", False) and message["type"] == "http.request"
    status, body = route(scope.get("raw_path") or scope["path"].encode())
    headers = [*_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.uvicorn_app", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
