"""The Streaming API's runtime side (needs nothing beyond the HTTP runtime at import time).

Nothing here may import `websockets` at import time: `import mtgox` stays httpx-only, and the
generated `mtgox.stream` module imports this package.

    _caller.py     StreamCaller, AsyncStreamCaller: the generic signed call generated methods use
    _messages.py   decode (JSON object, floats as Decimal), Unknown, InvalidMessageError,
                   call_result (a call's answer as its catalogued type)
    _spec.py       ChannelInfo, StreamInfo: the catalogue's stream facts, written by the generator
"""

from ._caller import AsyncStreamCaller, StreamCaller
from ._messages import InvalidMessageError, Unknown, call_result, decode
from ._spec import ChannelInfo, StreamInfo

__all__ = [
    "AsyncStreamCaller",
    "ChannelInfo",
    "InvalidMessageError",
    "StreamCaller",
    "StreamInfo",
    "Unknown",
    "call_result",
    "decode",
]
