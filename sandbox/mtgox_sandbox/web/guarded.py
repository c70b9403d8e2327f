"""uvicorn's h11 protocol with the connection-level limits of limits.py: a header deadline, a body
deadline, an idle timer from the start, a connection cap for HTTP, and the stream slots checked
at a websocket upgrade (503 past them). Every refusal is a JSON body in Mt. Gox's error shape,
sent with `Connection: close`; so is the 400 for what h11 cannot parse.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, ClassVar

from .limits import Limits
from .netaddr import peer_of, where
from .slots import StreamSlots
from .upgrade import UpgradingH11Protocol

access = logging.getLogger("uvicorn.access")


def raw_error(status: int, reason: str, message: str, token: str) -> bytes:
    """A whole HTTP/1.1 answer, for refusals made before (or outside) a request/response cycle."""
    body = json.dumps({"result": "error", "error": message, "token": token}, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class GuardedH11Protocol(UpgradingH11Protocol):
    """uvicorn's h11 protocol with a header deadline, an idle timer from the start, a connection cap
    (for HTTP: stream connections have their own, checked at the upgrade)."""

    limits: ClassVar[Limits] = Limits()
    slots: ClassVar[StreamSlots] = limits.stream_slots()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        #: the cycle that was current when the header deadline was armed (a new one means headers came)
        self._armed_cycle: object = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_cycle: object = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        if len(self.connections) - self.slots.total > self.limits.max_connections:
            message = f"Too many connections (at most {self.limits.max_connections}); retry later"
            access.info("%s - connection refused 503 (too_many_connections)", where(self.client))
            self.transport.write(raw_error(503, "Service Unavailable", message, "too_many_connections"))
            self.transport.close()
            return
        self._arm_header_deadline()
        # a connection that never sends a byte is idle from the start, not only after an answer
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def handle_events(self) -> None:
        super().handle_events()
        cycle = self.cycle
        if self._header_timer is not None and cycle is not self._armed_cycle:
            self._cancel_header_deadline()  # a request's headers are complete
        if cycle is not None and cycle.more_body and not cycle.response_started:
            if self._body_cycle is not cycle:  # its body is still arriving
                self._cancel_body_deadline()
                self._body_cycle = cycle
                self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_deadline_passed)
        elif self._body_timer is not None:
            self._cancel_body_deadline()

    def handle_websocket_upgrade(self, event: Any) -> None:
        # The connection becomes a stream: no request headers are awaited on it any more (the
        # deadline would write a 408 into the websocket and close it after header_timeout).
        self._cancel_header_deadline()
        self._cancel_body_deadline()
        refusal = self.slots.refusal(peer_of(self.client[0] if self.client else None))
        if refusal is not None:
            target = event.target.decode("latin-1")
            access.info('%s - "WebSocket %s" 503 (too_many_streams: %s)', where(self.client), target, refusal)
            self.transport.write(raw_error(503, "Service Unavailable", refusal, "too_many_streams"))
            self.transport.close()
            return
        super().handle_websocket_upgrade(event)

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._arm_header_deadline()  # before uvicorn parses a pipelined request
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        self._cancel_body_deadline()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        # A request still receiving its body would hold the shutdown for the whole graceful
        # timeout: close it (the app sees a disconnect and answers nothing).
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and cycle.more_body:
            self.transport.close()
            return
        super().shutdown()

    def send_400_response(self, msg: str) -> None:
        # what h11 refuses (a bad request line, a bad Content-Length, headers past the limit
        # that trickled in) gets Mt. Gox's error shape too, not uvicorn's plain text
        self._cancel_header_deadline()
        self._cancel_body_deadline()
        self.transport.write(raw_error(400, "Bad Request", msg, "invalid_request"))
        self.transport.close()

    def _arm_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._armed_cycle = self.cycle
        self._header_timer = self.loop.call_later(self.limits.header_timeout, self._header_deadline_passed)

    def _cancel_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline_passed(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        message = f"Request headers not received within {self.limits.header_timeout:g} s"
        self.transport.write(raw_error(408, "Request Timeout", message, "request_timeout"))
        self.transport.close()

    def _cancel_body_deadline(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        self._body_cycle = None

    def _body_deadline_passed(self) -> None:
        cycle, self._body_timer, self._body_cycle = self.cycle, None, None
        if self.transport.is_closing() or cycle is None or not cycle.more_body or cycle.response_started:
            return
        # The app, waiting for the rest of the body, sees the client leave and answers nothing.
        message = f"Request body not received within {self.limits.body_timeout:g} s"
        self.transport.write(raw_error(408, "Request Timeout", message, "request_timeout"))
        self.transport.close()


def protocol_class(limits: Limits, slots: StreamSlots | None = None) -> type[GuardedH11Protocol]:
    """The protocol class to give uvicorn (`Config(http=...)`), bound to these limits and the
    server's stream slots (the same ones its websocket protocol and PubNub app count in)."""
    bound = {"limits": limits, "slots": slots or limits.stream_slots()}
    return type("GuardedH11Protocol", (GuardedH11Protocol,), bound)
