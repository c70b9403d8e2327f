"""Bad arguments to every generated method (iterating the catalogue), sync and async: each refused with
`InvalidRequestError` naming the parameter, before anything is sent.

Missing required parameters are Python's own `TypeError` (keyword-only arguments), also before
anything is sent; so is an unknown keyword.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import mtgox
from mtgox_catalogue import model as m

from ..generated.samples import money_currency, sample_kwargs
from .support import CATALOGUE, ENDPOINTS, async_client, client, method_of, record

IDS = [e.key for e in ENDPOINTS]


def bad_values(e: m.Endpoint, p: m.Param, kwargs: dict[str, Any]) -> Iterator[tuple[str, object]]:
    """(what, value) pairs the parameter must refuse."""
    if p.required:
        yield "None for a required parameter", None
    if p.type == "string":
        yield from [("int", 5), ("float", 1.5), ("bool", True), ("bytes", b"x"), ("list", ["x"])]
        yield from [("empty", ""), ("NUL", "a\x00b"), ("only NUL", "\x00"), ("lone surrogate", "a\udc80b")]
    elif p.type == "integer":
        yield from [
            ("str", "5"),
            ("float", 1.5),
            ("whole float", 2.0),
            ("bool", True),
            ("Decimal", Decimal(2)),
            ("list", []),
        ]
        if p.minimum is not None:
            yield "below the minimum", int(p.minimum) - 1
        if p.maximum is not None:
            yield "above the maximum", int(p.maximum) + 1
        yield from [("beyond 64 bits", 2**63), ("4301 digits", 10**4300), ("negative 4301 digits", -(10**4300))]
    elif p.type == "boolean":
        yield from [("int", 1), ("zero", 0), ("str", "true"), ("None-like str", "None")]
    elif p.type == "enum":
        yield from [
            ("unlisted", "x"),
            ("empty", ""),
            ("int", 5),
            ("padded", p.values[0] + " "),
            ("NUL", p.values[0] + "\x00"),
        ]
        if p.values[0].upper() != p.values[0]:
            yield "wrong case", p.values[0].upper()
    elif p.type == "money":
        decimals = CATALOGUE.currencies[money_currency(p, e, kwargs, CATALOGUE)].decimals
        yield from [
            ("float", 1.5),
            ("float zero", 0.0),
            ("negative int", -1),
            ("negative", Decimal("-0.01")),
            ("NaN", Decimal("NaN")),
            ("sNaN", Decimal("sNaN")),
            ("infinity", Decimal("Infinity")),
            ("over-precise", Decimal(1) + Decimal(1).scaleb(-(decimals + 1))),
            ("far too precise", Decimal("1e-50")),
            ("str", "1.5"),
            ("bool", True),
            ("list", [Decimal(1)]),
        ]
        if p.minimum is not None:
            yield "below the minimum", Decimal(p.minimum) - Decimal(1).scaleb(-decimals)
        if p.maximum is not None:
            yield "above the maximum", Decimal(p.maximum) + Decimal(1).scaleb(-decimals)
        yield from [("beyond 64 bits of units", Decimal(2**63).scaleb(-decimals)), ("huge int", 10**70)]
    elif p.type == "pair":
        yield from [("lower case", "btcusd"), ("unknown", "BTCXYZ"), ("reversed", "USDBTC"), ("empty", ""), ("int", 5)]
        yield from [("spaced", "BTC USD"), ("NUL", "BTCUSD\x00"), ("list", ["BTCUSD"])]
    elif p.type == "currency":
        yield from [
            ("lower case", "usd"),
            ("unknown", "XYZ"),
            ("empty", ""),
            ("int", 5),
            ("short", "US"),
            ("bytes", b"USD"),
        ]


class NothingSent:
    """A respx router that answers anything but counts it: every case must send nothing."""

    def __init__(self) -> None:
        self.mock = respx.mock(assert_all_mocked=True, assert_all_called=False)

    def __enter__(self) -> respx.Route:
        router = self.mock.__enter__()
        route: respx.Route = router.route().mock(return_value=httpx.Response(200, json={}))
        return route

    def __exit__(self, *exc: Any) -> None:
        self.mock.__exit__(*exc)


def shown(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4300 digits has no repr
        text = f"<{type(value).__name__}>"
    return text[:40]


def refused(e: m.Endpoint, p: m.Param, what: str, value: object, error: BaseException | None) -> list[str]:
    where = f"{e.key}({p.python}={shown(value)}) [{what}]"
    if not isinstance(error, mtgox.InvalidRequestError):
        return [f"{where}: {type(error).__name__}: {error}" if error else f"{where}: accepted"]
    if error.param != p.python or p.python not in str(error):
        return [f"{where}: the error names {error.param!r}: {error}"]
    return []


@pytest.mark.parametrize("e", ENDPOINTS, ids=IDS)
def test_every_bad_argument_is_refused_before_sending(e: m.Endpoint) -> None:
    problems: list[str] = []
    tried = 0
    with NothingSent() as route, client() as api:
        call = method_of(api, e)
        for p in e.params:
            for what, value in bad_values(e, p, sample_kwargs(e)):
                kwargs = {**sample_kwargs(e), p.python: value}
                tried += 1
                error: BaseException | None = None
                try:
                    call(**kwargs)
                except Exception as exc:
                    error = exc
                problems += refused(e, p, what, value, error)
        for what, value in (("negative", -1), ("zero", 0), ("str", "5"), ("NaN", float("nan")), ("bool", True)):
            tried += 1
            try:
                call(**sample_kwargs(e), timeout=value)
            except mtgox.InvalidRequestError as exc:
                if exc.param != "timeout":
                    problems.append(f"{e.key}(timeout={value!r}): names {exc.param!r}")
            except Exception as exc:
                problems.append(f"{e.key}(timeout={value!r}) [{what}]: {type(exc).__name__}: {exc}")
            else:
                problems.append(f"{e.key}(timeout={value!r}) [{what}]: accepted")
        assert route.call_count == 0, f"{route.call_count} requests were sent"
    record("bad arguments: cases (sync)", tried)
    assert problems == [], "\n".join(problems[:30])


@pytest.mark.parametrize("e", ENDPOINTS, ids=IDS)
async def test_every_bad_argument_is_refused_before_sending_async(e: m.Endpoint) -> None:
    problems: list[str] = []
    tried = 0
    with NothingSent() as route:
        async with async_client() as api:
            call = method_of(api, e)
            for p in e.params:
                for what, value in bad_values(e, p, sample_kwargs(e)):
                    tried += 1
                    error: BaseException | None = None
                    try:
                        await call(**{**sample_kwargs(e), p.python: value})
                    except Exception as exc:
                        error = exc
                    problems += refused(e, p, what, value, error)
        assert route.call_count == 0
    record("bad arguments: cases (async)", tried)
    assert problems == [], "\n".join(problems[:30])


@pytest.mark.parametrize("e", [e for e in ENDPOINTS if any(p.required for p in e.params)], ids=lambda e: e.key)
def test_missing_required_parameters_are_a_type_error(e: m.Endpoint) -> None:
    """Python refuses the call itself (required parameters are keyword-only without a default)."""
    with NothingSent() as route, client() as api:
        call = method_of(api, e)
        for p in e.params:
            if not p.required:
                continue
            kwargs = sample_kwargs(e)
            del kwargs[p.python]
            with pytest.raises(TypeError, match=p.python):
                call(**kwargs)
            record("bad arguments: missing required (TypeError)", 1)
        with pytest.raises(TypeError, match="unexpected keyword"):
            call(**sample_kwargs(e), no_such_parameter=1)
        assert route.call_count == 0


def test_the_valid_samples_are_sent() -> None:
    """The counterpart: every method with its sample arguments sends exactly one request."""
    with NothingSent() as route, client(max_retries=0) as api:
        for e in ENDPOINTS:
            with contextlib.suppress(mtgox.InvalidResponseError):  # `{}` is not the answer; the request matters
                method_of(api, e)(**sample_kwargs(e))
    assert route.call_count == len(ENDPOINTS)


# -- regressions ----------------------------------------------------------------------------------------
# Found by this suite and fixed in de83756 ("Fix the runtime and generator bugs the reliability suite found"):
# a lone surrogate was refused without naming its parameter, an integer of more than 4300 digits escaped
# as a plain ValueError, a money parameter's maximum was ignored (5 BTC of fee sent where 0.01 is the cap);
# `bad_values` covers them for every parameter. And:

MONEY_WITH_MAXIMUM = [(e, p) for e in ENDPOINTS for p in e.params if p.type == "money" and p.maximum is not None]


def test_the_catalogue_has_money_maximums() -> None:
    assert MONEY_WITH_MAXIMUM, "the 'above the maximum' cases would prove nothing"


def test_a_huge_whole_amount_gets_a_true_message() -> None:
    """10**70 BTC was refused as 'not a whole number of BTC units (at most 8 decimal places)'."""
    for amount in (10**70, Decimal(2**63), Decimal("1e19")):
        with NothingSent() as route, client() as api, pytest.raises(mtgox.InvalidRequestError) as info:
            api.v2.order_add(pair="BTCUSD", type="bid", amount=amount)
        assert "decimal places" not in str(info.value) and "too large" in str(info.value)
        assert route.call_count == 0
