"""The one-pass read (msgspec, `_wire`/`_read`) against the checked read (`from_wire` over JSON).

What the one pass accepts, the checked path accepts too, with the same values of the same
types; what it refuses goes to the checked path. So a call returns what it returned before, or
raises what it raised, only sooner. These tests hold the two paths to that, for every
catalogued model with any field replaced, for stream messages, and for whole answers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import payloads as pl
from bench import stream_parse
from mtgox import stream, types, v0, v1, v2
from mtgox_catalogue import model as m
from mtgox_runtime import InvalidResponseError, Model, Money, ResponseEncodingError, _wire
from mtgox_runtime._read import MISS, Reader
from mtgox_runtime.stream import decode as decode_message
from tests.reliability.corpus import payload_for
from tests.reliability.support import CATALOGUE

MODELS = sorted(CATALOGUE.models)
STREAM_DATA = Path(__file__).resolve().parents[1] / "data" / "stream"
STREAM_EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(STREAM_DATA.glob("*.json"))]


def dumps(value: Any) -> str:
    """JSON text with each Decimal written as its own digits (json.dumps would need a float)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dumps(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)


def typed(value: Any) -> Any:
    """A value with the type of every part in it: Decimal("7") and 7 differ, as do a model's
    datetime and the wire's integer behind it."""
    if isinstance(value, Model):
        fields = {name: typed(getattr(value, name)) for name in type(value).FIELDS}
        return (type(value).__name__, fields, typed(dict(value.extra)))
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, Decimal) and not value:  # "-0": see test_a_negative_zero_string_reads_as_zero
        return ("Decimal", "zero", value.as_tuple().exponent)
    return (type(value).__name__, repr(value))


def checked(read: Any, text: str) -> Any:
    try:
        return typed(read(json.loads(text, parse_float=Decimal)))
    except Exception as exc:
        return ("refused", type(exc).__name__)


def one_pass(kind: Any, text: str) -> Any:
    try:
        return typed(_wire.decoder(kind).decode(text))
    except _wire.FAILURES:
        return MISS


# Values that msgspec's lax mode reads and the catalogue's types may not: fractions and
# exponents for integers, NaN and exponent bombs for decimals, "null" for optional fields,
# numbers for strings, PHP's [] for maps, 12 digits of a timestamp in a string.
TRICKY = st.sampled_from(
    [
        "12.0", "1e3", "9007199254740993.0", "1.0000000000000001", "7", " 7 ", "1_000", "+7", "٧",
        "NaN", "nan", "-Infinity", "inf", "sNaN", "1e999999999", "1e-999999999", "0E-50", "1e41", "1e-41",
        "null", "NULL", "true", "Y", "", "x", "2013-07-29 21:40:17", "2013-07-29T21:40:17+00:00",
        "1365499103363494", "1365499103.5", "1365499103.0",
    ]
)  # fmt: skip
NUMBERS = st.sampled_from(
    ["12.0", "1e3", "7", "-7", "0", "1.5", "1e999999999", "1e-999999999", "0E-50", "1E+41", "123456789012345678901234567890",
     "1365499103363494", "253402300800", "-62135596801", "1365499103.0", "9007199254740993.0"]
).map(lambda t: json.loads(t, parse_float=Decimal))  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.text(max_size=6) | TRICKY | NUMBERS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def mutate(payload: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """The payload with one field replaced, removed, nested-replaced, or an unknown one added."""
    out = dict(payload)
    key = data.draw(st.sampled_from(sorted(out)))
    action = data.draw(st.sampled_from(["replace", "replace", "remove", "add", "nested"]))
    if action == "replace":
        out[key] = data.draw(json_values)
    elif action == "remove":
        del out[key]
    elif action == "add":
        out[data.draw(st.sampled_from(["extra", "zz_new", "op"]))] = data.draw(json_values)
    elif isinstance(out[key], dict) and out[key]:
        out[key] = mutate(out[key], data)
    elif isinstance(out[key], list) and out[key] and isinstance(out[key][0], dict):
        out[key] = [mutate(out[key][0], data), *out[key][1:]]
    return out


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MODELS), st.data())
def test_what_one_pass_accepts_the_checked_path_reads_the_same(name: str, data: st.DataObject) -> None:
    cls = getattr(types, name)
    text = dumps(mutate(payload_for(m.TypeRef("model", name)), data))
    fast = one_pass(cls, text)
    if fast is not MISS:
        assert fast == checked(cls.from_wire, text), text


