"""Parameter checks every endpoint gets from its catalogue entry, before its handler runs.

- a required parameter that is missing: `Missing parameter "type"` (a `*_int` parameter is
  also satisfied by its deprecated decimal twin: `amount` for `amount_int`);
- an enum outside its values: `Invalid parameter "type" (should be ask or bid)` (the recorded
  Mt. Gox wording; values listed in alphabetical order);
- an integer, or a money parameter sent as integer units, that is not an integer; a decimal
  money parameter that is not a decimal number: `Invalid parameter "amount_int"`.

All are `invalid_parameter` errors (HTTP 200 in v0/v1, 400 in v2; see api/errors.py).
"""

from __future__ import annotations

import re

from mtgox_catalogue.model import Endpoint

from ..core.errors import invalid_parameter, missing_parameter

# Each part can match a character in one way only: `[0-9]+\.?[0-9]*` could split a run of
# digits in n ways and took O(n^2) on a long value that then failed (17 s for 20,000 digits,
# holding the database).
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
_DECIMAL = re.compile(r"\s*[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")


def check(endpoint: Endpoint, params: dict[str, str]) -> None:
    for p in endpoint.params:
        if p.location == "path":
            continue
        value = params.get(p.wire)
        if value is None or value == "":
            twin = p.wire[: -len("_int")] if p.wire.endswith("_int") else None
            if p.required and not (twin and params.get(twin)):
                raise missing_parameter(p.wire)
            continue
        if p.type == "enum" and p.values and value not in p.values:
            raise invalid_parameter(p.wire, "should be " + " or ".join(sorted(p.values)))
        integer = p.type == "integer" or (p.type == "money" and p.encoding == "int")
        if integer and not _INTEGER.fullmatch(value):
            raise invalid_parameter(p.wire)
        if p.type == "money" and p.encoding == "decimal" and not _DECIMAL.fullmatch(value):
            raise invalid_parameter(p.wire)
