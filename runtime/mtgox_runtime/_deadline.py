"""The sync driver's overall deadline under httpcore's network backend.

`DeadlineBackend` wraps the sync network backend of the SDK's own client (or an injected
client's default transport), so every socket operation of an attempt is clamped to the time the
attempt has left (`attempt_deadline` in `_body.py`): a server trickling headers one byte at a
time cannot stretch a call past its timeout. A module of its own because httpcore is imported
only here, when a client is built (httpx itself imports it lazily): `import mtgox` stays light.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from ._body import clamp


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with every stream clamped to the running attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, clamp(timeout, httpcore.ConnectTimeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline(client: httpx.Client) -> bool:
    """Put `DeadlineBackend` under a client's default transport; False when httpx's layout is not
    the known one (a custom transport: the driver's check between body chunks still applies).

    Harmless for an injected client's other uses: the clamp only acts while an SDK call has set
    this thread's deadline.
    """
    transport = getattr(client, "_transport", None)
    pool = getattr(transport, "_pool", None)
    if not isinstance(transport, httpx.HTTPTransport) or not isinstance(pool, httpcore.ConnectionPool):
        return False
    inner = getattr(pool, "_network_backend", None)
    if isinstance(inner, DeadlineBackend):
        return True
    if not isinstance(inner, httpcore.NetworkBackend):
        return False
    pool._network_backend = DeadlineBackend(inner)
    return True
