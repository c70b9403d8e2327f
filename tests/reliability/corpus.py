"""Bad server responses, built from the catalogue.

- `payload_for(type)`: a valid payload of any catalogued response type (lists of 4 items, so a
  mutation can sit at `[3]`; maps with two keys).
- `mutations(endpoint)`: for every location of that payload (every field of every model, list
  item 3, every map value, the payload itself), values that the type must accept and values it
  must refuse, each with the location the error has to name (`data.asks[3].price`).
- `generic_bodies(endpoint)`: whole responses that are not a valid answer (HTML error pages,
  `MySQL error, please retry later`, empty, truncated, wrong envelope or version, error
  envelopes, every HTTP status class, invalid UTF-8, a BOM, a wrong content type).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mtgox_catalogue import model as m
from mtgox_runtime import _envelope

from ..generated.samples import sample_value
from .support import CATALOGUE

LIST_LEN = 4
MUTATED_INDEX = 3
MAP_KEYS = ("BTC", "USD")

#: What the v0/v1/v2 parsers put in front of a location: `data.asks[3].price`.
ROOTS = {"plain": "response", "return": "return", "data": "data"}

#: Money as Mt. Gox sent it: a value object, parsed by `Money.from_wire`.
MONEY_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("value", "decimal", False),
    ("value_int", "integer", False),
    ("currency", "string", False),
    ("display", "string", True),
    ("display_short", "string", True),
)

Path = tuple[str | int, ...]


def payload_for(t: m.TypeRef) -> Any:
    """A valid decoded-JSON value of type `t`."""
    if t.kind == "list":
        assert t.item is not None
        return [payload_for(t.item) for _ in range(LIST_LEN)]
    if t.kind == "map":
        assert t.item is not None
        return {k: payload_for(t.item) for k in MAP_KEYS}
    if t.kind == "model":
        model = CATALOGUE.models[t.name]
        return {f.wire: payload_for(f.type) for f in model.fields}
    return copy.deepcopy(sample_value(t, CATALOGUE))


def location(path: Path) -> str:
    """How `ShapeError` writes a path: `.key`, `['odd key']`, `[3]`."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.isidentifier():
            out += f".{step}"
        else:
            out += f"[{step!r}]"
    return out


def envelope_of(e: m.Endpoint) -> str:
    return e.version.envelope


def wrap(e: m.Endpoint, payload: Any) -> Any:
    envelope = envelope_of(e)
    return payload if envelope == "plain" else {"result": "success", envelope: payload}


# -- values each type must accept or refuse -------------------------------------------------------

_SCALAR_CASES: dict[str, list[tuple[str, Any, bool]]] = {
    "string": [("int", 7, True), ("float", 1.5, True), ("bool", True, False), ("list", [], False), ("obj", {}, False)],
    "integer": [
        ("numeric str", "7", True),
        ("whole float", 7.0, True),
        ("fraction str", "7.5", False),
        ("fraction", 7.5, False),
        ("word", "abc", False),
        ("bool", True, False),
        ("list", [], False),
        ("obj", {}, False),
    ],
    "decimal": [
        ("int", 3, True),
        ("float", 1.25, True),
        ("word", "abc", False),
        ("NaN str", "NaN", False),
        ("Infinity str", "-Infinity", False),
        ("bool", False, False),
        ("list", [], False),
        ("obj", {}, False),
    ],
    "boolean": [
        ("one", 1, True),
        ("Y", "Y", True),
        ("word", "maybe", False),
        ("two", 2, False),
        ("empty", "", False),
        ("list", [], False),
        ("obj", {}, False),
    ],
    "timestamp": [
        ("numeric str", "1365499103", True),
        ("word", "abc", False),
        ("fraction", 1.5, False),
        ("overflow", 10**30, False),
        ("negative overflow", -(10**30), False),
        ("list", [], False),
    ],
    "timestamp_us": [
        ("int", 1365499103363494, True),
        ("word", "abc", False),
        ("overflow", 10**30, False),
        ("obj", {}, False),
    ],
    "datetime": [
        ("iso", "2013-07-29T21:40:17+00:00", True),
        ("word", "yesterday", False),
        ("int", 1365499103, False),
        ("list", [], False),
    ],
    "any": [("list", [1, [2, {"3": None}]], True), ("str", "x", True), ("obj", {"a": {"b": []}}, True)],
}
_MODEL_CASES: list[tuple[str, Any, bool]] = [("list", [], False), ("str", "x", False), ("int", 5, False)]
_LIST_CASES: list[tuple[str, Any, bool]] = [("empty", [], True), ("obj", {}, False), ("str", "x", False)]
_MAP_CASES: list[tuple[str, Any, bool]] = [
    ("empty", {}, True),
    ("php empty", [], True),
    ("non-empty list", [1], False),
    ("str", "x", False),
]


