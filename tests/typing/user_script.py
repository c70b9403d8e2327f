"""A user's script, type-checked with mypy --strict in `make test`: the public surface is precisely typed."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from decimal import Decimal

import mtgox
from mtgox.types import Info, Money, Ticker


def sync_usage(client: mtgox.Client) -> Decimal:
    ticker: Ticker = client.v2.ticker(pair="BTCUSD")
    last: Money = ticker.last
    stamp: datetime | None = ticker.now
    oid: str = client.v2.order_add(pair="BTCJPY", type="bid", amount=Decimal("0.5"), price=Decimal("12345.678"))
    client.v2.order_cancel(oid=oid)
    info: Info = client.v1.info()
    raw = client.v2.with_raw_response.ticker(pair="BTCEUR")
    status: int = raw.status_code
    parsed: Ticker = raw.parsed
    funds = client.v0.get_funds()
    assert stamp is None or stamp.year > 2000
    assert status == 200 and parsed.last.currency == "EUR" and info.login
    return last.value + funds.usds


async def async_usage(client: mtgox.AsyncClient) -> str:
    ticker = await client.v2.ticker(pair="BTCUSD")
    oid: str = await client.v1.order_add(pair="BTCUSD", type="ask", amount=Decimal(1))
    return f"{ticker.last.value} {oid}"


def main() -> None:
    with mtgox.Client(base_url="http://127.0.0.1:1") as client:
        try:
            sync_usage(client)
        except mtgox.MtGoxError as exc:
            print(type(exc).__name__, exc.endpoint, exc.status)

    async def run() -> None:
        async with mtgox.AsyncClient(base_url="http://127.0.0.1:1") as client:
            with contextlib.suppress(mtgox.APIConnectionError):
                await async_usage(client)

    asyncio.run(run())


if __name__ == "__main__":
    main()
