"""Every optional parameter of every HTTP method and stream call, at its edge values, on the wire.

The catalogue says WHICH parameters are optional and of what type; what each edge value must
become is written by hand in edge_values.py from the reference (`0`, `False`, an empty string,
the smallest unit, one unit too fine). A falsy value must be sent, never taken for "left out":
a dropped `price=0` is a market order, a dropped `since=0` is the last day instead of all of
history. HTTP requests are read from the mock transport (whole edge requests are checked
byte for byte with the other golden ones, in test_golden_requests.py); stream calls are signed
by the real session and read back out of the packed blob, the HMAC checked with the reference's
recipe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

import mtgox
from mtgox.stream import AsyncStreamCalls, StreamCalls
from mtgox_catalogue import default_catalogue_path, load_catalogue
from mtgox_catalogue import model as m
from mtgox_runtime import InvalidRequestError, MemoryNonceStore
from mtgox_runtime._auth import Credentials
from mtgox_runtime.stream import StreamSession, StreamSettings

from . import edge_values as ev
from .signing import KEY, NONCE, SECRET, rest_sign
from .test_golden_requests import client, method_of

BASE = "https://data.mtgox.com/api"
CATALOGUE = load_catalogue(default_catalogue_path())
assert CATALOGUE.stream is not None
STREAM_CALLS = CATALOGUE.stream.calls


def cases(p: m.Param, currency: str | None) -> list[ev.Case]:
    """The hand-written edge cases of `p`'s type (`currency`: the unit of a money parameter)."""
    if p.type == "boolean":
        return ev.boolean_cases()
    if p.type == "integer":
        low, high = (None if b is None else int(b) for b in (p.minimum, p.maximum))
        return ev.integer_cases(low, high)
    if p.type == "string":
        return ev.string_cases()
    if p.type == "enum":
        return ev.choice_cases(p.values[0])
    if p.type == "currency":
        return ev.choice_cases("JPY")
    if p.type == "money":
        assert currency is not None
        decimals = ev.DECIMALS[currency]
        chosen = ev.money_int_cases(decimals) if p.encoding == "int" else ev.money_decimal_cases(decimals)
        if p.maximum is not None:  # within the maximum, every rule above holds; past it, refused
            chosen.append((D(p.maximum) + D(ev.ONE_UNIT_TEXT[decimals]), ev.REFUSED))
        return chosen
    raise AssertionError(f"no hand-written edge rule for parameter type {p.type!r}")


def required_kwargs(params: tuple[m.Param, ...], pair: str) -> dict[str, object]:
    """Plain valid values for the required parameters: not what is under test."""
    plain: dict[str, object] = {"pair": pair, "currency": "USD", "money": D("1"), "boolean": True, "string": "abc"}
    out: dict[str, object] = {}
    for q in params:
        if not q.required:
            continue
        if q.type == "enum":
            out[q.python] = q.values[0]
        elif q.type == "integer":
            out[q.python] = max(1, int(q.minimum or 1))
        else:
            out[q.python] = plain[q.type]
    return out


def contexts(params: tuple[m.Param, ...], p: m.Param) -> Iterator[tuple[dict[str, object], str | None]]:
    """(required arguments and the currency argument if any, the unit of `p` when it is money)."""
    has_pair = any(q.type == "pair" for q in params)
    unit = p.unit
    if p.type == "money" and unit is not None and unit.kind == "quote":
        for pair in ("BTCUSD", "BTCJPY", "BTCSEK"):
            yield required_kwargs(params, pair), ev.PAIRS[pair]
    elif p.type == "money" and unit is not None and unit.kind == "param":
        currency_param = next(q for q in params if q.wire == unit.param)
        yield required_kwargs(params, "BTCUSD"), ev.V0_DEFAULT_CURRENCY
        for currency in ("JPY", "SEK"):
            yield {**required_kwargs(params, "BTCUSD"), currency_param.python: currency}, currency
    elif p.type == "money" and unit is not None:
        assert unit.currency is not None
        yield required_kwargs(params, "BTCUSD"), unit.currency
    else:
        yield required_kwargs(params, "BTCEUR" if has_pair else "BTCUSD"), None