@dataclass(frozen=True)
class Mutation:
    """One changed payload and what the parser must do with it."""

    name: str
    payload: Any
    accepted: bool
    #: The location the error must name (relative to the envelope root), when refused.
    where: str = ""
    #: A piece of the error message (e.g. "missing field 'price'").
    says: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Slot:
    path: Path
    type: m.TypeRef | None  # None: a money value object (walked as its own fields)
    scalar: str  # for a money field: its scalar type
    optional: bool


def _slots(t: m.TypeRef, path: Path, optional: bool) -> Iterator[_Slot]:
    yield _Slot(path, t, t.name if t.kind == "scalar" else "", optional)
    if t.kind == "list":
        assert t.item is not None
        yield from _slots(t.item, (*path, MUTATED_INDEX), False)
    elif t.kind == "map":
        assert t.item is not None
        yield from _slots(t.item, (*path, MAP_KEYS[-1]), False)
    elif t.kind == "model":
        for f in CATALOGUE.models[t.name].fields:
            yield from _slots(f.type, (*path, f.wire), f.optional)
    elif t.kind == "scalar" and t.name == "money":
        for wire, scalar, opt in MONEY_FIELDS:
            yield _Slot((*path, wire), None, scalar, opt)


def _set(payload: Any, path: Path, value: Any) -> Any:
    out = copy.deepcopy(payload)
    if not path:
        return value
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def _delete(payload: Any, path: Path) -> Any:
    out = copy.deepcopy(payload)
    target = out
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return out


def _cases(slot: _Slot) -> list[tuple[str, Any, bool]]:
    t = slot.type
    if t is None or t.kind == "scalar":
        scalar = slot.scalar
        if scalar == "money":
            return [("str", "1.5", False), ("number", 1.5, False), ("list", [], False), ("empty obj", {}, False)]
        return _SCALAR_CASES[scalar]
    if t.kind == "model":
        return _MODEL_CASES
    if t.kind == "list":
        return _LIST_CASES
    return _MAP_CASES


def mutations(e: m.Endpoint) -> Iterator[Mutation]:
    """Every mutation of the endpoint's sample payload, with the parser's expected verdict."""
    base = payload_for(e.returns)
    yield Mutation("valid", base, True)
    for slot in _slots(e.returns, (), False):
        where = location(slot.path)
        is_any = slot.type is not None and slot.type.kind == "scalar" and slot.type.name == "any"
        for name, value, accepted in _cases(slot):
            says = "missing field" if value == {} and slot.scalar == "money" else "expected"
            yield Mutation(f"{where or '<root>'} <- {name}", _set(base, slot.path, value), accepted, where, says)
        yield Mutation(
            f"{where or '<root>'} <- null",
            _set(base, slot.path, None),
            slot.optional or is_any,
            where,
            "expected",
        )
        in_object = bool(slot.path) and isinstance(slot.path[-1], str) and not _in_map(e.returns, slot.path)
        if in_object:
            parent = location(slot.path[:-1])
            yield Mutation(
                f"{where} removed",
                _delete(base, slot.path),
                slot.optional,
                parent,
                f"missing field {slot.path[-1]!r}",
            )
    if e.returns.kind == "model":
        extra = _set(base, ("zz_unknown_field",), {"nested": [1, 2]})
        yield Mutation("unknown field kept", extra, True, extras={"zz_unknown_field": {"nested": [1, 2]}})


