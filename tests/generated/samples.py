"""Sample arguments and responses for any catalogued endpoint, computed from the catalogue model.

The expected wire values here are worked out independently of the generated code (from the
catalogue's currencies and units), so a generator bug shows up as a mismatch.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal
from typing import Any

from mtgox_catalogue import model as m

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = base64.b64encode(bytes(range(64))).decode()

SAMPLE_PAIR = "BTCJPY"  # JPY's divisor (1e3) differs from USD's, so unit mistakes show
SAMPLE_CURRENCY = "JPY"
SAMPLE_MONEY = Decimal("1.5")


def sample_kwargs(e: m.Endpoint) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in e.params:
        if p.type == "pair":
            out[p.python] = SAMPLE_PAIR
        elif p.type == "currency":
            out[p.python] = SAMPLE_CURRENCY
        elif p.type == "enum":
            out[p.python] = p.values[0]
        elif p.type == "money":
            out[p.python] = min(SAMPLE_MONEY, Decimal(p.maximum)) if p.maximum else SAMPLE_MONEY
        elif p.type == "integer":
            out[p.python] = max(2, int(p.minimum or 2)) if p.maximum is None else int(p.maximum)
        elif p.type == "boolean":
            out[p.python] = True
        else:
            out[p.python] = "abc"
    return out


def money_currency(p: m.Param, e: m.Endpoint, kwargs: dict[str, Any], catalogue: m.Catalogue) -> str:
    unit = p.unit
    assert unit is not None
    if unit.kind == "fixed":
        assert unit.currency is not None
        return unit.currency
    if unit.kind == "quote":
        pair = next(kwargs[q.python] for q in e.params if q.type == "pair")
        return catalogue.pairs[pair].quote
    ref = next(q for q in e.params if q.wire == unit.param)
    value = kwargs.get(ref.python)
    return value if value is not None else str(unit.default)


def expected_wire(e: m.Endpoint, kwargs: dict[str, Any], catalogue: m.Catalogue) -> tuple[str, list[tuple[str, str]]]:
    """The path (relative to the version prefix) and the wire parameters, in catalogue order."""
    path = e.path
    params: list[tuple[str, str]] = []
    for p in e.params:
        value = kwargs.get(p.python)
        if value is None:
            continue
        if p.type == "money":
            currency = catalogue.currencies[money_currency(p, e, kwargs, catalogue)]
            text = str(int(value * currency.divisor)) if p.encoding == "int" else format(value.normalize(), "f")
        elif p.type == "boolean":
            text = "1" if value else "0"
        else:
            text = str(value)
        if p.location == "path":
            path = path.replace("{" + p.wire + "}", text)
        else:
            params.append((p.wire, text))
    return path, params


def sample_value(t: m.TypeRef, catalogue: m.Catalogue) -> Any:
    if t.kind == "list":
        assert t.item is not None
        return [sample_value(t.item, catalogue)]
    if t.kind == "map":
        assert t.item is not None
        return {"BTC": sample_value(t.item, catalogue)}
    if t.kind == "model":
        model = catalogue.models[t.name]
        return {f.wire: sample_value(f.type, catalogue) for f in model.fields}
    return {
        "string": "s",
        "integer": "7",
        "decimal": "1.25",
        "boolean": True,
        "money": {
            "value": "1.50000",
            "value_int": "150000",
            "display": "$1.50000",
            "display_short": "$1.50",
            "currency": "USD",
        },
        "timestamp": 1365499103,
        "timestamp_us": "1365499103363494",
        "datetime": "2013-07-29 21:40:17",
        "any": {"anything": [1, "two"]},
    }[t.name]


def csv_body(t: m.TypeRef, catalogue: m.Catalogue) -> str:
    assert t.item is not None
    model = catalogue.models[t.item.name]
    row = sample_value(t.item, catalogue)
    header = ",".join(f.wire for f in model.fields)
    values = ",".join(f'"{row[f.wire]}"' for f in model.fields)
    return f"{header}\n{values}\n"


def rest_sign(message: bytes) -> str:
    return base64.b64encode(hmac.new(base64.b64decode(SECRET), message, hashlib.sha512).digest()).decode()
