"""Property tests: the response parsers and the money encoders.

- Any JSON value (decoded exactly as the transport decodes it) given to any model's `from_wire`
  gives a model or a `ShapeError`, nothing else; so do valid samples with random parts replaced.
- For every catalogued currency, `Decimal` <-> `*_int` round trips exactly, through the
  encoders and back through the parsers; anything not representable is refused with
  `InvalidRequestError` naming the parameter.
"""

from __future__ import annotations

import contextlib
import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mtgox
import mtgox.types as types
from mtgox_catalogue import model as m
from mtgox_runtime import _encode, _envelope
from mtgox_runtime import _parse as p
from mtgox_runtime._parse import ShapeError

from .corpus import payload_for
from .support import CATALOGUE, record

MODELS = sorted(CATALOGUE.models)
CURRENCIES = sorted(CATALOGUE.currencies.values(), key=lambda c: c.code)
WIRE_NAMES = sorted({f.wire for model in CATALOGUE.models.values() for f in model.fields} | {"value", "value_int"})

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=_HEALTH, database=None)
#: Per model, by default; `-m stress` runs STRESS_EXAMPLES per model.
MODEL_EXAMPLES = 12
STRESS_EXAMPLES = 400

_INTERESTING = [
    "",
    "0",
    "7",
    "-7",
    "1.5",
    "1e5",
    "NaN",
    "Infinity",
    "Y",
    "N",
    "true",
    "2013-07-29 21:40:17",
    "2013-13-45 99:99:99",
    "1365499103363494",
    "99999999999999999999999999",
    "\u00a0",
    "\x00",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(_INTERESTING)
)
keys = st.sampled_from(WIRE_NAMES) | st.text(max_size=6)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=8),
    max_leaves=20,
)


def decoded(value: Any) -> Any:
    """What the transport hands a parser: JSON decoded with exact decimals."""
    return _envelope.loads(json.dumps(value))


def parse_or_shape_error(model: str, value: Any) -> None:
    parser = getattr(types, model).from_wire
    try:
        result = parser(decoded(value))
    except ShapeError as exc:
        rendered = str(exc)  # renders, with its location
    else:
        assert isinstance(result, mtgox.Model)
        assert repr(result) and isinstance(result.to_dict(), dict)
        return
    assert rendered


def random_json_into(model: str, examples: int) -> None:
    @settings(SETTINGS, max_examples=examples)
    @given(value=json_values)
    def run(value: Any) -> None:
        parse_or_shape_error(model, value)
        record("parser property examples", 1)

    run()


@pytest.mark.parametrize("model", MODELS)
def test_random_json_into_every_model(model: str) -> None:
    random_json_into(model, MODEL_EXAMPLES)


@pytest.mark.stress
@pytest.mark.parametrize("model", MODELS)
def test_random_json_into_every_model_long(model: str) -> None:
    random_json_into(model, STRESS_EXAMPLES)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


def random_parts_into(model: str, examples: int) -> None:
    sample = payload_for(m.TypeRef("model", model))
    paths = _paths(sample)

    @settings(SETTINGS, max_examples=examples)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        value = sample
        for _ in range(data.draw(st.integers(1, 3))):
            path = data.draw(st.sampled_from(paths))
            try:
                value = _replace(value, path, data.draw(json_values))
            except (KeyError, IndexError, TypeError):
                continue  # an earlier replacement removed that path
        parse_or_shape_error(model, value)
        record("parser property examples", 1)

    run()


@pytest.mark.parametrize("model", MODELS)
def test_valid_samples_with_random_parts_into_every_model(model: str) -> None:
    random_parts_into(model, MODEL_EXAMPLES)


@pytest.mark.stress
@pytest.mark.parametrize("model", MODELS)
def test_valid_samples_with_random_parts_into_every_model_long(model: str) -> None:
    random_parts_into(model, STRESS_EXAMPLES)


@SETTINGS
@given(value=json_values)
def test_random_json_into_the_scalar_converters(value: Any) -> None:
    converters = [p.to_str, p.to_int, p.to_decimal, p.to_bool, p.to_timestamp, p.to_timestamp_us, p.to_datetime]
    for convert in (*converters, p.list_of(p.to_decimal), p.map_of(mtgox.Money.from_wire)):
        with contextlib.suppress(ShapeError):
            convert(decoded(value))
    record("parser property examples", 1)


# -- money ----------------------------------------------------------------------------------------------

#: Mt. Gox kept amounts as signed 64-bit integers of units; the encoders refuse more (since de83756).
INT64_MAX = 2**63 - 1
units = st.integers(0, INT64_MAX)


