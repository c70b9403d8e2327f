"""The streaming API client: one sans-I/O core and two thin drivers over `websockets`.

Nothing here imports `websockets` at import time (opening a stream does): `import mtgox` stays
httpx-only, and the generated `mtgox.stream` module imports this package.

    _protocol.py   frames of both transports (plain websocket, socket.io revision 1), client ops
    _session.py    the core: subscriptions, pending calls, heartbeats, silence, backoff, books,
                   bad messages (Skipped), drops (Disconnected, Reconnected)
    _connect.py    opening a connection: the handshake's cap and deadline, message size,
                   compression only when asked, no redirects, typed errors
    _sync.py       Stream: a reader thread over websockets.sync.client
    _async.py      AsyncStream: a reader task over websockets.asyncio.client
    _pubnub.py     the PubNub era's long-poll: PubNubSession (no frames, no calls), its AES
    _pubnub_sync.py, _pubnub_async.py   PubNubStream, AsyncPubNubStream: long-polls on the
                   client's own httpx clients
    _book.py       OrderBook: snapshot + depth messages, exact
    _build.py      a session from a client's transport (same key, nonces and error rules as HTTP)
    _spec.py       ChannelInfo, StreamInfo (written by the generator), StreamSpec (what the
                   generated client hands over: facts, parser, endpoints, call namespaces)
    _caller.py     StreamCaller, AsyncStreamCaller: the generic signed call generated methods use
    _messages.py   decode (JSON object, floats as Decimal), Unknown, InvalidMessageError,
                   call_result (a call's answer as its catalogued type)
"""

from ._async import AsyncStream
from ._book import BookError, Level, OrderBook, levels_of
from ._build import make_session
from ._caller import AsyncStreamCaller, StreamCaller
from ._messages import InvalidMessageError, MessageReader, Unknown, call_result, decode
from ._protocol import Handshake, parse_handshake
from ._pubnub import PubNubSession
from ._pubnub_async import AsyncPubNubStream
from ._pubnub_sync import PubNubStream
from ._session import (
    Actions,
    Disconnected,
    Reconnected,
    Skipped,
    StreamSession,
    StreamSettings,
    Unparsed,
    remark_error,
)
from ._spec import ChannelInfo, StreamInfo, StreamSpec, raw_message
from ._sync import Stream

__all__ = [
    "Actions",
    "AsyncPubNubStream",
    "AsyncStream",
    "AsyncStreamCaller",
    "BookError",
    "ChannelInfo",
    "Disconnected",
    "Handshake",
    "InvalidMessageError",
    "Level",
    "MessageReader",
    "OrderBook",
    "PubNubSession",
    "PubNubStream",
    "Reconnected",
    "Skipped",
    "Stream",
    "StreamCaller",
    "StreamInfo",
    "StreamSession",
    "StreamSettings",
    "StreamSpec",
    "Unknown",
    "Unparsed",
    "call_result",
    "decode",
    "levels_of",
    "make_session",
    "parse_handshake",
    "raw_message",
    "remark_error",
]