def _in_map(t: m.TypeRef, path: Path) -> bool:
    """Whether the last step of `path` is a key of a map (not a field of a model)."""
    current: m.TypeRef | None = t
    money = False
    for i, step in enumerate(path):
        if money:
            return False
        assert current is not None
        if current.kind in ("list", "map"):
            if i == len(path) - 1:
                return current.kind == "map"
            current = current.item
        elif current.kind == "model":
            f = next(f for f in CATALOGUE.models[current.name].fields if f.wire == step)
            current = f.type
        elif current.kind == "scalar" and current.name == "money":
            money = True
    return False


# -- whole bodies ------------------------------------------------------------------------------------

CLOUDFLARE_502 = b"""<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<head><title>data.mtgox.com | 502: Bad gateway</title></head>
<body><div id="cf-error-details"><h1>Error 502</h1> Bad gateway. The web server reported a bad gateway error.
<span>Cloudflare Ray ID: 1a2b3c4d5e6f7a8b</span></div></body></html>"""
CLOUDFLARE_503 = CLOUDFLARE_502.replace(b"502", b"503").replace(b"Bad gateway", b"Service Temporarily Unavailable")
MYSQL = b"MySQL error, please retry later"
HTML = {"content-type": "text/html; charset=UTF-8"}
JSON_CT = {"content-type": "application/json"}


