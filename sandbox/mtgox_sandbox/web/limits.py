"""Every limit on what a peer can make the sandbox hold or spend, in one place: the serve
options (`Limits`, one field per `mtgox-sandbox serve --FLAG`) and the fixed bounds below them.

Without them, 20 connections trickling their headers, 20 idle ones and one announcing a 10 GB
body were all held forever. What cuts each, and where:

    limit              default   enforced by
    -----------------  --------  ----------------------------------------------------------------
    header_timeout     10 s      guarded.py: from the connection (or the previous answer) to
                                 the end of the request's headers, however fast bytes trickle
    idle_timeout       5 s       uvicorn's keep-alive timer, armed here on a fresh connection too
                                 (uvicorn arms it only after a first answer)
    body_timeout       30 s      guarded.py: from the end of the headers to the end of the body
                                 (a timer only while a body is still arriving, so a request that
                                 came whole costs nothing)
    max_body_bytes     1 MiB     the adapters (http.py): a larger Content-Length is refused before
                                 any byte of the body is read (413), a chunked body once it
                                 passes the limit
    max_header_bytes   16 KiB    the middleware (middleware.py, 431) when the headers came
                                 whole; h11 (`h11_max_incomplete_event_size`) when they trickle
                                 in (400)
    max_connections    256       guarded.py: a connection past the cap is answered 503 and
                                 closed at once (uvicorn's `limit_concurrency` only refuses
                                 requests, it keeps the connections open); stream connections
                                 are not counted (slots.py)

and for stream connections (websockets, and PubNub polls while they wait):

    max_stream_connections           1024     slots.py, checked by guarded.py at the upgrade (503) and by
                                              the PubNub app for a poll (PubNub's 503)
    max_stream_connections_per_peer  256      the same, for one address (an IPv6 /64)
    stream_idle_timeout              40 s     an RFC 6455 peer that answers no ping (sent after
                                              half of it) within the other half is closed
                                              (uvicorn's keepalive); a Hixie one, which cannot
                                              be pinged, after that long with nothing sent
                                              either way (hixie.py)
    max_stream_message_bytes         64 KiB   a client's message, fragments counted
                                              (websocket_protocol.py), or a Hixie frame

Every refusal is a JSON body in Mt. Gox's error shape, sent with `Connection: close`; so is the
400 for what h11 cannot parse (a bad request line or Content-Length).

Fixed bounds of the stream server (web layer; the stream layer's own, such as queue bytes, the
remark's quote and wildcard patterns, live beside the code that holds them: stream/hub.py,
stream/session.py, stream/socketio.py, stream/pubnub.py; docs/sandbox.md lists them all):

    FRAGMENT_BYTES      what a websocket fragment weighs beyond its payload against the
                        message size limit (websocket_protocol.py)
    FEED_BYTES          how much of one read is parsed at a time (websocket_protocol.py)
    UNREAD_BYTES        pongs left unread past which a pinging peer is dropped
    CLOSE_GRACE_S       how long a closing stream may take to send what is left (closing.py)
    KEY3_TIMEOUT_S      draft 76's 8 bytes after the headers (upgrade.py)
    MAX_HANDSHAKE_BODY  a Socket.IO handshake's body (socketio.py, 413 past it)
"""

from __future__ import annotations

from dataclasses import dataclass

from .slots import StreamSlots

MiB = 1 << 20
KiB = 1 << 10

#: What a websocket fragment weighs beyond its payload against the message size limit: uvicorn
#: keeps each fragment as an object of its own until the message ends.
FRAGMENT_BYTES = 64
#: How much of one read is parsed at a time, so that parsing stops once the connection is closed.
FEED_BYTES = 16 * KiB
#: Unsent bytes (pongs) waiting for a peer past which a peer that pings without reading is dropped.
UNREAD_BYTES = 256 * KiB
#: How long a closing stream connection may take to send what is left before it is aborted.
CLOSE_GRACE_S = 5.0
#: Draft 76's 8 bytes after the headers must come within this many seconds.
KEY3_TIMEOUT_S = 10.0
#: A Socket.IO handshake carries no body worth reading: a POST's is read up to this and dropped.
MAX_HANDSHAKE_BODY = 4 * KiB


@dataclass(frozen=True)
class Limits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 5.0
    max_body_bytes: int = MiB
    max_header_bytes: int = 16 * 1024
    max_connections: int = 256
    max_stream_connections: int = 1024
    max_stream_connections_per_peer: int = 256
    stream_idle_timeout: float = 40.0
    max_stream_message_bytes: int = 64 * KiB

    def __post_init__(self) -> None:
        for name in ("header_timeout", "body_timeout", "idle_timeout", "stream_idle_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number of seconds")
        for name in (
            "max_body_bytes",
            "max_header_bytes",
            "max_connections",
            "max_stream_connections",
            "max_stream_connections_per_peer",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.max_stream_message_bytes < 1024:
            raise ValueError("max_stream_message_bytes must be at least 1024")

    def stream_slots(self) -> StreamSlots:
        return StreamSlots(self.max_stream_connections, self.max_stream_connections_per_peer)
