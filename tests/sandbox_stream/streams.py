"""A raw RFC 6455 stream client for the tests (the `websockets` package, nothing of the SDK)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from websockets.sync.client import ClientConnection, connect

from mtgox_sandbox.fixture import Sandbox

TIMEOUT = 20.0

Message = dict[str, Any]


class Raw:
    """A plain-websocket stream connection: JSON in, JSON out."""

    def __init__(self, sandbox: Sandbox, path: str = "/mtgox", query: str = "") -> None:
        url = f"ws://{sandbox.host}:{sandbox.port}{path}" + (f"?{query}" if query else "")
        self._stack = ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(connect(url, open_timeout=TIMEOUT, max_size=None))
        self.seen: list[Message] = []

    def send(self, message: Message | str) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def recv(self, timeout: float = TIMEOUT) -> Message:
        message: Message = json.loads(self.ws.recv(timeout=timeout))
        self.seen.append(message)
        return message

    def until(self, test: Callable[[Message], bool], timeout: float = TIMEOUT) -> Message:
        """The first message that passes `test` (the others are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.01, deadline - time.monotonic()))
            if test(message):
                return message

    def close(self) -> None:
        self._stack.close()


def private(kind: str) -> Callable[[Message], bool]:
    return lambda m: m.get("op") == "private" and m.get("private") == kind


def packed_call(
    key: str, secret: str, call: str, params: object, call_id: str, *, nonce: object, extra: Message | None = None
) -> Message:
    """`{"op": "call", ...}` built as the reference's clients build it (section 3.1)."""
    import base64
    import hashlib
    import hmac
    import uuid

    inner: Message = {"id": call_id, "call": call, "params": params, "item": "BTC", "currency": "USD", "nonce": nonce}
    inner.update(extra or {})
    raw = json.dumps(inner).encode()
    signature = hmac.new(base64.b64decode(secret), raw, hashlib.sha512).digest()
    blob = uuid.UUID(key).bytes + signature + raw
    return {"op": "call", "id": call_id, "call": base64.b64encode(blob).decode(), "context": "mtgox.com"}