def optional(params: tuple[m.Param, ...]) -> list[m.Param]:
    return [p for p in params if not p.required]


HTTP_PARAMS = [(e, p) for e in CATALOGUE.endpoints for p in optional(e.params)]
STREAM_PARAMS = [(c, p) for c in STREAM_CALLS for p in optional(c.params)]


# -- HTTP ----------------------------------------------------------------------------------------


def async_client() -> mtgox.AsyncClient:
    """The async twin of the golden tests' client: fixed nonce, no rate limit, no retries."""
    nonces = MemoryNonceStore(clock=lambda: NONCE)
    return mtgox.AsyncClient(KEY, SECRET, base_url=BASE, nonce_store=nonces, rate_limit=None, max_retries=0)


@pytest.fixture
def wire() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        yield router.route().mock(return_value=httpx.Response(500, json={"result": "error", "error": "edge"}))


async def send(client: Any, kind: str, e: m.Endpoint, kwargs: dict[str, object]) -> None:
    """Call the method; the canned error answer is expected (the request is what is checked)."""
    method = method_of(client, f"{e.version.key}.{e.name}")
    try:
        if kind == "sync":
            method(**kwargs)
        else:
            await method(**kwargs)
    except InvalidRequestError:
        raise
    except mtgox.MtGoxError:
        pass


def wire_pairs(request: httpx.Request) -> list[tuple[str, str]]:
    """The parameters as sent (query of a GET, form body of a POST), the nonce left out."""
    text = request.url.query.decode("ascii") if request.method == "GET" else request.content.decode("ascii")
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    return [(k, v) for k, v in pairs if k not in ("nonce", "tonce")]


def signed_correctly(e: m.Endpoint, request: httpx.Request) -> bool:
    """Rest-Sign covers the body (v0/v1) or the path after /api/2/, a NUL and the body (v2)."""
    body = request.content
    message = request.url.path.removeprefix("/api/2/").encode() + b"\x00" + body if e.version.number == 2 else body
    return bool(request.headers.get("Rest-Sign") == rest_sign(message))


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(("e", "p"), HTTP_PARAMS, ids=[f"{e.key}.{p.python}" for e, p in HTTP_PARAMS])
async def test_every_optional_http_parameter_at_its_edges(
    e: m.Endpoint, p: m.Param, kind: str, wire: respx.Route
) -> None:
    problems: list[str] = []
    sent = 0
    async with async_client() if kind == "async" else SyncInAsync(client()) as api:
        for base, currency in contexts(e.params, p):
            await send(api, kind, e, base)
            baseline = wire_pairs(wire.calls.last.request)
            assert p.wire not in dict(baseline), f"{p.python} left out (None) must not be sent"
            for value, expected in cases(p, currency):
                label = f"{p.python}={value!r} ({currency or 'no unit'})"
                before = wire.call_count
                try:
                    await send(api, kind, e, {**base, p.python: value})
                except InvalidRequestError as exc:
                    if expected != ev.REFUSED:
                        problems.append(f"{label}: refused ({exc}), expected {p.wire}={expected}")
                    elif exc.param != p.python:
                        problems.append(f"{label}: the refusal names {exc.param!r}")
                    elif isinstance(value, D) and value > 0 and f" {currency} " not in str(exc):
                        problems.append(f"{label}: the refusal does not name the currency: {exc}")
                    if wire.call_count != before:
                        problems.append(f"{label}: refused after sending a request")
                    continue
                if expected == ev.REFUSED:
                    problems.append(f"{label}: sent, expected a refusal")
                    continue
                request = wire.calls.last.request
                got = wire_pairs(request)
                mine = [v for k, v in got if k == p.wire]
                if mine != [expected]:
                    problems.append(f"{label}: sent {p.wire}={mine}, expected [{expected!r}]")
                elif [pair for pair in got if pair[0] != p.wire] != baseline:
                    problems.append(f"{label}: the other parameters changed: {got} vs {baseline}")
                if e.signed and not signed_correctly(e, request):
                    problems.append(f"{label}: the signature does not cover the request sent")
                sent += 1
    assert problems == [], "\n".join(problems)
    assert sent >= 1, "no edge value of this parameter was sent at all"


