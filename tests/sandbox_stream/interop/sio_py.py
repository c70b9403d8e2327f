"""The generic Python socket.io protocol-1 client (PyPI socketIO-client 0.5.7.2) against the
sandbox: prints every message as a JSON line; each stdin line "3 <text>" is sent as a plain
message (3::), "4 <json>" as a JSON message (4::). Run with that package on PYTHONPATH."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any
from urllib.parse import parse_qsl

from socketIO_client import BaseNamespace, SocketIO  # type: ignore[import-not-found,unused-ignore]


def out(obj: object) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Mtgox(BaseNamespace):  # type: ignore[misc,unused-ignore]
    def on_connect(self) -> None:
        out({"event": "connect"})

    def on_message(self, data: Any, *ack: Any) -> None:
        out(data if isinstance(data, dict) else {"text": data})


def main() -> None:
    host, port, query = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sio = SocketIO(host, port, params=dict(parse_qsl(query)), transports=["websocket"])
    namespace = sio.define(Mtgox, "/mtgox")

    def feed() -> None:
        for line in sys.stdin:
            kind, _, text = line.strip().partition(" ")
            namespace.message(json.loads(text) if kind == "4" else text)

    threading.Thread(target=feed, daemon=True).start()
    sio.wait()


if __name__ == "__main__":
    main()
