"""Each fault on the wire as Mt. Gox showed it, and as the SDK raises it (or reconnects), on the
calls and accounts it is scoped to and no others; clearing restores normal answers. Real
sockets, the real SDK, a fresh exchange per test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import httpx
import pytest

import mtgox
from mtgox import stream as ms
from mtgox_runtime.stream import Reconnected
from mtgox_sandbox.fixture import Sandbox

FUNDS = {"BTC": "10", "USD": "10000"}
ORDER_ADD = "*/money/order/add"


@pytest.fixture
def traders(sandbox: Sandbox) -> Iterator[tuple[mtgox.Client, mtgox.Client, str]]:
    """alice and bob, funded, on a seeded market; clients that do not retry (faults show as they came)."""
    sandbox.seed_market()
    alice_key, alice_secret = sandbox.add_account(fund=FUNDS, name="alice")
    bob_key, bob_secret = sandbox.add_account(fund=FUNDS, name="bob")

    def client(key: str, secret: str) -> mtgox.Client:
        return mtgox.Client(
            key, secret, base_url=sandbox.base_url, nonce_store="memory", rate_limit=None, max_retries=0
        )

    with client(alice_key, alice_secret) as alice, client(bob_key, bob_secret) as bob:
        yield alice, bob, alice_key


def bid(client: mtgox.Client, price: str = "90") -> str:
    return client.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"), price=Decimal(price))


def upto(stream: Iterator[object], predicate: Callable[[object], bool], limit: int = 2000) -> list[object]:
    seen: list[object] = []
    for message in stream:
        seen.append(message)
        if predicate(message):
            return seen
        assert len(seen) < limit, seen[-5:]
    raise AssertionError("the stream ended")


def test_http_502_is_a_bad_gateway_page_an_invalid_response_cured_by_a_retry(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, _ = traders
    sandbox.fault("http-502", "*/money/ticker", times=2)
    raw = httpx.get(f"{sandbox.base_url}/2/BTCUSD/money/ticker")
    assert raw.status_code == 502 and raw.headers["content-type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in raw.text
    with pytest.raises(mtgox.InvalidResponseError) as caught:
        alice.v2.ticker(pair="BTCUSD")
    assert (caught.value.status, caught.value.transient) == (502, True)
    assert "HTML page" in str(caught.value)
    assert alice.v2.ticker(pair="BTCUSD").last.value > 0  # used up: normal again
    assert bid(bob)  # other calls never saw it
    sandbox.fault("http-502", "*/money/ticker", times=1)
    with mtgox.Client(base_url=sandbox.base_url, rate_limit=None) as retrying:  # the SDK's default retries
        assert retrying.v2.ticker(pair="BTCUSD").last.value > 0


def test_http_503_is_the_versions_json_error_a_server_error_for_the_scoped_account_only(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, alice_key = traders
    fault = sandbox.fault("http-503", ORDER_ADD, account=alice_key)
    for _ in range(3):
        with pytest.raises(mtgox.ServerError) as caught:
            bid(alice)
        assert (caught.value.status, caught.value.token) == (503, "unknown_error")
    assert bid(bob)  # bob's orders go through
    assert alice.v2.info().login == "alice"  # alice's other calls too
    assert alice.v2.orders() == []  # and the refused ones never ran
    for path in ("1/BTCUSD/order/add", "0/buyBTC.php"):  # other paths: not covered (unsigned: refused as such)
        other = httpx.post(f"{sandbox.base_url}/{path}", headers={"Rest-Key": alice_key})
        assert (other.status_code, other.json()["error"]) == (403, "Identification required to access private API")
    sandbox.fault("http-503", "*/buyBTC.php")
    v0 = httpx.post(f"{sandbox.base_url}/0/buyBTC.php")
    assert (v0.status_code, v0.json()) == (
        503,
        {"error": "Service temporarily unavailable, please retry later", "token": "unknown_error"},
    )
    assert sandbox.clear_faults(fault["id"]) == 1  # type: ignore[arg-type]
    assert bid(alice)  # cleared: normal again


def test_a_timeout_holds_the_answer_past_the_clients_timeout_while_the_call_runs(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, alice_key = traders
    sandbox.fault("timeout", ORDER_ADD, account=alice_key, seconds=1.5, times=1)
    began = time.monotonic()
    with pytest.raises(mtgox.APITimeoutError):
        alice.v2.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"), price=Decimal("90"), timeout=0.3)
    assert time.monotonic() - began < 1.4
    # the order was placed all the same: the danger a timeout hides
    assert [o.price and o.price.value for o in alice.v2.orders()] == [Decimal("90")]
    assert bid(bob) and bid(alice)  # not bob's; and only once


def test_anti_ddos_is_a_429_page_with_retry_after_a_rate_limited_error(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, alice_key = traders
    sandbox.clock.stop()  # its 30 seconds pass on the exchange's clock
    sandbox.fault("anti-ddos", "*/money/*", account=alice_key, seconds=30)
    raw = httpx.post(f"{sandbox.base_url}/2/money/info", headers={"Rest-Key": alice_key})
    assert (raw.status_code, raw.headers["retry-after"]) == (429, "30")
    assert "anti-DDoS" in raw.text
    with pytest.raises(mtgox.RateLimitedError) as caught:
        alice.v2.info()
    assert (caught.value.status, caught.value.retry_after) == (429, 30.0)
    assert bob.v2.info().login == "bob"
    sandbox.clock.advance(30)
    assert alice.v2.info().login == "alice"  # over


def test_maintenance_refuses_every_call_and_stream_until_it_ends(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, _ = traders
    with alice.stream(backoff_base=0.05, backoff_cap=0.2) as stream:
        stream.subscribe_private(wait=20)
        fault = sandbox.fault("maintenance", seconds=3600)
        for call in (lambda: alice.v2.info(), lambda: bob.v2.ticker(pair="BTCUSD"), lambda: bid(bob)):
            with pytest.raises(mtgox.InvalidResponseError) as caught:
                call()
            assert caught.value.status == 503 and caught.value.transient
        raw = httpx.get(f"{sandbox.base_url}/1/BTCUSD/ticker")
        assert (raw.status_code, raw.headers["retry-after"]) == (503, "3600")
        assert "maintenance" in raw.text
        assert sandbox.faults()[0]["kind"] == "maintenance"  # the control surface stays up
        time.sleep(0.5)  # the stream was dropped and every reconnection is refused meanwhile
        assert not stream.connected
        sandbox.clear_faults(fault["id"])  # type: ignore[arg-type]
        back = upto(stream, lambda m: isinstance(m, Reconnected))[-1]
        assert isinstance(back, Reconnected) and back.attempts >= 2
        assert alice.v2.info().login == "alice"


def test_invalid_call_is_the_remark_on_stream_calls_which_did_not_run(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, alice_key = traders
    with alice.stream() as mine, bob.stream() as theirs:
        sandbox.fault("invalid-call", "order/add", account=alice_key, times=1)
        with pytest.raises(mtgox.APIError, match=r"^Invalid call") as caught:
            mine.calls.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"), price=Decimal("90"))
        assert caught.value.endpoint == "stream.order/add"
        assert alice.v2.orders() == []  # the call did not run
        assert theirs.calls.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"), price=Decimal("90"))
        assert bid(alice)  # HTTP is not covered
        oid = mine.calls.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.1"), price=Decimal("91"))
        assert oid in {o.oid for o in alice.v2.orders()}  # used up: sending it again works


def test_lag_answers_orders_at_once_and_runs_them_later_with_lag_messages(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, alice_key = traders
    sandbox.clock.stop()
    with alice.stream() as stream:
        stream.subscribe_private(wait=20)
        stream.subscribe(kind="lag")
        sandbox.fault("lag", "*/order/add", account=alice_key, seconds=5)
        oid = alice.v2.order_add(pair="BTCUSD", type="ask", amount=Decimal("0.1"), price=Decimal("99"))  # crosses
        assert [(o.oid, o.status) for o in alice.v2.orders()] == [(oid, "pending")]
        lag = alice.v2.order_lag()
        assert (lag.length, lag.lag) == (1, 0)
        sandbox.clock.advance(2)
        assert alice.v2.order_lag().lag_secs == Decimal(2)
        assert bid(bob, "95")  # bob's orders run at once
        sandbox.clock.advance(3)
        lags = [
            m.lag
            for m in upto(stream, lambda m: isinstance(m, ms.Lag) and m.lag.age >= 5_000_000)
            if isinstance(m, ms.Lag)
        ]
        assert lags[0].age < 1_000_000  # bob's order: taken at once
        assert lags[-1].age == 5_000_000  # alice's: five seconds in the queue
        upto(stream, lambda m: isinstance(m, ms.UserOrderRemoved) and m.user_order.oid == oid)
    assert alice.v2.orders() == [] and alice.v2.order_lag().length == 0
    assert alice.v2.info().wallets["BTC"].balance.value == Decimal("9.9")  # sold to bob's 95 or the ladder


def test_drop_stream_closes_the_scoped_accounts_stream_and_the_sdk_reconnects(
    sandbox: Sandbox, traders: tuple[mtgox.Client, mtgox.Client, str]
) -> None:
    alice, bob, alice_key = traders
    with alice.stream(backoff_base=0.05) as mine, bob.stream() as theirs:
        mine.subscribe_private(wait=20)
        theirs.subscribe_private(wait=20)
        sandbox.fault("drop-stream", account=alice_key, times=1)
        back = upto(mine, lambda m: isinstance(m, Reconnected))[-1]
        assert isinstance(back, Reconnected)
        mine.subscribe_private(wait=20)
        oid = bid(alice)
        upto(mine, lambda m: isinstance(m, ms.UserOrder) and m.user_order.oid == oid)  # live again
        assert (mine.session.connections, theirs.session.connections) == (2, 1)  # bob's was never dropped
        assert sandbox.faults() == []  # used up
        sandbox.fault("drop-stream", "/socket.io/*")  # every socket.io stream, none of these
        assert bid(bob) and theirs.connected and mine.connected
