"""Models to JSON and back, for `--json`.

`to_json` is `Model.to_dict` with the two values JSON has no type for written exactly as text:
`Decimal` as its string (never a float) and `datetime` as ISO 8601. `from_json` inverts it from
the model's own type hints, so `from_json(Ticker, to_json(ticker)) == ticker`: a script can
rebuild the SDK's models from the command's output.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any

from .._models import Model
from .._wire import public_hints


def to_json(value: Any) -> Any:
    if isinstance(value, Model):
        out = {name: to_json(getattr(value, name)) for name in type(value).FIELDS}
        if value.extra:
            out["extra"] = to_json(value.extra)
        return out
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a stream's book levels
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return format(value, "f")  # every digit, never "0E-8"; Decimal() reads it back equal
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def from_json(hint: Any, data: Any) -> Any:
    """The value of type `hint` (a model class, `list[...]`, `X | None`, ...) that `to_json` wrote as `data`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return from_json(inner, data)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [from_json(item, v) for v in data]
    if origin is dict:
        _, item = typing.get_args(hint)
        return {k: from_json(item, v) for k, v in data.items()}
    if isinstance(hint, type) and issubclass(hint, Model):
        hints = public_hints(hint)  # the field types as users see them (models are msgspec Structs)
        kwargs = {name: from_json(hints[name], data[name]) for name in hint.FIELDS if name in data}
        model: Any = hint  # a generated model: keyword-only fields and `extra`
        return model(**kwargs, extra=data.get("extra") or {})
    if hint is Decimal:
        return Decimal(data)
    if hint is datetime:
        return datetime.fromisoformat(data)
    return data
