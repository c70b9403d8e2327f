"""uvicorn's RFC 6455 protocol (the `websockets` package's sans-I/O implementation, which uvicorn
picks when `websockets` is installed; serve.py names it outright) with what a peer can make it
hold, or spend, bounded:

- a stream slot (slots.py) for the connection's life, apart from HTTP's connections;
- a message's size counts each fragment's cost, not only its payload: uvicorn keeps every
  fragment as an object of its own until the message ends (about 48 bytes for a 1-byte
  fragment), so each fragment weighs FRAGMENT_BYTES more than its payload against
  `ws_max_size`, and a message past it closes the connection (1009);
- what one read brings is parsed FEED_BYTES at a time, so that a read packed with tiny frames
  stops being parsed once the connection is closed, instead of holding the loop for all of it;
- pongs: uvicorn writes one for every ping at once, whether or not the peer reads them, so a
  peer that pings without reading grew the server's write buffer without end. Past
  UNREAD_BYTES waiting in that buffer when a ping comes, the peer is closed (1008): everything
  else this protocol writes waits for the buffer to drain first, so only pongs can pile up so;
  such a peer is aborted, not closed (a close waits for the buffer to be read);
- any close becomes an abort when what is left to write has not gone within a grace time
  (closing.py), so a peer that reads nothing cannot keep a closed connection, and its slot.

Idle peers are uvicorn's keepalive (`ws_ping_interval`, `ws_ping_timeout`: serve.py sets them
from limits.py): a peer that answers no ping in time is closed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode

from .closing import GracefulTransport
from .limits import FEED_BYTES, FRAGMENT_BYTES, UNREAD_BYTES
from .netaddr import peer_of, where
from .slots import StreamSlots

access = logging.getLogger("uvicorn.access")


class StreamWebSocketProtocol(WebSocketsSansIOProtocol):  # type: ignore[misc,unused-ignore]
    slots: ClassVar[StreamSlots]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.peer = ""
        self._slot_taken = False
        #: What the message being received weighs so far (payloads and FRAGMENT_BYTES each).
        self._message_cost = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.graceful = GracefulTransport(transport)
        super().connection_made(self.graceful)
        self.peer = peer_of(self.client[0] if self.client else None)
        self.slots.take(self.peer)
        self._slot_taken = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.graceful.forget()
        if self._slot_taken:
            self._slot_taken = False
            self.slots.give_back(self.peer)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        for start in range(0, len(data), FEED_BYTES):
            if self.transport.is_closing():
                return  # the rest is never parsed (a close the server sent still awaits its reply)
            super().data_received(data[start : start + FEED_BYTES] if len(data) > FEED_BYTES else data)

    def handle_text(self, event: Any) -> None:
        self._message_cost = len(event.data) + FRAGMENT_BYTES
        super().handle_text(event)

    def handle_bytes(self, event: Any) -> None:
        self._message_cost = len(event.data) + FRAGMENT_BYTES
        super().handle_bytes(event)

    def handle_cont(self, event: Any) -> None:
        if self.close_sent:
            return
        self._message_cost += len(event.data) + FRAGMENT_BYTES
        if self._message_cost > self.config.ws_max_size:
            limit = self.config.ws_max_size
            self._fail(CloseCode.MESSAGE_TOO_BIG, f"a message over {limit} bytes, fragments counted")
            return
        super().handle_cont(event)

    def handle_ping(self) -> None:
        if self.close_sent or self.transport.is_closing():
            return
        if self.transport.get_write_buffer_size() > UNREAD_BYTES:
            # it reads nothing: a close frame would only wait behind the pongs
            self._log_closed("aborted: it pings faster than it reads")
            self.transport.abort()  # the app hears of it from connection_lost, as of any drop
            return
        super().handle_ping()

    def keepalive_timeout(self) -> None:
        if not (self.close_sent or self.transport.is_closing()):
            self._log_closed(f"closed 1011: no pong within {self.ping_timeout:g} s")
        super().keepalive_timeout()

    def _log_closed(self, what: str) -> None:
        """Under --access-log, why the server ended this websocket (uvicorn logs only its upgrade)."""
        scope = getattr(self, "scope", None)
        path = scope["path"] if scope else "-"
        access.info('%s - "WebSocket %s" %s', where(self.client), path, what)

    def _fail(self, code: CloseCode, reason: str) -> None:
        """Close the connection now, as uvicorn closes it for a frame it cannot parse."""
        self.conn.fail(code, reason)
        if self.conn.close_sent is None:  # already closing: just drop it
            self._log_closed(f"dropped: {reason}")
            self.transport.close()
            return
        self.handle_parser_exception()

    def handle_parser_exception(self) -> None:
        # a frame past a limit, or one that breaks the protocol: the close frame says why
        if self.conn.close_sent is not None:
            self._log_closed(f"closed {self.conn.close_sent.code}: {self.conn.close_sent.reason}")
        super().handle_parser_exception()


def websocket_protocol_class(slots: StreamSlots) -> type[StreamWebSocketProtocol]:
    """The websocket protocol class to give uvicorn (`Config(ws=...)`), counting in `slots`."""
    return type("StreamWebSocketProtocol", (StreamWebSocketProtocol,), {"slots": slots})
