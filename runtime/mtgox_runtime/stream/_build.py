"""From a client's HTTP transport to a stream session: the same key, nonces and error rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, Protocol

from .._call_flow import CallFlow
from .._errors import ConfigurationError, MtGoxError
from .._nonce import TONCES
from ._session import StreamSession, StreamSettings
from ._spec import StreamSpec


def require_websockets() -> None:
    try:
        import websockets  # noqa: F401
    except ImportError:
        raise ConfigurationError("streaming needs the websockets package: pip install 'mtgox-sdk[stream]'") from None


def make_session(
    http: CallFlow,
    spec: StreamSpec | None,
    *,
    allow_insecure_http: bool = False,
    **settings: Any,
) -> StreamSession:
    if spec is None:
        raise ConfigurationError("this client's package describes no stream (no `stream:` in its catalogue)")
    config = http.config
    options = StreamSettings(**settings)
    session_class = StreamSession
    if options.transport == "pubnub":
        from ._pubnub import PubNubSession

        session_class = PubNubSession
    return session_class(
        spec,
        options,
        base_url=config.base_url,
        # The base URL passed the client's check already; a stream_url of its own is checked here.
        allow_insecure_http=allow_insecure_http or options.stream_url is None,
        rules=http.error_rules,
        credentials=config.credentials,
        nonces=TONCES if config.use_tonce else config.nonce_store,
        use_tonce=config.use_tonce,
        currencies=config.catalogue.currencies,
        pairs=config.catalogue.pairs,
    )


class Handlers:
    """`stream.on(Trade, handler)`: handlers called for each message of that type (None: all)."""

    def __init__(self) -> None:
        self._items: list[tuple[type[Any] | None, Callable[[Any], Any]]] = []

    def add(self, kind: type[Any] | None, handler: Callable[[Any], Any]) -> None:
        self._items.append((kind, handler))

    def call(self, message: object) -> list[Any]:
        """Call the matching handlers; their return values (awaitables for an async stream)."""
        return [h(message) for kind, h in self._items if kind is None or isinstance(message, kind)]


class _Settable(Protocol):
    def done(self) -> bool: ...
    def set_result(self, result: Any, /) -> None: ...
    def set_exception(self, exception: BaseException, /) -> None: ...


def resolve(futures: MutableMapping[str, Any], completions: Iterable[tuple[str, Any, MtGoxError | None]]) -> None:
    """Answer the waiting calls (concurrent or asyncio futures) the session resolved."""
    for call_id, result, error in completions:
        future: _Settable | None = futures.pop(call_id, None)
        if future is None or future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


def identity(value: Any) -> Any:
    return value


#: The longest the reader waits for a frame before looking at its deadlines again (so a book
#: or call added from another thread is served promptly).
#: Iterating a stream before opening it would wait for ever: it says so instead.
NOT_OPEN = "the stream is not open: use `with client.stream() as stream:` (or `stream.open()`) before iterating it"
POLL_S = 1.0