@dataclass(frozen=True)
class Body:
    """A whole response: status, headers, bytes, and whether a success is allowed at all."""

    name: str
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: None: never a success. Otherwise the payload a success must equal (checked through the parser).
    success_payload: Any = None
    may_succeed: bool = False
    #: A valid answer in an odd wrapping (a wrong content type): the call has to succeed.
    must_succeed: bool = False
    #: The error class the answer must raise (None: any MtGoxError).
    error: str | None = None
    says: str = ""


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def generic_bodies(e: m.Endpoint, parse: Callable[[Any], Any]) -> list[Body]:
    """Every bad (or merely odd) whole response for endpoint `e`."""
    envelope = envelope_of(e)
    payload = payload_for(e.returns)
    good = dumps(wrap(e, payload))

    def accepts(value: Any) -> bool:
        """The oracle: whether the generated parser takes `value` as a payload."""
        try:
            parse(_envelope.loads(dumps(value)))
        except Exception:
            return False
        return True

    def v0_may(value: Any) -> bool:
        """A v0 payload has no envelope: a body is data whenever the parser accepts it."""
        return envelope == "plain" and accepts(value)

    bodies = [
        Body("cloudflare 502", 502, CLOUDFLARE_502, HTML, error="InvalidResponseError", says="HTML page"),
        Body("cloudflare 503", 503, CLOUDFLARE_503, HTML, error="InvalidResponseError", says="HTML page"),
        Body("html 200", 200, b"<html><body>Maintenance</body></html>", HTML, error="InvalidResponseError"),
        Body("mysql", 200, MYSQL, {"content-type": "text/plain"}, error="InvalidResponseError", says="temporary"),
        Body("mysql 500", 500, MYSQL, {"content-type": "text/html"}, error="InvalidResponseError", says="temporary"),
        Body("empty", 200, b"", error="InvalidResponseError", says="empty body"),
        Body("blank", 200, b"  \r\n ", error="InvalidResponseError", says="empty body"),
        Body("truncated", 200, good[: len(good) // 2], JSON_CT, error="InvalidResponseError", says="truncated"),
        Body("truncated end", 200, good[:-1], JSON_CT, error="InvalidResponseError", says="truncated"),
        Body(
            "invalid utf-8",
            200,
            good.replace(b'"', b'"\xff\xfe', 1),
            JSON_CT,
            error="ResponseEncodingError",
            says="not UTF-8",
        ),
        Body("NaN", 200, dumps(wrap(e, {"x": 1})).replace(b"1", b"NaN", 1), JSON_CT, error="InvalidResponseError"),
        Body("plain text", 200, b"Internal error: contact support", error="InvalidResponseError", says="not JSON"),
        Body("deep nesting", 200, b"[" * 100_000 + b"]" * 100_000, JSON_CT, error="InvalidResponseError"),
        Body("bom", 200, b"\xef\xbb\xbf" + good, JSON_CT, may_succeed=True),
        Body("wrong content type", 200, good, {"content-type": "application/octet-stream"}, must_succeed=True),
        Body("html content type", 200, good, HTML, must_succeed=True),
        Body("no content type", 200, good, must_succeed=True),
        Body("wrong charset", 200, good, {"content-type": "application/json; charset=klingon"}, must_succeed=True),
    ]
    for other in ("plain", "return", "data"):
        if other == envelope:
            continue
        wrong = payload if other == "plain" else {"result": "success", other: payload}
        bodies.append(
            Body(f"{other} envelope", 200, dumps(wrong), JSON_CT, may_succeed=v0_may(wrong), error=None),
        )
    for odd in ({"result": "success"}, {"result": "weird"}, {"result": "weird", "data": payload}, {"result": None}):
        bodies.append(Body(f"odd {json.dumps(odd)[:30]}", 200, dumps(odd), JSON_CT, may_succeed=v0_may(odd)))
    tops: list[Any] = [None, [], "string", 42, 1.5, True]
    for top in tops:
        body = dumps(top)
        value = top if envelope == "plain" else {"result": "success", envelope: top}
        bodies.append(Body(f"top {body[:10]!r}", 200, body, JSON_CT, may_succeed=v0_may(top)))
        bodies.append(Body(f"payload {body[:10]!r}", 200, dumps(value), JSON_CT, may_succeed=accepts(top)))
    error_messages: list[Any] = [
        {"result": "error", "error": "Something failed", "token": "unknown_error"},
        {"result": "error"},
        {"result": "error", "error": {"nested": [1, 2]}, "token": 5},
        {"result": "error", "error": None, "message": None},
        {"error": "Not logged in."},
    ]
    for error_body in error_messages:
        may = v0_may(error_body)
        bodies.append(Body(f"error {json.dumps(error_body)[:40]}", 200, dumps(error_body), JSON_CT, may_succeed=may))
    # Every HTTP status class, with a success body, an error body, an HTML page and nothing.
    for status in STATUSES:
        for kind, content, headers in (
            ("success", good, JSON_CT),
            ("error", dumps({"result": "error", "error": "Something failed", "token": "unknown_error"}), JSON_CT),
            ("html", CLOUDFLARE_502, HTML),
            ("empty", b"", {}),
        ):
            headers = dict(headers)
            if 300 <= status < 400:
                headers["location"] = "https://elsewhere.invalid/api/"
            ok = 200 <= status < 300 and kind == "success"
            bodies.append(
                Body(
                    f"HTTP {status} {kind}",
                    status,
                    content,
                    headers,
                    may_succeed=ok,
                    must_succeed=ok and status != 204,
                    error="RateLimitedError" if status == 429 else None,
                    says="" if 200 <= status < 300 else f"HTTP {status}",
                )
            )
    return bodies


STATUSES = (
    200, 201, 202, 204, 206,
    301, 302, 303, 304, 307, 308,
    400, 401, 403, 404, 405, 408, 409, 410, 413, 418, 422, 429, 451,
    500, 501, 502, 503, 504, 520, 521, 522, 524, 599,
)  # fmt: skip


# -- CSV (v0 history export) ---------------------------------------------------------------------------


def csv_text(header: list[str], rows: list[list[str]]) -> bytes:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    lines = [",".join(header)] + [",".join(cell(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def csv_sample(e: m.Endpoint) -> tuple[list[str], list[list[str]], list[m.Field]]:
    assert e.returns.kind == "list" and e.returns.item is not None
    model = CATALOGUE.models[e.returns.item.name]
    row = payload_for(e.returns.item)
    header = [f.wire for f in model.fields]
    return header, [[str(row[w]) for w in header] for _ in range(LIST_LEN)], list(model.fields)


def csv_mutations(e: m.Endpoint) -> Iterator[tuple[str, bytes, bool, str, str]]:
    """(name, body, accepted, location, message piece) for the CSV export's rows."""
    header, rows, fields = csv_sample(e)
    yield "valid", csv_text(header, rows), True, "", ""
    for i, f in enumerate(fields):
        refuses_word = f.type.kind == "scalar" and f.type.name in ("integer", "decimal", "datetime", "timestamp")
        bad = [list(r) for r in rows]
        bad[MUTATED_INDEX][i] = "abc"
        yield f"{f.wire} <- abc", csv_text(header, bad), not refuses_word, f"[{MUTATED_INDEX}].{f.wire}", "expected"
        short = [h for h in header if h != f.wire]
        cut = [[v for j, v in enumerate(r) if j != i] for r in rows]
        yield f"{f.wire} column missing", csv_text(short, cut), f.optional, "[0]", f"missing field {f.wire!r}"
    extra = [list(r) for r in rows]
    extra[1].append("surplus")
    yield "surplus field", csv_text(header, extra), False, "", "more fields than the header"


def csv_bodies(e: m.Endpoint) -> list[Body]:
    header, rows, _ = csv_sample(e)
    good = csv_text(header, rows)
    csv_ct = {"content-type": "text/csv"}
    bodies = [
        Body("cloudflare 502", 502, CLOUDFLARE_502, HTML),
        # (Until de83756 and c0ea93b, the one-line ones were taken for an empty history.)
        Body("cloudflare 200", 200, CLOUDFLARE_502, HTML, error="InvalidResponseError"),
        Body("html 200", 200, b"<html><body>Maintenance</body></html>", HTML, error="InvalidResponseError"),
        Body("mysql", 200, MYSQL, {"content-type": "text/plain"}, error="InvalidResponseError", says="temporary"),
        Body("json list", 200, dumps([{"Index": 1}]), JSON_CT, error="InvalidResponseError"),
        Body("empty", 200, b"", csv_ct, error="InvalidResponseError", says="empty body"),
        Body("json error", 200, dumps({"result": "error", "error": "Something failed"}), JSON_CT, error="APIError"),
        Body("v0 json error", 200, dumps({"error": "Identification required"}), JSON_CT, error="AuthenticationError"),
        Body("v0 not logged in", 200, dumps({"error": "Not logged in."}), JSON_CT, error="AuthenticationError"),
        Body("invalid utf-8", 200, good.replace(b'"s"', b'"\xff\xfes"', 1), csv_ct, may_succeed=True),
        Body("bom", 200, b"\xef\xbb\xbf" + good, csv_ct, may_succeed=True),
        Body("truncated", 200, good[: len(good) - 9], csv_ct, may_succeed=True),
        Body("wrong content type", 200, good, JSON_CT, must_succeed=True),
        Body("binary", 200, bytes(range(256)) * 4, {"content-type": "application/octet-stream"}),
    ]
    for status in STATUSES:
        for kind, content, headers in (("csv", good, csv_ct), ("html", CLOUDFLARE_502, HTML), ("empty", b"", {})):
            headers = dict(headers)
            if 300 <= status < 400:
                headers["location"] = "https://elsewhere.invalid/api/"
            ok = 200 <= status < 300
            bodies.append(
                Body(
                    f"HTTP {status} {kind}",
                    status,
                    content,
                    headers,
                    may_succeed=ok and kind == "csv",
                    must_succeed=ok and kind == "csv" and status != 204,
                    error="RateLimitedError" if status == 429 else None,
                    says="" if ok else f"HTTP {status}",
                )
            )
    return bodies
