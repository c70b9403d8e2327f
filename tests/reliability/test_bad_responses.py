"""Bad server responses through every generated method: a typed error naming the endpoint (and, for
shape errors, the location), or the right value; never KeyError, TypeError, RecursionError,
JSONDecodeError, UnicodeDecodeError or an httpx error.

Every endpoint of the catalogue gets (through the real transport, with respx answering):
- every mutation of a valid sample payload (`corpus.mutations`: wrong types, null, lists where
  objects were, missing fields, at every location), with the verdict the type implies;
- the generic corpus (`corpus.generic_bodies`): HTML error pages, MySQL errors, empty and
  truncated bodies, wrong envelopes and versions, error envelopes, every HTTP status class,
  invalid UTF-8, a BOM, wrong content types.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mtgox
from mtgox_catalogue import model as m
from mtgox_runtime import _envelope

from ..generated.samples import sample_kwargs
from . import corpus
from .support import ENDPOINTS, REPO, async_client, client, method_of, record

JSON_ENDPOINTS = [e for e in ENDPOINTS if e.response_format == "json"]
CSV_ENDPOINTS = [e for e in ENDPOINTS if e.response_format == "csv"]
ALL_IDS = [e.key for e in ENDPOINTS]


def parser_of(e: m.Endpoint) -> Callable[[Any], Any]:
    """The generated `from_wire` (or converter) the method hands to the transport."""
    import mtgox.types as types
    from mtgox_runtime import _parse as p

    def conv(t: m.TypeRef) -> Callable[[Any], Any]:
        if t.kind == "list":
            assert t.item is not None
            return p.list_of(conv(t.item))
        if t.kind == "map":
            assert t.item is not None
            return p.map_of(conv(t.item))
        if t.kind == "model":
            return getattr(types, t.name).from_wire  # type: ignore[no-any-return]
        return {
            "string": p.to_str,
            "integer": p.to_int,
            "decimal": p.to_decimal,
            "boolean": p.to_bool,
            "money": mtgox.Money.from_wire,
            "timestamp": p.to_timestamp,
            "timestamp_us": p.to_timestamp_us,
            "datetime": p.to_datetime,
            "any": p.to_any,
        }[t.name]

    return conv(e.returns)


class Feeder:
    """Answers every request of one client with whatever response is set next."""

    def __init__(self) -> None:
        self.response: httpx.Response | None = None
        self.sent = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        assert self.response is not None
        return self.response


def problem(e: m.Endpoint, case: str, outcome: object, why: str) -> str:
    shown = f"{type(outcome).__name__}: {outcome}" if isinstance(outcome, BaseException) else repr(outcome)[:120]
    return f"{e.key} [{case}]: {why} -> {shown[:300]}"


def check_error(e: m.Endpoint, case: str, error: BaseException, cls: str | None, says: str) -> list[str]:
    out = []
    if not isinstance(error, mtgox.MtGoxError):
        return [problem(e, case, error, "not a MtGoxError")]
    text = str(error)
    if e.key not in text:
        out.append(problem(e, case, error, f"the message does not name {e.key}"))
    if cls is not None and type(error).__name__ != cls:
        out.append(problem(e, case, error, f"expected {cls}"))
    if says and says not in text:
        out.append(problem(e, case, error, f"the message does not say {says!r}"))
    return out


def run_mutations(e: m.Endpoint, api: mtgox.Client, feeder: Feeder) -> tuple[int, list[str]]:
    root = corpus.ROOTS[e.version.envelope]
    kwargs = sample_kwargs(e)
    call = method_of(api, e)
    problems: list[str] = []
    tried = 0
    for mutation in corpus.mutations(e):
        feeder.response = httpx.Response(200, content=corpus.dumps(corpus.wrap(e, mutation.payload)))
        tried += 1
        try:
            result = call(**kwargs)
        except Exception as exc:
            if mutation.accepted:
                problems.append(problem(e, mutation.name, exc, "a valid value was refused"))
                continue
            problems += check_error(e, mutation.name, exc, "InvalidResponseError", "")
            where = f"{root}{mutation.where}: "
            if where not in str(exc) or mutation.says not in str(exc):
                problems.append(problem(e, mutation.name, exc, f"expected the location {where!r} + {mutation.says!r}"))
            continue
        if not mutation.accepted:
            problems.append(problem(e, mutation.name, result, "an invalid value was accepted"))
        elif mutation.extras and getattr(result, "extra", None) != mutation.extras:
            problems.append(problem(e, mutation.name, result, "the unknown field was not kept in .extra"))
    return tried, problems


@pytest.mark.parametrize("e", JSON_ENDPOINTS, ids=[e.key for e in JSON_ENDPOINTS])
def test_every_mutation_of_every_response_model(e: m.Endpoint) -> None:
    feeder = Feeder()
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(side_effect=feeder)
        with client(max_retries=0) as api:
            tried, problems = run_mutations(e, api, feeder)
    assert feeder.sent == tried
    record("responses tried: payload mutations", tried)
    assert problems == [], "\n".join(problems[:25])


@pytest.mark.parametrize("e", CSV_ENDPOINTS, ids=[e.key for e in CSV_ENDPOINTS])
def test_every_mutation_of_the_csv_export(e: m.Endpoint) -> None:
    feeder = Feeder()
    problems: list[str] = []
    tried = 0
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(side_effect=feeder)
        with client(max_retries=0) as api:
            call = method_of(api, e)
            for name, body, accepted, where, says in corpus.csv_mutations(e):
                feeder.response = httpx.Response(200, content=body, headers={"content-type": "text/csv"})
                tried += 1
                try:
                    call(**sample_kwargs(e))
                except Exception as exc:
                    if accepted:
                        problems.append(problem(e, name, exc, "a valid CSV was refused"))
                        continue
                    problems += check_error(e, name, exc, "InvalidResponseError", says)
                    if where and f"response{where}: " not in str(exc):
                        problems.append(problem(e, name, exc, f"expected the location response{where}"))
                else:
                    if not accepted:
                        problems.append(problem(e, name, None, "an invalid CSV was accepted"))
    record("responses tried: payload mutations", tried)
    assert problems == [], "\n".join(problems)


def check_body(e: m.Endpoint, body: corpus.Body, outcome: object, parse: Callable[[Any], Any]) -> list[str]:
    if isinstance(outcome, BaseException):
        if body.must_succeed:
            return [problem(e, body.name, outcome, "a valid answer was refused")]
        problems = check_error(e, body.name, outcome, body.error, body.says)
        if isinstance(outcome, mtgox.MtGoxError) and outcome.status != body.status and outcome.status is not None:
            problems.append(problem(e, body.name, outcome, f"status {outcome.status}, sent {body.status}"))
        return problems
    if not (body.may_succeed or body.must_succeed):
        return [problem(e, body.name, outcome, "a bad answer was taken for a result")]
    return []


def bodies_for(e: m.Endpoint) -> list[corpus.Body]:
    if e.response_format == "csv":
        return corpus.csv_bodies(e)
    return corpus.generic_bodies(e, parser_of(e))


def response_of(body: corpus.Body) -> httpx.Response:
    return httpx.Response(body.status, content=body.content, headers=body.headers)


@pytest.mark.parametrize("e", ENDPOINTS, ids=ALL_IDS)
def test_generic_corpus_sync(e: m.Endpoint) -> None:
    feeder = Feeder()
    problems: list[str] = []
    bodies = bodies_for(e)
    parse = parser_of(e)
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(side_effect=feeder)
        with client(max_retries=0) as api:
            call = method_of(api, e)
            for body in bodies:
                feeder.response = response_of(body)
                outcome: object
                try:
                    outcome = call(**sample_kwargs(e))
                except Exception as exc:
                    outcome = exc
                problems += check_body(e, body, outcome, parse)
    assert feeder.sent == len(bodies)
    record("responses tried: generic corpus (sync)", len(bodies))
    assert problems == [], "\n".join(problems[:25])


#: The async transport shares the call flow with the sync one; by default it gets the corpus with one
#: status of each kind (`-m stress` feeds it every status).
ASYNC_STATUSES = ("HTTP 200 ", "HTTP 204 ", "HTTP 302 ", "HTTP 404 ", "HTTP 429 ", "HTTP 503 ", "HTTP 599 ")


async def _async_corpus(e: m.Endpoint, full: bool) -> None:
    feeder = Feeder()
    problems: list[str] = []
    bodies = [b for b in bodies_for(e) if full or not b.name.startswith("HTTP ") or b.name.startswith(ASYNC_STATUSES)]
    parse = parser_of(e)
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(side_effect=feeder)
        async with async_client(max_retries=0) as api:
            call = method_of(api, e)
            for body in bodies:
                feeder.response = response_of(body)
                outcome: object
                try:
                    outcome = await call(**sample_kwargs(e))
                except Exception as exc:
                    outcome = exc
                problems += check_body(e, body, outcome, parse)
    record("responses tried: generic corpus (async)", len(bodies))
    assert problems == [], "\n".join(problems[:25])


@pytest.mark.parametrize("e", ENDPOINTS, ids=ALL_IDS)
async def test_generic_corpus_async(e: m.Endpoint) -> None:
    await _async_corpus(e, full=False)


@pytest.mark.stress
@pytest.mark.parametrize("e", ENDPOINTS, ids=ALL_IDS)
async def test_generic_corpus_async_every_status(e: m.Endpoint) -> None:
    await _async_corpus(e, full=True)


@pytest.mark.parametrize("e", ENDPOINTS, ids=ALL_IDS)
def test_transient_answers_are_retried_only_where_safe(e: m.Endpoint) -> None:
    """A Cloudflare 502 then the right answer: idempotent methods retry and succeed; the others
    raise after one attempt, since the request may have been acted on."""
    good = httpx.Response(200, content=corpus.dumps(corpus.wrap(e, corpus.payload_for(e.returns))))
    if e.response_format == "csv":
        header, rows, _ = corpus.csv_sample(e)
        good = httpx.Response(200, content=corpus.csv_text(header, rows), headers={"content-type": "text/csv"})
    with respx.mock(assert_all_mocked=True) as router:
        route = router.route().mock(side_effect=[httpx.Response(502, content=corpus.CLOUDFLARE_502), good])
        with client(max_retries=2) as api:
            raw = getattr(getattr(api, e.version.key).with_raw_response, e.name)
            if e.idempotent:
                assert raw(**sample_kwargs(e)).attempts == 2
            else:
                with pytest.raises(mtgox.InvalidResponseError) as info:
                    raw(**sample_kwargs(e))
                assert info.value.attempts == 1 and info.value.status == 502
    assert route.call_count == (2 if e.idempotent else 1)
    record("responses tried: retry corpus", route.call_count)


# -- huge and deep bodies ------------------------------------------------------------------------------


def _depth_entry(i: int) -> dict[str, Any]:
    return {
        "price": f"{100 + i / 1000:.5f}",
        "amount": "0.01000000",
        "price_int": str(10_000_000 + i * 100),
        "amount_int": "1000000",
        "stamp": "1365499103363494",
    }


def test_twenty_megabytes_of_depth_with_one_bad_price_at_the_end() -> None:
    entries = [_depth_entry(i) for i in range(175_000)]
    last = len(entries) - 1
    entries[last]["price"] = {"oops": True}
    body = corpus.dumps({"result": "success", "data": {"asks": entries, "bids": []}})
    assert len(body) > 20_000_000
    started = time.perf_counter()
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(return_value=httpx.Response(200, content=body))
        with client(max_retries=0) as api, pytest.raises(mtgox.InvalidResponseError) as info:
            api.v2.depth_full(pair="BTCUSD")
    elapsed = time.perf_counter() - started
    assert f"data.asks[{last}].price: expected a decimal number" in str(info.value)
    assert "v2.depth_full" in str(info.value)
    assert len(str(info.value)) < 1000, "the error message must not carry the 20 MB body"
    assert elapsed < 15
    record("responses tried: huge bodies", 1)


def test_twenty_megabytes_of_valid_depth_parse() -> None:
    entries = [_depth_entry(i) for i in range(87_500)]
    body = corpus.dumps({"result": "success", "data": {"asks": entries, "bids": entries}})
    assert len(body) > 20_000_000
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(return_value=httpx.Response(200, content=body))
        with client(max_retries=0) as api:
            depth = api.v2.depth_full(pair="BTCUSD")
    assert len(depth.asks) == len(depth.bids) == 87_500
    assert str(depth.asks[-1].price) == "187.49900"
    record("responses tried: huge bodies", 1)


@pytest.mark.parametrize(
    "content",
    [
        b"x" * 20_000_000,
        b"[" * 5_000_000,
        b'{"a":' * 1_000_000 + b"1" + b"}" * 1_000_000,
        b'{"result":"success","data":"' + b"\xff" * 20_000_000 + b'"}',
    ],
    ids=["garbage", "unclosed nesting", "deep objects", "invalid utf-8"],
)
def test_huge_bad_bodies(content: bytes) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(return_value=httpx.Response(200, content=content))
        with client(max_retries=0) as api, pytest.raises(mtgox.InvalidResponseError) as info:
            api.v2.depth_full(pair="BTCUSD")
    assert "v2.depth_full" in str(info.value) and len(str(info.value)) < 1000
    record("responses tried: huge bodies", 1)


def test_deep_nesting_inside_an_any_field_is_data() -> None:
    """JSON nested just under what the decoder takes is returned as it is; repr and to_dict work."""
    for depth in (100, 500, 800):
        body = b'{"result":"success","data":{"lag":1,"lag_secs":"0","lag_text":"0","length":0,"deep":'
        body += b"[" * depth + b"]" * depth + b"}}"
        with respx.mock(assert_all_mocked=True) as router:
            router.route().mock(return_value=httpx.Response(200, content=body))
            with client(max_retries=0) as api:
                lag = api.v2.order_lag()
        assert lag.extra["deep"] is not None
        assert repr(lag) and lag.to_dict()["extra"]
        record("responses tried: huge bodies", 1)


@pytest.mark.parametrize(
    "content",
    [b'[{"Index": 1}]', b"<html><body>Maintenance</body></html>", b"Index", b""],
    ids=["json list", "one-line html", "one column", "empty"],
)
def test_a_csv_export_that_is_not_csv_is_not_an_empty_history(content: bytes) -> None:
    """Regression (fixed in de83756): with status 200 these were parsed as a header without rows: []."""
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(return_value=httpx.Response(200, content=content))
        with client(max_retries=0) as api, pytest.raises(mtgox.InvalidResponseError):
            api.v0.history_csv(currency="USD")


def test_a_mysql_error_on_the_csv_export_is_not_an_empty_history() -> None:
    """Regression (fixed in c0ea93b): the first fix's header check looked for a comma, and this message has one."""
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(return_value=httpx.Response(200, content=corpus.MYSQL))
        with client(max_retries=0) as api, pytest.raises(mtgox.InvalidResponseError):
            api.v0.history_csv(currency="USD")


