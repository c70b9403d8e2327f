"""Helpers of the stream tests: clients pointed at a fake server, waiting without timing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import mtgox

from .fakeserver import KEY, SECRET, FakeStreamServer

TRANSPORTS = ("websocket", "socketio")


def client(fake: FakeStreamServer, **options: Any) -> mtgox.Client:
    return mtgox.Client(KEY, SECRET, base_url=fake.api_url, nonce_store="memory", rate_limit=None, **options)


def async_client(fake: FakeStreamServer, **options: Any) -> mtgox.AsyncClient:
    return mtgox.AsyncClient(KEY, SECRET, base_url=fake.api_url, nonce_store="memory", rate_limit=None, **options)


def stream_url(fake: FakeStreamServer, transport: str) -> str:
    return f"ws://127.0.0.1:{fake.port}/mtgox" if transport == "websocket" else f"http://127.0.0.1:{fake.port}"


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll a condition; the limit is generous (what is needed is milliseconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def take_until(messages: Iterator[object], predicate: Callable[[object], bool], limit: int = 1000) -> list[object]:
    """Messages up to and including the first that satisfies `predicate`."""
    seen = []
    for message in messages:
        seen.append(message)
        if predicate(message):
            return seen
        assert len(seen) < limit, "predicate never satisfied"
    raise AssertionError(f"the stream ended before the predicate held: {seen[-5:]}")
