"""Human output: any answer of any endpoint as aligned tables, money exactly as sent with its currency.

A model is a two-column table of its fields; a field holding a list or map of models is drawn as
a table of its own after it; a list of models is one row per model. Numbers are right-aligned so
the decimal points line up, and nothing is rounded: a `Money` shows its `value` text and its
currency, a `Decimal` its exact digits.

Text that came from a server reaches the terminal only through `printable`: a control character
(ESC, CSI, BEL, backspace, carriage return, any C0 or C1 code) or a bidi override is shown as an
escape (`\x1b`), so an answer cannot clear the screen, retitle the window, plant a hyperlink or
hide text. Cells are `Text`, never markup, so `[link=...]` in a value stays literal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .._models import Model, Money

#: C0 (but newline), DEL, C1, and the bidi controls that reorder what a terminal shows.
_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: What `json.dumps(..., ensure_ascii=False)` leaves raw: DEL, C1 and bidi controls (it escapes C0).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = True) -> str:
    """`text` with every control character shown as an escape (newlines kept unless `newlines=False`)."""
    text = _UNPRINTABLE.sub(_escape, text)
    return text if newlines else text.replace("\n", "\\n")


def json_printable(text: str) -> str:
    """JSON text with DEL, C1 and bidi controls as `\\uXXXX` escapes too (still the same JSON)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def text(value: Any, **style: Any) -> Text:
    """A value as a table cell: exact, printable, never read as markup."""
    return Text(cell(value), **style)


def number(value: Decimal) -> str:
    """Every digit, never in exponent form (`0E-8` is shown `0.00000000`)."""
    return format(value, "f")


def money(value: Money | None) -> str:
    return "" if value is None else f"{number(value.value)} {printable(str(value.currency))}"


def when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + (
        f".{value.microsecond:06d}" if value.microsecond else ""
    )


def cell(value: Any) -> str:
    """One value as table text, exact."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return money(value)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, Model):
        return ", ".join(f"{n}={cell(getattr(value, n))}" for n in type(value).FIELDS if getattr(value, n) is not None)
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{cell(k)}={cell(v)}" for k, v in value.items())
    return printable(str(value))


def is_number(value: Any) -> bool:
    return isinstance(value, Money | Decimal | int) and not isinstance(value, bool)


def _is_table(value: Any) -> bool:
    """A list or map of models, drawn as a table of its own."""
    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    return bool(items) and all(isinstance(v, Model) for v in items)


def rows_table(items: list[Model] | dict[str, Model], title: str | None = None, key: str = "") -> Table:
    """One row per model, one column per field that any row fills."""
    models = list(items.values()) if isinstance(items, dict) else items
    names = [n for n in type(models[0]).FIELDS if any(getattr(m, n, None) is not None for m in models)]
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    if isinstance(items, dict):
        table.add_column(key or "key", style="bold")
    for n in names:
        numeric = any(is_number(getattr(m, n, None)) for m in models)
        table.add_column(n, justify="right" if numeric else "left", overflow="fold")
    for k, m in items.items() if isinstance(items, dict) else ((None, m) for m in items):
        row = [text(getattr(m, n, None)) for n in names]
        table.add_row(*([text(k)] if k is not None else []), *row)
    return table


def model_table(model: Model, title: str | None = None) -> RenderableType:
    fields = Table(title=title, box=box.SIMPLE_HEAD, show_header=False, title_justify="left")
    fields.add_column("field", style="bold")
    fields.add_column("value", overflow="fold")
    nested: list[RenderableType] = []
    for n in type(model).FIELDS:
        value = getattr(model, n)
        if _is_table(value):
            nested.append(rows_table(value, title=n, key=n.rstrip("s").lower()))
        elif value is not None:
            fields.add_row(n, Text(cell(value), justify="right" if is_number(value) else "left"))
    for k, v in model.extra.items():
        fields.add_row(Text(f"{cell(k)} (extra)"), text(v))
    return Group(fields, *nested) if nested else fields


def render(value: Any) -> RenderableType:
    """Any answer an SDK method returns, as something rich can print."""
    if isinstance(value, Model):
        return model_table(value)
    if _is_table(value):
        return rows_table(value)
    if isinstance(value, dict):
        table = Table(box=box.SIMPLE_HEAD, show_header=False)
        table.add_column("key", style="bold")
        table.add_column("value", overflow="fold")
        for k, v in value.items():
            table.add_row(text(k), text(v))
        return table
    if isinstance(value, list):
        return Text("\n".join(cell(v) for v in value) if value else "(none)")
    return Text(cell(value))
