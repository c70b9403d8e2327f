"""uvicorn's HTTP/1.1 protocol, reading every `Connection` header when deciding on a websocket
upgrade (RFC 9110 5.3: repeated fields are one comma-separated list).

socketIO-client 0.5.7.2 upgrades with `Connection: Upgrade` followed by its HTTP session's
`Connection: keep-alive`; uvicorn's h11 protocol keeps only the last one and answers the
upgrade as a plain request. Mt. Gox's server accepted those clients, so the sandbox must.
"""

from __future__ import annotations

from uvicorn.protocols.http.h11_impl import H11Protocol


class UpgradingH11Protocol(H11Protocol):  # type: ignore[misc,unused-ignore]
    def _get_upgrade(self) -> bytes | None:
        connection: list[bytes] = []
        upgrade = None
        for name, value in self.headers:
            if name == b"connection":
                connection += [token.lower().strip() for token in value.split(b",")]
            elif name == b"upgrade":
                upgrade = value.lower()
        return upgrade if b"upgrade" in connection else None
