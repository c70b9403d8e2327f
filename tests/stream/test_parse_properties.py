"""Properties of `parse_message`: any JSON object parses without raising, and no number ever
becomes a float (money is read from its literal text)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtgox import types
from mtgox.stream import Trade, Unknown, parse_message
from mtgox_runtime import Money
from mtgox_runtime._parse import ShapeError

DATA = Path(__file__).resolve().parent.parent / "data" / "stream"
EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DATA.glob("*.json"))]
KEYS = sorted({k for ex in EXAMPLES for k in ex} | {"op", "private", "ticker", "depth", "trade", "user_order"})

# JSON numbers written as text, so floats reach the parser as literals (never through a Python float).
number_text = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: format(d, "f") if d.adjusted() < 30 else str(d)),
    st.from_regex(r"-?(0|[1-9][0-9]{0,25})\.[0-9]{1,25}([eE][-+]?[0-9]{1,3})?", fullmatch=True),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=12), number_text.map(lambda t: json.loads(t, parse_float=Decimal))
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=20,
)


def dumps(value: Any) -> str:
    """JSON text with each Decimal written as its own digits (json.dumps would need a float)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dumps(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)


def no_floats(value: Any) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(no_floats(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(no_floats(v) for v in value)
    if hasattr(value, "to_dict"):
        return no_floats(value.to_dict())
    return True


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=8))
def test_any_json_object_parses_without_raising_and_without_floats(obj: dict[str, Any]) -> None:
    msg = parse_message(dumps(obj))
    assert no_floats(msg)
    if isinstance(msg, Unknown):
        assert msg.raw == json.loads(dumps(obj), parse_float=Decimal)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(EXAMPLES), st.data())
def test_examples_with_any_field_replaced_never_raise(example: dict[str, Any], data: st.DataObject) -> None:
    msg = dict(example)
    payload_key = msg.get("private") if msg.get("op") == "private" else None
    if isinstance(payload_key, str) and isinstance(msg.get(payload_key), dict):
        payload = dict(msg[payload_key])
        if payload:
            key = data.draw(st.sampled_from(sorted(payload)))
            payload[key] = data.draw(json_values)
        msg[payload_key] = payload
    else:
        key = data.draw(st.sampled_from(sorted(msg)))
        msg[key] = data.draw(json_values)
    parsed = parse_message(dumps(msg))
    assert no_floats(parsed)


@settings(max_examples=150)
@given(
    st.from_regex(r"(0|[1-9][0-9]{0,8})\.[0-9]{1,20}", fullmatch=True),
    st.from_regex(r"(0|[1-9][0-9]{0,6})\.[0-9]{1,20}", fullmatch=True),
)
def test_trade_floats_are_decimals_of_their_literal_text(amount: str, price: str) -> None:
    text = (
        '{"op":"private","private":"trade","channel":"dbf1dee9-4f2e-4a08-8cb7-748919a71b21","trade":'
        f'{{"type":"trade","date":1385000000,"amount":{amount},"price":{price},"tid":"1385000000123456",'
        '"amount_int":"50000000","price_int":"9250000","item":"BTC","price_currency":"USD"}}'
    )
    msg = parse_message(text)
    assert isinstance(msg, Trade)
    assert str(msg.trade.amount) == amount and str(msg.trade.price) == price
    assert msg.trade.amount_int == 50000000


MONEY_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "value": st.one_of(st.sampled_from(["92.50000", "1e3", "NaN", "x", "-0", " 1 "]), json_values),
        "value_int": st.one_of(st.sampled_from(["9250000", "1_000", " 7 ", "1.5", "-3"]), json_values),
        "currency": st.one_of(st.just("USD"), json_values),
        "display": st.one_of(st.just("$92.50"), st.none(), json_values),
        "display_short": st.one_of(st.just("$92.5"), st.none(), json_values),
        "other": json_values,
    },
)


def outcome(read: Any, raw: Any) -> Any:
    try:
        return ("ok", read(raw))
    except ShapeError:
        return ("shape error", None)


@settings(max_examples=300)
@given(MONEY_LIKE)
def test_money_fast_path_reads_exactly_what_the_checked_path_reads(raw: dict[str, Any]) -> None:
    assert outcome(Money.from_wire, raw) == outcome(Money._from_wire_checked, raw)


@settings(max_examples=300)
@given(st.sampled_from([ex for ex in EXAMPLES if ex.get("private") in ("depth", "trade", "lag")]), st.data())
def test_generated_fast_paths_read_exactly_what_the_checked_paths_read(
    example: dict[str, Any], data: st.DataObject
) -> None:
    kind = example["private"]
    model: type[types.StreamDepth | types.Trade | types.StreamLag] = {
        "depth": types.StreamDepth,
        "trade": types.Trade,
        "lag": types.StreamLag,
    }[kind]
    payload = dict(example[kind])
    key = data.draw(st.sampled_from(sorted(payload)))
    payload[key] = data.draw(st.one_of(st.sampled_from(["12", " 12 ", "1_2", "x", "1.5", "-7", ""]), json_values))
    assert outcome(model.from_wire, payload) == outcome(model._from_wire_checked, payload)
