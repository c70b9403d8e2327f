"""The SDK's stream against a hostile server, in a process of its own so its peak memory can be read.

`python -m tests.reliability._stream_victim CASE MODE`: a `HostileServer` (a thread of this
process) plays CASE; MODE is `sync` or `async`. Prints one JSON line: the typed error `open()`
raised (or "none"), the types of the events the stream yielded, the seconds it took and the
peak resident size in KiB.

    bomb        the server grants permessage-deflate whether asked or not, then sends a 0.5 MiB
                compressed frame inflating to 512 MiB
    bomb-raw    the same frame (compressed bit set) without granting compression
    bomb-asked  the client asks for compression (compression="deflate"), then the bomb
    endless     a Socket.IO handshake whose body never ends
    flood       messages just under max_message_bytes, nested to cost the most memory, unread
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
from typing import Any

import mtgox
from mtgox_runtime.stream import Skipped

from ._bomb import peak_kib
from .hostile import HostileServer, Request, deflate_bomb, endless_chunks, frame, hold, upgrade

BOMB = deflate_bomb(512)
#: The messages of the flood: each just under the default max_message_bytes, of empty objects
#: (the JSON that costs Python the most memory per byte), and how many are sent.
FLOOD_MESSAGE = b'{"op":"private","private":"flood","flood":[' + b"{}," * 349_000 + b"{}]}"
FLOOD_COUNT = 60
#: How long the flooded client leaves its messages unread.
FLOOD_UNREAD_S = 6.0


def _serve(case: str) -> Any:
    def handle(conn: socket.socket, request: Request, server: HostileServer) -> None:
        if case == "endless":
            endless_chunks(conn, server)
            return
        upgrade(conn, request, deflate=case in ("bomb", "bomb-asked"))
        if case == "flood":
            for _ in range(FLOOD_COUNT):
                conn.sendall(frame(FLOOD_MESSAGE))
        else:
            conn.sendall(frame(BOMB, rsv1=True))
        hold(conn, server)

    return handle


def _settings(case: str, server: HostileServer) -> dict[str, Any]:
    if case == "endless":
        return {"transport": "socketio", "stream_url": server.http_url, "open_timeout": 5}
    options: dict[str, Any] = {"stream_url": server.ws_url, "backoff_base": 30.0}
    if case == "bomb-asked":
        options["compression"] = "deflate"
    return options


def _client(server: HostileServer, is_async: bool) -> Any:
    cls = mtgox.AsyncClient if is_async else mtgox.Client
    return cls(base_url=f"{server.http_url}/api", nonce_store="memory", rate_limit=None)


def run_sync(case: str, server: HostileServer) -> list[str]:
    events: list[str] = []
    with _client(server, False) as client, client.stream(**_settings(case, server)) as stream:
        if case == "flood":
            time.sleep(FLOOD_UNREAD_S)
            events.append(f"queued={len(stream.session.events)} dropped={stream.session.dropped}")
            return events
        deadline = time.monotonic() + 30
        for message in stream:
            events.append(type(message).__name__)
            if isinstance(message, Skipped) or time.monotonic() > deadline:
                events.append(type(message.error).__name__) if isinstance(message, Skipped) else None
                break
    return events


async def run_async(case: str, server: HostileServer) -> list[str]:
    events: list[str] = []
    async with _client(server, True) as client, client.stream(**_settings(case, server)) as stream:
        if case == "flood":
            await asyncio.sleep(FLOOD_UNREAD_S)
            events.append(f"queued={len(stream.session.events)} dropped={stream.session.dropped}")
            return events
        async with asyncio.timeout(30):
            async for message in stream:
                events.append(type(message).__name__)
                if isinstance(message, Skipped):
                    events.append(type(message.error).__name__)
                    break
    return events


def main() -> None:
    case, mode = sys.argv[1], sys.argv[2]
    outcome = "none"
    events: list[str] = []
    start = time.monotonic()
    with HostileServer(_serve(case)) as server:
        try:
            events = run_sync(case, server) if mode == "sync" else asyncio.run(run_async(case, server))
        except mtgox.MtGoxError as exc:
            outcome = type(exc).__name__
    seconds = round(time.monotonic() - start, 2)
    print(json.dumps({"error": outcome, "events": events, "seconds": seconds, "maxrss_kib": peak_kib()}))
    threading.Event().wait(0)  # nothing else to do: the server threads are daemons


if __name__ == "__main__":
    main()