@pytest.mark.parametrize("currency", CURRENCIES, ids=[c.code for c in CURRENCIES])
@SETTINGS
@given(n=units, padding=st.integers(0, 4))
def test_money_round_trips_exactly(currency: m.Currency, n: int, padding: int) -> None:
    decimals, code = currency.decimals, currency.code
    value = Decimal(n).scaleb(-decimals)
    padded = value.quantize(Decimal(1).scaleb(-(decimals + padding)))  # same amount, trailing zeros
    assert padded == value
    for given_value in (value, padded):
        as_int = _encode.money_int(given_value, decimals, "amount", code)
        as_text = _encode.money_decimal(given_value, decimals, "amount", code)
        assert as_int == str(n)
        assert "E" not in as_text and "e" not in as_text
        assert Decimal(as_text) == value
        assert -Decimal(as_text).as_tuple().exponent <= decimals  # type: ignore[operator]
        # ... and back through the parsers, as the server would echo them
        money = mtgox.Money.from_wire(decoded({"value": as_text, "value_int": as_int, "currency": code}))
        assert money.value == value and money.value_int == n and money.currency == code
        assert Decimal(money.value_int).scaleb(-decimals) == money.value
        assert p.to_decimal(decoded(float(as_text))) == Decimal(repr(float(as_text)))  # JSON numbers stay exact
    if n % currency.divisor == 0:
        whole = n // currency.divisor
        assert _encode.money_int(whole, decimals, "amount", code) == str(n)
    record("money round trips", 2)


def refused(value: object, decimals: int, code: str) -> None:
    for encode in (_encode.money_int, _encode.money_decimal):
        with pytest.raises(mtgox.InvalidRequestError) as info:
            encode(value, decimals, "price", code)
        assert info.value.param == "price" and "price" in str(info.value)


@pytest.mark.parametrize("currency", CURRENCIES, ids=[c.code for c in CURRENCIES])
@SETTINGS
@given(n=st.integers(INT64_MAX + 1, 10**40))
def test_money_beyond_64_bits_of_units_is_refused(currency: m.Currency, n: int) -> None:
    for value in (Decimal(n).scaleb(-currency.decimals), n):
        for encode in (_encode.money_int, _encode.money_decimal):
            with pytest.raises(mtgox.InvalidRequestError, match="too large") as info:
                encode(value, currency.decimals, "amount", currency.code)
            assert info.value.param == "amount"
    record("money refusals", 4)


@pytest.mark.parametrize("currency", CURRENCIES, ids=[c.code for c in CURRENCIES])
@SETTINGS
@given(n=st.integers(1, INT64_MAX // 10**6), extra=st.integers(1, 6), digit=st.integers(1, 9))
def test_over_precise_and_negative_money_is_refused(currency: m.Currency, n: int, extra: int, digit: int) -> None:
    decimals, code = currency.decimals, currency.code
    over = (Decimal(n * 10**extra + digit)).scaleb(-(decimals + extra))  # one more significant place
    refused(over, decimals, code)
    refused(-Decimal(n).scaleb(-decimals), decimals, code)
    refused(-n, decimals, code)
    record("money refusals", 3)


@pytest.mark.parametrize("currency", CURRENCIES, ids=[c.code for c in CURRENCIES])
def test_unrepresentable_money_is_refused(currency: m.Currency) -> None:
    bad: list[object] = [
        Decimal("NaN"),
        Decimal("-NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        1.5,
        0.1,
        float("nan"),
        float("inf"),
        math.pi,
        True,
        False,
        "1.5",
        "",
        None,
        b"1",
        [Decimal(1)],
        {"value": "1"},
        complex(1, 0),
        Decimal("1e-1000"),
        Decimal("-0.0000000001"),
    ]
    for value in bad:
        refused(value, currency.decimals, currency.code)
    record("money refusals", len(bad))


@SETTINGS
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_is_ever_money(value: float) -> None:
    refused(value, 8, "BTC")
    with pytest.raises(mtgox.InvalidRequestError, match="Decimal"):
        _encode.money_int(value, 8, "amount", "BTC")


def test_minimums_are_enforced_exactly() -> None:
    assert _encode.money_int(Decimal("0.01"), 8, "amount", "BTC", minimum="0.01") == "1000000"
    for below in (Decimal("0.00999999"), Decimal(0), 0):
        with pytest.raises(mtgox.InvalidRequestError, match="minimum"):
            _encode.money_int(below, 8, "amount", "BTC", minimum="0.01")
