"""Closing a stream connection whose peer may never read.

asyncio's `Transport.close()` closes the socket only once everything written has been sent: a
peer that reads nothing keeps the socket, its write buffer (and a stream slot) for ever. Here a
close becomes an abort when what is left to write has not gone within CLOSE_GRACE_S.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .limits import CLOSE_GRACE_S


def abort_if_stuck(transport: asyncio.BaseTransport, grace: float = CLOSE_GRACE_S) -> asyncio.TimerHandle | None:
    """After `close()`: abort `transport` in `grace` seconds when it still has bytes to send."""
    if not isinstance(transport, asyncio.WriteTransport) or not transport.get_write_buffer_size():
        return None
    return asyncio.get_running_loop().call_later(grace, transport.abort)


class GracefulTransport(asyncio.Transport):
    """A transport whose `close()` aborts after CLOSE_GRACE_S when what is left was not sent (for a
    protocol whose code, not ours, closes it); everything else is the wrapped transport's."""

    def __init__(self, inner: asyncio.Transport) -> None:
        super().__init__()
        self.inner = inner
        self._abort: asyncio.TimerHandle | None = None

    def close(self) -> None:
        self.inner.close()
        if self._abort is None:
            self._abort = abort_if_stuck(self.inner)

    def forget(self) -> None:
        """The connection is lost: no abort is needed any more."""
        if self._abort is not None:
            self._abort.cancel()
            self._abort = None

    def abort(self) -> None:
        self.inner.abort()

    def is_closing(self) -> bool:
        return self.inner.is_closing()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.inner.write(data)

    def writelines(self, list_of_data: Any) -> None:
        self.inner.writelines(list_of_data)

    def write_eof(self) -> None:
        self.inner.write_eof()

    def can_write_eof(self) -> bool:
        return self.inner.can_write_eof()

    def get_write_buffer_size(self) -> int:
        return self.inner.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.inner.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.inner.set_write_buffer_limits(high, low)

    def pause_reading(self) -> None:
        self.inner.pause_reading()

    def resume_reading(self) -> None:
        self.inner.resume_reading()

    def is_reading(self) -> bool:
        return self.inner.is_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.inner.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.inner.get_protocol()
