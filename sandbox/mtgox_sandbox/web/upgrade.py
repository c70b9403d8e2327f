"""uvicorn's HTTP/1.1 protocol, deciding websocket upgrades as Mt. Gox's server did.

- Every `Connection` header counts (RFC 9110 5.3: repeated fields are one comma-separated
  list). socketIO-client 0.5.7.2 upgrades with `Connection: Upgrade` followed by its HTTP
  session's `Connection: keep-alive`; uvicorn's h11 protocol keeps only the last one and
  answers the upgrade as a plain request.
- An upgrade without `Sec-WebSocket-Key` is one of Hixie's drafts (75 or 76), which uvicorn
  refused with `400 missing Sec-WebSocket-Key`: it is served by hixie.py, the same app over
  the old framing. The official Mt. Gox PHP client upgrades so.
- With `--access-log`, every upgrade is logged, accepted or refused: uvicorn reports its own
  (RFC 6455) ones on `uvicorn.error` at INFO (serve.py lets those through), hixie.py its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

from .hixie import HixieProtocol, is_hixie
from .limits import KEY3_TIMEOUT_S, Limits
from .slots import StreamSlots


class UpgradingH11Protocol(H11Protocol):  # type: ignore[misc,unused-ignore]
    #: The server's limits (a Hixie stream's idle timeout among them) and its stream
    #: connections (slots.py); guarded.py binds both.
    limits: ClassVar[Limits]
    slots: ClassVar[StreamSlots]

    def _get_upgrade(self) -> bytes | None:
        connection: list[bytes] = []
        upgrade = None
        for name, value in self.headers:
            if name == b"connection":
                connection += [token.lower().strip() for token in value.split(b",")]
            elif name == b"upgrade":
                upgrade = value.lower()
        return upgrade if b"upgrade" in connection else None

    def handle_websocket_upgrade(self, event: Any) -> None:
        if not is_hixie(self.headers):
            super().handle_websocket_upgrade(event)
            return
        self.connections.discard(self)
        trailing, _ = self.conn.trailing_data
        protocol = HixieProtocol(
            self.app,
            dict(self.scope),
            trailing=bytes(trailing),
            max_frame=self.config.ws_max_size,
            key_timeout=KEY3_TIMEOUT_S,
            access_log=bool(self.config.access_log),
            connections=self.connections,
            tasks=self.tasks,
            slots=self.slots,
            idle_timeout=self.limits.stream_idle_timeout,
        )
        self.transport.set_protocol(protocol)
        protocol.connection_made(self.transport)