@pytest.mark.parametrize("name", MODELS)
def test_every_model_reads_a_valid_answer_in_one_pass(name: str) -> None:
    cls = getattr(types, name)
    text = dumps(payload_for(m.TypeRef("model", name)))
    fast = one_pass(cls, text)
    assert fast is not MISS, f"{name}: a valid answer took the checked path"
    assert fast == checked(cls.from_wire, text)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(STREAM_EXAMPLES), st.data())
def test_stream_messages_read_in_one_pass_as_the_checked_parser_reads_them(
    example: dict[str, Any], data: st.DataObject
) -> None:
    text = dumps(mutate(example, data) if data.draw(st.booleans()) else example)
    assert typed(stream.parse_message(text)) == typed(stream.parse_object(json.loads(text, parse_float=Decimal)))


def test_the_common_stream_messages_take_the_one_pass() -> None:
    # Trade messages carry "type": "trade", which the catalogue does not name: the checked path keeps it.
    texts = [t for t in stream_parse.messages(300) if '"private":"trade"' not in t]
    channel = _wire.decoder(stream.Ticker | stream.Depth | stream.Trade)
    read = [channel.decode(t) for t in texts]  # raises if any would take the checked path
    assert {type(r) for r in read} == {stream.Ticker, stream.Depth}
    assert all(r == stream.parse_object(json.loads(t, parse_float=Decimal)) for r, t in zip(read, texts, strict=True))


# -- whole answers through the transport --------------------------------------------------------

BODIES: dict[str, tuple[Reader[Any], bytes]] = {
    "depth": (v2._DEPTH, pl.depth_body(400)),
    "ticker": (v2._TICKER, pl.TICKER_BODY),
    "info": (v2._INFO, pl.INFO_BODY),
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_benchmark_answers_read_in_one_pass_as_before(name: str) -> None:
    reader, body = BODIES[name]
    fast = reader.read(body, "data")
    assert fast is not MISS
    assert typed(fast) == typed(reader(json.loads(body, parse_float=Decimal)["data"]))


def test_each_version_has_a_reader_per_answer_type() -> None:
    for module in (v0, v1, v2):
        readers = [value for value in vars(module).values() if isinstance(value, Reader)]
        assert readers and all(callable(r.from_wire) for r in readers)


def _client(body: bytes, status: int = 200) -> Any:
    import mtgox

    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(status, content=body)))
    return mtgox.Client(base_url="http://127.0.0.1:9/api", rate_limit=None, http_client=http, max_retries=0)


def test_an_unknown_field_is_kept_through_the_checked_path() -> None:
    body = pl.success({**pl.TICKER, "brand_new": {"x": "1.5"}}).replace(b'"1.5"', b"1.5")
    with _client(body) as client:
        ticker = client.v2.ticker(pair="BTCUSD")
    assert ticker.extra == {"brand_new": {"x": Decimal("1.5")}}


@pytest.mark.parametrize("value", [b"1e999999999", b'"NaN"', b'"1e-999999999"'])
def test_bad_decimals_are_refused_as_before(value: bytes) -> None:
    body = pl.TICKER_BODY.replace(b'"value":"5.70653"', b'"value":' + value, 1)
    assert body != pl.TICKER_BODY
    with _client(body) as client, pytest.raises(InvalidResponseError, match=r"data\.high\.value: expected a decimal"):
        client.v2.ticker(pair="BTCUSD")


def test_an_integer_with_a_fraction_is_read_by_the_checked_path() -> None:
    # A JSON 12.0 is the integer 12 (as before); a string "12.0" is not an integer (as before).
    as_number = pl.TICKER_BODY.replace(b'"value_int":"570653"', b'"value_int":570653.0', 1)
    with _client(as_number) as client:
        assert client.v2.ticker(pair="BTCUSD").high.value_int == 570653
    as_string = pl.TICKER_BODY.replace(b'"value_int":"570653"', b'"value_int":"570653.0"', 1)
    with _client(as_string) as client, pytest.raises(InvalidResponseError, match="value_int: expected an integer"):
        client.v2.ticker(pair="BTCUSD")


def test_a_body_that_is_not_utf8_is_still_an_encoding_error() -> None:
    with _client(pl.TICKER_BODY.replace(b"BTC", b"\xff\xfe", 1)) as client, pytest.raises(ResponseEncodingError):
        client.v2.ticker(pair="BTCUSD")