# -- regressions (found by this suite, fixed in de83756) ----------------------------------------------------

_HANG_PROBE = """
import httpx, respx, mtgox
body = b'{"result":"success","data":{"lag":1e9999999,"lag_secs":"0","lag_text":"0","length":0}}'
with respx.mock() as router:
    router.route().mock(return_value=httpx.Response(200, content=body))
    with mtgox.Client(base_url="https://mtgox.invalid/api", rate_limit=None, max_retries=0) as api:
        try:
            api.v2.order_lag()
        except mtgox.InvalidResponseError:
            print("refused")
"""


def test_a_huge_exponent_is_refused_quickly() -> None:
    """_parse.to_int built a 10-million-digit int from the 10 bytes 1e9999999: minutes of CPU for one answer."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HANG_PROBE], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("a 90-byte answer kept the client busy for more than 20 seconds (it took minutes before the fix)")
    assert out.strip() == "refused", err


def test_an_absurd_retry_after_date_is_not_a_crash() -> None:
    """_envelope.retry_after let OverflowError escape for a Retry-After date with a huge year."""
    headers = {"retry-after": "Mon, 01 Jan 99999999999 00:00:00 GMT"}
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(return_value=httpx.Response(503, content=b"", headers=headers))
        with client(max_retries=1) as api, pytest.raises(mtgox.MtGoxError):
            api.v2.ticker(pair="BTCUSD")


def test_a_redirect_is_reported_as_a_redirect_whatever_its_body() -> None:
    """A 3xx with a JSON body was APIError('HTTP 302 Found'), without the Location."""
    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(
            return_value=httpx.Response(
                302,
                content=json.dumps({"result": "success", "data": {}}).encode(),
                headers={"location": "https://elsewhere.invalid/api/"},
            )
        )
        with client(max_retries=0) as api, pytest.raises(mtgox.InvalidResponseError) as info:
            api.v2.info()
    assert "redirected to https://elsewhere.invalid/api/" in str(info.value)


def test_retry_after_never_raises_for_sane_or_odd_values() -> None:
    for value in (
        "5",
        "0",
        "-3",
        "1e999",
        "nan",
        "soon",
        "Mon, 01 Jan 1 00:00:00 +9999",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ):
        wait = _envelope.retry_after(httpx.Headers({"retry-after": value}))
        assert wait is None or wait >= 0.0


# -- random answers through the transport -------------------------------------------------------------------

_HEADER_VALUES = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    st.sampled_from(["0", "-1", "1e999", "nan", "Mon, 01 Jan 99999999999 00:00:00 GMT", "gzip", "br", "deflate"]),
)
_ANSWERS = st.tuples(
    st.sampled_from([200, 201, 204, 301, 302, 400, 403, 404, 429, 500, 502, 503, 520]),
    st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda v: json.dumps(v).encode(),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                lambda c: (
                    st.lists(c, max_size=4)
                    | st.dictionaries(
                        st.sampled_from(["result", "data", "return", "error", "token", "x"]), c, max_size=4
                    )
                ),
                max_leaves=12,
            ),
        ),
        st.builds(
            lambda r, k, v: json.dumps({"result": r, k: v}).encode(),
            st.sampled_from(["success", "error", "weird"]),
            st.sampled_from(["data", "return", "error", "token"]),
            st.one_of(st.none(), st.text(max_size=10), st.integers(), st.lists(st.integers(), max_size=3)),
        ),
    ),
    st.dictionaries(
        st.sampled_from(["content-type", "content-encoding", "retry-after", "retry-after-ms", "location"]),
        _HEADER_VALUES,
        max_size=3,
    ),
)
_FUZZED = [
    e
    for e in ENDPOINTS
    if e.key
    in ("v0.get_funds", "v0.history_csv", "v1.info", "v1.order_add", "v2.depth_full", "v2.order_cancel", "v2.idkey")
]


@pytest.mark.parametrize("e", _FUZZED, ids=[e.key for e in _FUZZED])
def test_random_answers_through_the_transport(e: m.Endpoint) -> None:
    """Random statuses, bodies and headers (content-encoding, retry-after, location), with retries on."""
    current: list[tuple[int, bytes, dict[str, str]]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        status, content, headers = current[-1]
        return httpx.Response(status, stream=httpx.ByteStream(content), headers=headers)

    with respx.mock(assert_all_mocked=True) as router:
        router.route().mock(side_effect=answer)
        with client(max_retries=2) as api:
            call = method_of(api, e)

            @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(drawn=_ANSWERS)
            def run(drawn: tuple[int, bytes, dict[str, str]]) -> None:
                current.append(drawn)
                message = ""
                try:
                    call(**sample_kwargs(e))
                except mtgox.MtGoxError as exc:
                    message = str(exc)
                assert e.key in message if message else 200 <= drawn[0] < 300
                record("responses tried: random answers (hypothesis)", 1)

            run()
