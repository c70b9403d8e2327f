"""Opening a stream connection with the guards the HTTP side has, for both drivers.

- The Socket.IO handshake is read through the client's own driver (`fetch`): no redirects, a
  body of at most `HANDSHAKE_MAX_BYTES` once decoded, and the time `open_timeout` has left as
  its one deadline, so an endless or trickled body cannot hold `open()` or fill memory.
- The websocket is opened by `websockets` with `max_size` (the settings' `max_message_bytes`),
  permessage-deflate only when the settings ask for it, and no redirects followed: a server that
  sends the client elsewhere would receive its signed calls there.
- Failures become the SDK's typed errors (`open_error`), and a connection the client closed
  because of what the server sent (too large a message, a broken frame) says so
  (`refused_message`), so the session can warn before reconnecting.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from .._answer import exchange_failure
from .._body import BodyTooLarge
from .._errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidResponseError,
    MtGoxError,
    ResponseTooLargeError,
)
from . import _protocol as p
from ._messages import InvalidMessageError
from ._session import StreamSettings

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection as AsyncConnection
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import ClientConnection as SyncConnection

#: A handshake is `sid:heartbeat:close:transports`, tens of bytes; this is room for any real one.
HANDSHAKE_MAX_BYTES = 64 * 1024

#: Seconds the client waits for the server to answer its closing frame: a hostile server never
#: does, and `close()` (or reconnecting after a refused message) should not hang on it.
CLOSE_TIMEOUT_S = 2.0

#: Close codes the client sends when the server's data broke a rule (RFC 6455 section 7.4.1).
_PROTOCOL_ERROR, _INVALID_DATA, _TOO_BIG = 1002, 1007, 1009


def left(deadline: float) -> float:
    """Seconds until `deadline` (a monotonic time); TimeoutError once it has passed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("open_timeout ran out")
    return remaining


def handshake_request(client: httpx.Client | httpx.AsyncClient, url: str, budget: float) -> httpx.Request:
    return client.build_request("GET", url, timeout=httpx.Timeout(budget))


def read_handshake(response: httpx.Response) -> p.Handshake:
    """The handshake in a response `fetch` read whole; typed errors for anything else."""
    status = response.status_code
    if 300 <= status < 400:
        raise _redirected(response.headers.get("location", "?"), status)
    if status != 200:
        raise APIConnectionError(
            f"the socket.io handshake was refused (HTTP {status})", status=status, body=response.content
        )
    try:
        return p.parse_handshake(response.content.decode("utf-8", "replace"))
    except ValueError as exc:
        raise InvalidResponseError(f"the socket.io handshake is not one: {exc}", status=status) from None


def _redirected(where: str, status: int | None) -> InvalidResponseError:
    return InvalidResponseError(
        f"the stream server redirected to {where!r:.200}; the stream follows no redirect (signed calls would go "
        "there): check base_url or stream_url",
        status=status,
    )


def _connect_options(settings: StreamSettings, timeout: float) -> dict[str, Any]:
    return {
        "open_timeout": timeout,
        "max_size": settings.max_message_bytes,
        "compression": settings.compression,
        "close_timeout": CLOSE_TIMEOUT_S,
    }


def _refuse_redirect(exc: Exception) -> Exception:
    """What `process_redirect` returns: the exception to raise (never a URI to follow)."""
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus) and 300 <= exc.response.status_code < 400:
        return _redirected(exc.response.headers.get("Location", "?"), exc.response.status_code)
    return exc


def sync_connect(url: str, settings: StreamSettings, timeout: float) -> SyncConnection:
    options = _connect_options(settings, timeout)
    try:  # websockets 17 follows redirects, in its `reconnect` class
        from websockets.sync.client import reconnect
    except ImportError:  # before 17, the sync client follows none (`open_error` names the 3xx)
        from websockets.sync.client import connect

        # Entered as a context manager (websockets warns otherwise); closed by ws.close().
        legacy: SyncConnection = connect(url, **options).__enter__()
        return legacy

    class Connect(reconnect):
        def process_redirect(self, exc: Exception) -> Exception | str:
            return _refuse_redirect(exc)

    return Connect(url, **options).__enter__()


async def async_connect(url: str, settings: StreamSettings, timeout: float) -> AsyncConnection:
    from websockets.asyncio.client import connect

    class Connect(connect):  # websockets 13 and later follow redirects here
        def process_redirect(self, exc: Exception) -> Exception | str:
            return _refuse_redirect(exc)

    return await Connect(url, **_connect_options(settings, timeout))


def open_error(exc: Exception, settings: StreamSettings) -> MtGoxError:
    """Why the stream could not be opened, as a typed error."""
    from websockets.exceptions import InvalidHandshake, InvalidStatus

    if isinstance(exc, MtGoxError):
        return exc
    refused = _refuse_redirect(exc)
    if refused is not exc:
        return open_error(refused, settings)
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        return APIConnectionError(f"could not open the stream: the server answered HTTP {status}", status=status)
    if isinstance(exc, InvalidHandshake):  # an extension not offered, a wrong accept key...
        return InvalidResponseError(f"could not open the stream: the server's websocket handshake is invalid ({exc})")
    if isinstance(exc, BodyTooLarge):
        return ResponseTooLargeError(
            f"could not open the stream: the socket.io handshake is larger than {HANDSHAKE_MAX_BYTES} bytes"
        )
    if isinstance(exc, httpx.HTTPError):
        cls, message, _ = exchange_failure(exc)
        return cls(f"could not open the stream: the socket.io handshake failed: {message}")
    if isinstance(exc, TimeoutError):
        return APITimeoutError(f"could not open the stream within open_timeout={settings.open_timeout:g} s")
    return APIConnectionError(f"could not open the stream: {type(exc).__name__}: {exc}")


def refused_message(exc: ConnectionClosed, settings: StreamSettings) -> MtGoxError | None:
    """The error of a message the client refused, when that is why the connection closed."""
    sent = exc.sent
    if sent is None or exc.rcvd_then_sent:  # the server closed first: no message was refused
        return None
    reason = sent.reason or "no reason given"
    if sent.code == _TOO_BIG:
        return ResponseTooLargeError(
            f"the server sent a stream message larger than max_message_bytes={settings.max_message_bytes} "
            f"({reason}); pass a larger max_message_bytes= to client.stream() if such messages are expected"
        )
    if sent.code == _INVALID_DATA:
        return InvalidMessageError(f"the server sent a text frame that is not UTF-8 ({reason})")
    if sent.code == _PROTOCOL_ERROR:
        compressed = " (a compressed frame, and compression was not asked for)" if "reserved bits" in reason else ""
        return InvalidResponseError(f"the server broke the websocket protocol: {reason}{compressed}")
    return None