class SyncInAsync:
    """A sync client in an `async with`, so one test body drives both."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def __aenter__(self) -> Any:
        return self.client.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.client.__exit__(None, None, None)


REQUIRED = [(e, p) for e in CATALOGUE.endpoints for p in e.params if p.required]
ENUMS = [(e, p, v) for e in CATALOGUE.endpoints for p in e.params if p.type == "enum" for v in p.values]


def money_unit_of(e: m.Endpoint, p: m.Param, kwargs: dict[str, object]) -> str:
    """The currency of a money parameter: its fixed one, the pair's quote, or the currency argument's."""
    unit = p.unit
    assert unit is not None
    if unit.kind == "fixed" and unit.currency:
        return unit.currency
    if unit.kind == "quote":
        return ev.PAIRS[str(kwargs[next(q.python for q in e.params if q.type == "pair")])]
    chosen = kwargs.get(next(q.python for q in e.params if q.wire == unit.param))
    return str(chosen or unit.default)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_every_required_parameter_refused_names_itself_and_its_currency(kind: str, wire: respx.Route) -> None:
    """A wrong value of each required parameter is refused before sending, naming the parameter
    (and, for money, the currency whose units it missed)."""
    problems: list[str] = []
    async with async_client() if kind == "async" else SyncInAsync(client()) as api:
        for e, p in REQUIRED:
            base = required_kwargs(e.params, "BTCJPY")
            bads: list[object] = [object()]
            if p.type == "money":
                unit = D(ev.ONE_UNIT_TEXT[ev.DECIMALS[money_unit_of(e, p, base)]])
                bads = [unit / 10]
                if p.minimum is not None:
                    bads.append(D(p.minimum) - unit)
            for bad in bads:
                before = wire.call_count
                try:
                    await send(api, kind, e, {**base, p.python: bad})
                except InvalidRequestError as exc:
                    if exc.param != p.python:
                        problems.append(f"{e.key}.{p.python}: the refusal names {exc.param!r}")
                    if p.type == "money" and f" {money_unit_of(e, p, base)}" not in str(exc):
                        problems.append(f"{e.key}.{p.python}: the refusal does not name the currency: {exc}")
                else:
                    problems.append(f"{e.key}.{p.python}={bad!r} was not refused")
                if wire.call_count != before:
                    problems.append(f"{e.key}.{p.python}: a request was sent")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_every_catalogued_enum_value_is_sent_as_itself(kind: str, wire: respx.Route) -> None:
    problems: list[str] = []
    async with async_client() if kind == "async" else SyncInAsync(client()) as api:
        for e, p, value in ENUMS:
            await send(api, kind, e, {**required_kwargs(e.params, "BTCUSD"), p.python: value})
            got = [v for k, v in wire_pairs(wire.calls.last.request) if k == p.wire]
            if got != [value]:
                problems.append(f"{e.key}.{p.python}={value!r}: sent {got}")
    assert problems == [], "\n".join(problems)


# -- stream ----------------------------------------------------------------------------------------


class Sent(Exception):
    """Raised by the recording caller once the call is on the wire: the answer is not under test."""


class SessionCaller:
    """Signs each call with the real stream session (fixed nonce) and keeps the JSON it packed."""

    def __init__(self) -> None:
        self.session = StreamSession(
            mtgox.Client._load_stream_spec(),
            StreamSettings(),
            base_url=BASE,
            credentials=Credentials(KEY, SECRET),
            nonces=MemoryNonceStore(clock=lambda: NONCE),
        )
        self.session.opened(0.0)
        self.sent: list[dict[str, Any]] = []
        self.raw: list[bytes] = []

    def call(
        self, name: str, params: dict[str, object], *, item: str | None, currency: str | None, timeout: float | None
    ) -> Any:
        call_id, act = self.session.begin_call(name, params, 0.0, item=item, currency=currency)
        (frame,) = act.frames
        op = json.loads(frame)
        assert op == {"op": "call", "id": call_id, "call": op["call"], "context": "mtgox.com"}
        # api-streaming.md 3.1: base64(16 bytes of the key's hex ‖ HMAC-SHA512(secret, json) ‖ json)
        blob = base64.b64decode(op["call"], validate=True)
        key, signature, body = blob[:16], blob[16:80], blob[80:]
        assert key == bytes.fromhex(KEY.replace("-", ""))
        assert signature == hmac.new(base64.b64decode(SECRET), body, hashlib.sha512).digest()
        self.raw.append(body.replace(call_id.encode(), b"ID"))
        inner = json.loads(body)
        assert inner["id"] == call_id and inner["call"] == name
        self.sent.append(inner)
        raise Sent


class AsyncSessionCaller:
    def __init__(self) -> None:
        self.inner = SessionCaller()

    async def call(
        self, name: str, params: dict[str, object], *, item: str | None, currency: str | None, timeout: float | None
    ) -> Any:
        return self.inner.call(name, params, item=item, currency=currency, timeout=timeout)


async def stream_call(kind: str, python: str, kwargs: dict[str, object]) -> dict[str, Any] | None:
    """The inner JSON the call signed, or None when nothing was sent (InvalidRequestError propagates)."""
    if kind == "sync":
        sync = SessionCaller()
        with pytest.raises(Sent):
            getattr(StreamCalls(sync), python)(**kwargs)
        (inner,) = sync.sent
        return inner
    async_ = AsyncSessionCaller()
    with pytest.raises(Sent):
        await getattr(AsyncStreamCalls(async_), python)(**kwargs)
    (inner,) = async_.inner.sent
    return inner


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(("call", "p"), STREAM_PARAMS, ids=[f"{c.python}.{p.python}" for c, p in STREAM_PARAMS])
async def test_every_optional_stream_parameter_at_its_edges(call: m.StreamCall, p: m.Param, kind: str) -> None:
    problems: list[str] = []
    sent = 0
    for base, currency in contexts(call.params, p):
        baseline = await stream_call(kind, call.python, base)
        assert baseline is not None and p.wire not in baseline["params"], f"{p.python} left out must not be sent"
        for value, expected in cases(p, currency):
            label = f"{p.python}={value!r} ({currency or 'no unit'})"
            try:
                inner = await stream_call(kind, call.python, {**base, p.python: value})
            except InvalidRequestError as exc:
                if expected != ev.REFUSED:
                    problems.append(f"{label}: refused ({exc}), expected {p.wire}={expected}")
                elif exc.param != p.python:
                    problems.append(f"{label}: the refusal names {exc.param!r}")
                continue
            assert inner is not None
            if expected == ev.REFUSED:
                problems.append(f"{label}: sent, expected a refusal")
                continue
            params = dict(inner["params"])
            if params.pop(p.wire, None) != expected:
                problems.append(f"{label}: sent {p.wire}={inner['params'].get(p.wire)!r}, expected {expected!r}")
            if params != baseline["params"] or {**inner, "params": {}} != {**baseline, "params": {}, "id": inner["id"]}:
                problems.append(f"{label}: the rest of the call changed: {inner} vs {baseline}")
            sent += 1
    assert problems == [], "\n".join(problems)
    assert sent >= 1


@pytest.mark.parametrize("record", ev.EDGE_STREAM_GOLDEN, ids=[g.name for g in ev.EDGE_STREAM_GOLDEN])
def test_edge_stream_calls_sign_the_golden_json(record: ev.StreamGolden) -> None:
    caller = SessionCaller()
    with pytest.raises(Sent):
        getattr(StreamCalls(caller), record.method)(**record.kwargs)
    assert caller.raw == [record.inner.encode("ascii")]


def test_the_rules_cover_every_optional_parameter_type_in_the_catalogue() -> None:
    """`cases` raises for a type without a rule; this says the catalogue holds each kind it covers."""
    kinds = {"boolean", "integer", "string", "enum", "currency", "money"}
    assert {p.type for _, p in HTTP_PARAMS} == kinds
    assert {p.type for _, p in STREAM_PARAMS} == kinds - {"currency"}
    assert {p.encoding for _, p in HTTP_PARAMS if p.type == "money"} == {"int", "decimal"}
    assert len(HTTP_PARAMS) >= 50 and len(STREAM_PARAMS) >= 12