# -- what a model holds ---------------------------------------------------------------------------


def test_timestamps_are_read_as_datetimes_and_compare_with_constructed_models() -> None:
    entry = _wire.decoder(types.DepthEntry).decode(
        b'{"price":183.5,"amount":"1.5","price_int":"18350000","amount_int":"150000000","stamp":"1365444563657991"}'
    )
    assert msgspec.structs.asdict(entry)["stamp"] == 1365444563657991  # kept as sent until read
    when = datetime(2013, 4, 8, 18, 9, 23, 657991, tzinfo=UTC)
    assert entry.stamp == when
    built = types.DepthEntry(
        price=Decimal("183.5"), amount=Decimal("1.5"), price_int=18350000, amount_int=150000000, stamp=when
    )
    assert entry == built and repr(entry) == repr(built)
    assert entry.to_dict(json_safe=True)["stamp"] == "2013-04-08T18:09:23.657991+00:00"


def test_a_model_without_extras_shares_a_read_only_empty_dict() -> None:
    money = Money(value=Decimal("1"), value_int=1, currency="USD")
    assert money.extra == {} and not money.extra
    with pytest.raises(TypeError, match=r"assign a dict to \.extra"):
        money.extra["x"] = 1
    money.extra = {"x": 1}
    assert money.extra == {"x": 1} and Money(value=Decimal("1"), value_int=1, currency="USD").extra == {}


def test_public_hints_are_the_types_users_see() -> None:
    hints = _wire.public_hints(types.DepthEntry)
    assert (hints["price_int"], hints["stamp"]) == (int, datetime)
    assert _wire.public_hints(types.Depth)["filter_min_price"] == Money | None
    assert _wire.public_hints(Money)["value_int"] is int


def test_a_negative_zero_string_reads_as_zero_in_one_pass() -> None:
    """The one difference of value form: msgspec reads the string "-0" as the integer 0, so the
    decimal is Decimal('0') where the checked path gives Decimal('-0'): the same number."""
    text = '{"value":"-0","value_int":"0","currency":"USD"}'
    fast, slow = _wire.decoder(Money).decode(text), Money.from_wire(json.loads(text))
    assert fast == slow and str(fast.value) == "0" and str(slow.value) == "-0"


# -- untyped JSON (the checked path's decoding) ---------------------------------------------------

JSON_TEXT = st.one_of(
    json_values.map(dumps),
    st.text(alphabet=st.sampled_from('{}[],:"0123456789.eE+-\\ untrfalsnuNI\ud800\u00e9\x00'), max_size=20),
)


def _json_outcome(read: Any, content: Any) -> Any:
    try:
        return ("ok", typed(read(content)))
    except (ValueError, RecursionError, InvalidResponseError) as exc:
        return ("refused", type(exc).__name__)


def _json_reference(content: Any) -> Any:
    def _refuse(name: str) -> Any:
        raise ValueError(name)

    return json.loads(content, parse_float=Decimal, parse_constant=_refuse)


@settings(max_examples=1000)
@given(JSON_TEXT, st.sampled_from(["str", "utf-8", "utf-16", "bom"]))
def test_untyped_json_reads_as_json_loads_reads_it(text: str, form: str) -> None:
    from mtgox_runtime._envelope import loads

    content: str | bytes = text
    try:
        if form == "utf-8":
            content = text.encode("utf-8")
        elif form == "utf-16":
            content = text.encode("utf-16-le")
        elif form == "bom":
            content = b"\xef\xbb\xbf" + text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8
        content = text.encode("utf-8", "surrogatepass")
    assert _json_outcome(loads, content) == _json_outcome(_json_reference, content)


@pytest.mark.parametrize("depth", [900, 990, 1000, 1010, 3000])
def test_deep_nesting_reads_as_json_loads_reads_it(depth: int) -> None:
    from mtgox_runtime._envelope import loads

    text = "[" * depth + "]" * depth
    assert _json_outcome(loads, text) == _json_outcome(_json_reference, text)
    wrapped = '{"op":"x","a":' + text + "}"
    assert _json_outcome(decode_message, wrapped)[0] == _json_outcome(_json_reference, wrapped)[0]


def test_huge_integers_are_refused_as_json_refuses_them() -> None:
    from mtgox_runtime._envelope import loads

    text = "1" * 5000
    assert _json_outcome(loads, text) == _json_outcome(_json_reference, text) == ("refused", "ValueError")
