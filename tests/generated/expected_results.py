"""What a generated method returns for the sample answer of test_every_method, checked value by value.

`samples.sample_value` answers every scalar of a response with one fixed wire value; the
Python value each must become is written out here by hand (not derived from the generator or
the runtime), and `check_result` walks the response type and compares every field, so a method
that parsed the wrong model, dropped a field or mis-converted a number fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mtgox_catalogue import model as m
from mtgox_runtime import Money

#: The sample wire values of samples.sample_value, as the client must return them.
TIMESTAMP = datetime(2013, 4, 9, 9, 18, 23, tzinfo=UTC)  # 1365499103
TIMESTAMP_US = datetime(2013, 4, 9, 9, 18, 23, 363494, tzinfo=UTC)  # "1365499103363494"
DATETIME = datetime(2013, 7, 29, 21, 40, 17, tzinfo=UTC)  # "2013-07-29 21:40:17", taken as UTC
PLAIN_TEXT = "plain text"


def check_scalar(name: str, value: Any, where: str) -> None:
    if name == "string":
        assert value == "s", where
    elif name == "integer":
        assert type(value) is int and value == 7, where
    elif name == "decimal":
        assert isinstance(value, Decimal) and format(value, "f") == "1.25", where
    elif name == "boolean":
        assert value is True, where
    elif name == "money":
        assert isinstance(value, Money), where
        assert (format(value.value, "f"), value.value_int, value.currency) == ("1.50000", 150000, "USD"), where
        assert (value.display, value.display_short, value.extra) == ("$1.50000", "$1.50", {}), where
    elif name == "timestamp":
        assert value == TIMESTAMP, where
    elif name == "timestamp_us":
        assert value == TIMESTAMP_US, where
    elif name == "datetime":
        assert value == DATETIME, where
    else:
        assert name == "any", where
        assert value == {"anything": [1, "two"]}, where


def check_value(t: m.TypeRef, value: Any, catalogue: m.Catalogue, where: str) -> None:
    if t.kind == "list":
        assert t.item is not None
        assert isinstance(value, list) and len(value) == 1, where
        check_value(t.item, value[0], catalogue, f"{where}[0]")
    elif t.kind == "map":
        assert t.item is not None
        assert isinstance(value, dict) and list(value) == ["BTC"], where
        check_value(t.item, value["BTC"], catalogue, f"{where}['BTC']")
    elif t.kind == "model":
        assert type(value).__name__ == t.name, f"{where}: {type(value).__name__} is not {t.name}"
        assert value.extra == {}, f"{where}: every sample field is a known one"
        for f in catalogue.models[t.name].fields:
            check_value(f.type, getattr(value, f.python), catalogue, f"{where}.{f.python}")
    else:
        check_scalar(t.name, value, where)


def check_result(e: m.Endpoint, result: Any, catalogue: m.Catalogue) -> None:
    """`result` is the sample answer of `e`, converted field by field as written above."""
    if e.response_format == "text":
        assert result == PLAIN_TEXT
        return
    check_value(e.returns, result, catalogue, e.key)
