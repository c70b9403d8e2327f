"""The channel table, as the catalogue's `stream` section gives it (never a second copy here).

Each account's private channel is its account UUID, the first 16 bytes of its idkey (the
reference infers that of both surviving idkeys; idkey.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from mtgox_catalogue.model import Pair, Stream, StreamChannel


class Channels:
    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.by_name = {c.name: c for c in stream.channels}
        self.by_id = {c.id: c for c in stream.channels}
        self._by_lower = {c.name.lower(): c for c in stream.channels}

    def find(self, name_or_id: str) -> StreamChannel | None:
        return self.by_id.get(name_or_id) or self.by_name.get(name_or_id) or self._by_lower.get(name_or_id.lower())

    def of_pair(self, kind: str, pair: Pair) -> StreamChannel | None:
        return self.by_name.get(f"{kind}.{pair.base}{pair.quote}")

    def trades(self, item: str) -> StreamChannel | None:
        return self.by_name.get(f"trade.{item}")

    def lag(self) -> StreamChannel | None:
        return next((c for c in self.stream.channels if c.kind == "lag"), None)

    def of_kind(self, kind: str, currencies: Iterable[str], item: str) -> list[StreamChannel]:
        """`mtgox.subscribe type=...`: ticker/depth of the connection's currencies; trades; lag."""
        if kind in ("trade", "trades"):
            found = self.trades(item)
            return [found] if found else []
        if kind == "lag":
            found = self.lag()
            return [found] if found else []
        if kind in ("ticker", "depth"):
            return [c for cur in currencies if (c := self.by_name.get(f"{kind}.{item}{cur}")) is not None]
        return []

    def defaults(self, currencies: Iterable[str], item: str) -> list[StreamChannel]:
        """What a connection gets without asking: trade.BTC, then ticker and depth of each currency."""
        chosen = list(self.of_kind("trades", (), item))
        for cur in currencies:
            chosen += self.of_kind("ticker", (cur,), item) + self.of_kind("depth", (cur,), item)
        return chosen
