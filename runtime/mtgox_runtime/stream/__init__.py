"""The Streaming API's runtime side (needs nothing beyond the HTTP runtime at import time).

Nothing here may import `websockets` at import time: `import mtgox` stays httpx-only, and the
generated `mtgox.stream` module imports this package.

    _caller.py   StreamCaller, AsyncStreamCaller: the generic signed call generated methods use
"""

from ._caller import AsyncStreamCaller, StreamCaller

__all__ = ["AsyncStreamCaller", "StreamCaller"]
