"""The generated typed signed calls: arguments checked and encoded as HTTP methods do, the pair
sent as item + currency, the answer typed; over a fake connection with the runtime's protocol."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from mtgox import InvalidRequestError, InvalidResponseError, types
from mtgox.stream import AsyncStreamCalls, StreamCalls
from mtgox_catalogue import default_catalogue_path, load_catalogue
from mtgox_runtime.stream import AsyncStreamCaller, StreamCaller


@dataclass
class FakeCaller:
    """Records each call and answers with the next canned result."""

    answers: list[Any]
    calls: list[tuple[str, dict[str, object], str | None, str | None, float | None]] = field(default_factory=list)

    def call(
        self, name: str, params: dict[str, object], *, item: str | None, currency: str | None, timeout: float | None
    ) -> Any:
        self.calls.append((name, params, item, currency, timeout))
        return self.answers.pop(0)


@dataclass
class AsyncFakeCaller:
    inner: FakeCaller

    async def call(
        self, name: str, params: dict[str, object], *, item: str | None, currency: str | None, timeout: float | None
    ) -> Any:
        return self.inner.call(name, params, item=item, currency=currency, timeout=timeout)


def test_fakes_satisfy_the_runtime_protocols() -> None:
    sync: StreamCaller = FakeCaller([])
    async_: AsyncStreamCaller = AsyncFakeCaller(FakeCaller([]))
    assert StreamCalls(sync) is not None and AsyncStreamCalls(async_) is not None


def test_order_add_sends_exact_integer_units_and_the_pair_as_item_and_currency() -> None:
    fake = FakeCaller(["b1a5c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"])
    oid = StreamCalls(fake).order_add(pair="BTCJPY", type="bid", amount=Decimal("0.5"), price=Decimal("12345.678"))
    assert oid == "b1a5c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
    # JPY has 3 decimals: 12345.678 JPY = 12345678 units; 0.5 BTC = 50000000 satoshi
    assert fake.calls == [
        ("order/add", {"type": "bid", "amount_int": "50000000", "price_int": "12345678"}, "BTC", "JPY", None)
    ]


def test_market_order_leaves_price_out_and_timeout_is_passed() -> None:
    fake = FakeCaller(["oid"])
    StreamCalls(fake).order_add(pair="BTCUSD", type="ask", amount=1, timeout=2.5)
    assert fake.calls == [("order/add", {"type": "ask", "amount_int": "100000000"}, "BTC", "USD", 2.5)]


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"pair": "BTCXYZ", "type": "bid", "amount": Decimal(1)}, "pair"),
        ({"pair": "BTCUSD", "type": "buy", "amount": Decimal(1)}, "type"),
        ({"pair": "BTCUSD", "type": "bid", "amount": 0.5}, "amount"),  # a float is refused
        ({"pair": "BTCUSD", "type": "bid", "amount": Decimal("0.001")}, "amount"),  # below the minimum
        ({"pair": "BTCUSD", "type": "bid", "amount": Decimal(1), "price": Decimal("1.000001")}, "price"),
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(kwargs: dict[str, Any], param: str) -> None:
    fake = FakeCaller(["never"])
    with pytest.raises(InvalidRequestError) as info:
        StreamCalls(fake).order_add(**kwargs)
    assert info.value.param == param
    assert fake.calls == []


def test_answers_are_typed_and_a_wrong_shape_is_an_invalid_response() -> None:
    lag = {"lag": 940123, "lag_secs": Decimal("0.940123"), "lag_text": "0.94 seconds", "length": "3"}
    fake = FakeCaller([lag, {"oid": "o", "qid": "q"}, {"lag": "soon"}])
    calls = StreamCalls(fake)
    got = calls.order_lag()
    assert isinstance(got, types.Lag) and (got.lag, got.lag_secs, got.length) == (940123, Decimal("0.940123"), 3)
    cancel = calls.order_cancel(oid="o")
    assert isinstance(cancel, types.OrderCancel) and cancel.qid == "q"
    with pytest.raises(InvalidResponseError, match=r"result\.lag"):
        calls.order_lag()
    assert [c[0] for c in fake.calls] == ["order/lag", "order/cancel", "order/lag"]
    assert fake.calls[1][1:4] == ({"oid": "o"}, None, None)


def test_wallet_history_optional_params_and_fulldepth_pair() -> None:
    depth = {
        "asks": [],
        "bids": [{"price": "1", "amount": "2", "price_int": "100000", "amount_int": "200000000", "stamp": "1"}],
    }
    fake = FakeCaller([{"records": "0", "result": [], "current_page": 1, "max_page": 1, "max_results": 50}, depth])
    calls = StreamCalls(fake)
    calls.wallet_history(currency="USD", page=2)
    book = calls.fulldepth(pair="BTCEUR")
    assert fake.calls[0][:4] == ("wallet/history", {"currency": "USD", "page": "2"}, None, None)
    assert fake.calls[1][:4] == ("public/fulldepth", {}, "BTC", "EUR")
    assert book.bids[0].amount_int == 200000000


async def test_async_calls_do_the_same() -> None:
    inner = FakeCaller(["oid-1", "idkey-text"])
    calls = AsyncStreamCalls(AsyncFakeCaller(inner))
    assert await calls.order_add(pair="BTCUSD", type="bid", amount=Decimal("0.01"), price=Decimal("92.5")) == "oid-1"
    assert await calls.idkey() == "idkey-text"
    assert inner.calls[0] == (
        "order/add",
        {"type": "bid", "amount_int": "1000000", "price_int": "9250000"},
        "BTC",
        "USD",
        None,
    )
    assert inner.calls[1][:4] == ("private/idkey", {}, None, None)


def test_every_catalogued_call_has_a_sync_and_an_async_method() -> None:
    stream = load_catalogue(default_catalogue_path()).stream
    assert stream is not None
    for call in stream.calls:
        sync, async_ = getattr(StreamCalls, call.python), getattr(AsyncStreamCalls, call.python)
        assert not inspect.iscoroutinefunction(sync) and inspect.iscoroutinefunction(async_)
        wanted = {p.python for p in call.params} | {"self", "timeout"}
        assert set(inspect.signature(sync).parameters) == wanted == set(inspect.signature(async_).parameters)


def test_the_generated_reference_lists_every_channel_message_and_call() -> None:
    stream = load_catalogue(default_catalogue_path()).stream
    assert stream is not None
    text = (default_catalogue_path().parent / "generated" / "STREAM.md").read_text(encoding="utf-8")
    for ch in stream.channels:
        assert f"| `{ch.name}` | `{ch.id}` |" in text
    for msg in stream.messages:
        for shape in msg.shapes:
            assert f"| `{shape.cls}` | `{shape.model}` |" in text
    for call in stream.calls:
        assert f"### `{call.python}`" in text and f"`{call.name}`" in text
