"""The generated SDK against the sandbox: every endpoint parses, and a session trades for real."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from mtgox_catalogue.model import Endpoint, Param
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.ledger import new_secret
from mtgox_sandbox.fixture import Sandbox

mtgox = pytest.importorskip("mtgox")

CATALOGUE = load()


@pytest.fixture(scope="module")
def market(sandbox_session: Sandbox) -> Sandbox:
    sandbox_session.seed_market(("BTCUSD",))
    return sandbox_session


@pytest.fixture
def client(market: Sandbox) -> Iterator[Any]:
    key, secret = market.add_account(
        fund={"BTC": "50", "USD": "50000"}, rights=("get_info", "trade", "deposit", "withdraw", "merchant")
    )
    with mtgox.Client(key, secret, base_url=market.base_url, rate_limit=None, max_retries=0) as c:
        yield c


def sample(endpoint: Endpoint, p: Param) -> object:
    if p.type == "pair":
        return "BTCUSD"
    if p.type == "currency":
        return "USD"
    if p.type == "enum":
        return p.values[0]
    if p.type == "money":
        return Decimal(p.minimum) if p.minimum else Decimal("0.01")
    if p.type == "integer":
        return 1
    if p.type == "boolean":
        return False
    return "1AAXCcSjgsgoTnQLqUfPh7qRsUyvbYSbGW" if "addr" in p.wire else "x"


@pytest.mark.parametrize("endpoint", CATALOGUE.endpoints, ids=lambda e: e.key)
def test_every_endpoint_answers_what_the_sdk_parses(client: Any, endpoint: Endpoint) -> None:
    method = getattr(getattr(client, endpoint.version.key), endpoint.name)
    kwargs = {p.python: sample(endpoint, p) for p in endpoint.params if p.required or p.location == "path"}
    refusal: Any = None
    try:
        method(**kwargs)
    except mtgox.APIError as exc:
        refusal = exc
    # a refusal is fine (an unknown oid, an address that is not real): it parsed as an API error
    if refusal is not None:
        assert refusal.status in (200, 400), refusal
        assert not isinstance(refusal, mtgox.AuthenticationError | mtgox.PermissionDeniedError), refusal


def test_a_trading_session(market: Sandbox, client: Any) -> None:
    ticker = client.v2.ticker(pair="BTCUSD")
    assert ticker.buy.value < ticker.sell.value and ticker.vol.currency == "BTC"
    oid = client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("1"), price=Decimal("50"))
    assert oid in {o.oid for o in client.v1.orders()}
    assert oid in {o.oid for o in client.v0.get_orders().orders}
    info = client.v2.info()
    assert info.wallets["USD"].open_orders.value == Decimal("50.00000")
    client.v2.order_cancel(oid=oid)
    with pytest.raises(mtgox.OrderNotFoundError):
        client.v2.order_cancel(oid=oid)
    taker = client.v1.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.5"))  # market order
    result = client.v2.order_result(pair="BTCUSD", type="ask", oid=taker)
    assert result.total_amount.value == Decimal("0.50000000")
    history = client.v2.wallet_history(currency="USD")
    assert [e.type for e in history.result[:3]] == ["fee", "earned", "deposit"]
    with pytest.raises(mtgox.InsufficientFundsError):
        client.v2.bitcoin_send_simple(address="1AAXCcSjgsgoTnQLqUfPh7qRsUyvbYSbGW", amount=Decimal("1000"))


def test_tonce_and_typed_auth_errors(market: Sandbox) -> None:
    key, secret = market.add_account(fund={"BTC": "1"}, rights=("get_info",))
    with mtgox.Client(key, secret, base_url=market.base_url, rate_limit=None, use_tonce=True) as c:
        assert c.v2.info().rights == ["get_info"]
        with pytest.raises(mtgox.PermissionDeniedError):
            c.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.5"), price=Decimal("100"))
    with (
        mtgox.Client(key, new_secret(), base_url=market.base_url, rate_limit=None) as c,
        pytest.raises(mtgox.AuthenticationError),
    ):
        c.v1.info()


async def test_async_client(market: Sandbox) -> None:
    key, secret = market.add_account(fund={"USD": "100"})
    async with mtgox.AsyncClient(key, secret, base_url=market.base_url, rate_limit=None) as c:
        info = await c.v2.info()
        assert info.wallets["USD"].balance.value == Decimal("100.00000")
        depth = await c.v2.depth_fetch(pair="BTCUSD")
        assert depth.asks and depth.bids[-1].price < depth.asks[0].price
