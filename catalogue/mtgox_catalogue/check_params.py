"""Parameters of an endpoint: wire and Python names, location, enums, money units and bounds."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import cast

from . import model as m
from .check_currencies import currency_ref
from .checker import WIRE_NAME, Scope
from .naming import is_snake_name, placeholders, python_identifier
from .yaml_nodes import MapNode, Node, ScalarNode

#: Locals of every generated method, and the module names it reads; a parameter may not take them.
RESERVED_PARAM_NAMES = frozenset(
    {"self", "timeout", "path", "params", "cached_property", "async_raw", "sync_raw", "types"}
)
#: Wire names the transport adds itself.
RESERVED_WIRE_NAMES = frozenset({"nonce", "tonce"})


def params_of(
    s: Scope, node: Node | None, path: str, path_line: int, http: str, what: str, have_pairs: bool
) -> list[m.Param] | None:
    c = s.c
    out: list[m.Param] = []
    if node is not None and not isinstance(node, MapNode):
        c.error(node.line, f"{what}: params must be a mapping of wire name to parameter")
        return None
    items = node.items if isinstance(node, MapNode) else {}
    types_by_wire: dict[str, str] = {}
    for wire, (_line, pnode) in items.items():
        if isinstance(pnode, MapNode) and "type" in pnode.items:
            t = pnode.items["type"][1]
            if isinstance(t, ScalarNode) and isinstance(t.value, str):
                types_by_wire[wire] = t.value
    python_names: dict[str, int] = {}
    ok = True
    for wire, (line, pnode) in items.items():
        p = param_def(s, wire, line, pnode, path, http, what, types_by_wire, items)
        if p is None:
            ok = False
            continue
        if p.python in python_names:
            c.error(
                line,
                f"{what}: parameter {wire!r} has the Python name {p.python!r}, "
                f"already used at line {python_names[p.python]}",
            )
            ok = False
            continue
        python_names[p.python] = line
        out.append(p)
    declared = {p.wire for p in out if p.location == "path"}
    for name in placeholders(path):
        if name not in items:
            c.error(path_line, f"{what}: placeholder {{{name}}} has no parameter with in: path")
            ok = False
        elif name not in declared and name in {p.wire for p in out}:
            c.error(items[name][0], f"{what}: parameter {name!r} fills {{{name}}}, so it needs in: path")
            ok = False
    if any(p.type == "pair" for p in out) and not have_pairs:
        ok = False
    return out if ok else None


def param_def(
    s: Scope,
    wire: str,
    line: int,
    node: Node,
    path: str,
    http: str,
    what: str,
    types_by_wire: dict[str, str],
    siblings: dict[str, tuple[int, Node]],
) -> m.Param | None:
    c = s.c
    where = f"{what} parameter {wire!r}"
    if not WIRE_NAME.fullmatch(wire):
        c.error(line, f"{where}: wire names are letters, digits and _")
        return None
    if wire in RESERVED_WIRE_NAMES:
        c.error(line, f"{where}: {wire} is added by the transport; do not catalogue it")
        return None
    f = c.mapping(
        node,
        where,
        required=("type",),
        optional=(
            "in",
            "required",
            "python",
            "description",
            "values",
            "unit",
            "unit_default",
            "encoding",
            "minimum",
            "maximum",
        ),
    )
    if f is None:
        return None
    ptype = c.string(f.get("type"), f"{where} type", choices=m.PARAM_TYPES)
    location = c.string(f.get("in"), f"{where} in", choices=("path",))
    in_path = location == "path"
    if in_path and wire not in placeholders(path):
        c.error(f["in"].line, f"{where}: in: path, but the path has no {{{wire}}}")
        return None
    required = c.boolean(f.get("required"), f"{where} required", default=in_path)
    if in_path and required is False:
        c.error(f["required"].line, f"{where}: a path parameter is always required")
    python = c.string(f.get("python"), f"{where} python name") if "python" in f else python_identifier(wire)
    if python is not None and (not is_snake_name(python) or python in RESERVED_PARAM_NAMES):
        c.error(
            f["python"].line if "python" in f else line,
            f"{where}: {python!r} is not a usable Python name (lower-case snake_case, not one of "
            f"{', '.join(sorted(RESERVED_PARAM_NAMES))})",
        )
        python = None
    if ptype is None or python is None or required is None:
        return None
    values: tuple[str, ...] = ()
    unit: m.MoneyUnit | None = None
    encoding: str | None = None
    minimum = maximum = None
    extra_keys = {"values", "unit", "unit_default", "encoding", "minimum", "maximum"} & set(f)
    allowed: set[str] = set()
    if ptype == "enum":
        allowed = {"values"}
        values = tuple(c.strings(f.get("values"), f"{where} values"))
        if not values:
            c.error(f.get("values", node).line, f"{where}: an enum needs a non-empty list of string values")
            return None
    elif ptype == "money":
        allowed = {"unit", "unit_default", "encoding", "minimum", "maximum"}
        encoding = c.string(f.get("encoding"), f"{where} encoding", choices=("int", "decimal"))
        unit = money_unit(s, f, where, types_by_wire, siblings)
        if encoding is None or unit is None:
            if "encoding" not in f:
                c.error(node.line, f"{where}: a money parameter needs encoding: int or decimal")
            return None
        minimum = decimal_text(s, f.get("minimum"), f"{where} minimum")
        maximum = decimal_text(s, f.get("maximum"), f"{where} maximum")
    elif ptype == "integer":
        allowed = {"minimum", "maximum"}
        lo = c.integer(f.get("minimum"), f"{where} minimum")
        hi = c.integer(f.get("maximum"), f"{where} maximum")
        minimum = str(lo) if lo is not None else None
        maximum = str(hi) if hi is not None else None
    for key in sorted(extra_keys - allowed):
        c.error(f[key].line, f"{where}: {key} does not apply to a {ptype} parameter")
    return m.Param(
        wire=wire,
        python=python,
        type=ptype,
        location="path" if in_path else ("query" if http == "GET" else "body"),
        required=required,
        description=c.text(f.get("description"), f"{where} description"),
        line=line,
        values=values,
        unit=unit,
        encoding=cast(m.MoneyEncoding | None, encoding),
        minimum=minimum,
        maximum=maximum,
    )


def money_unit(
    s: Scope, f: dict[str, Node], where: str, types_by_wire: dict[str, str], siblings: dict[str, tuple[int, Node]]
) -> m.MoneyUnit | None:
    c = s.c
    node = f.get("unit")
    text = c.string(node, f"{where} unit")
    if node is None:
        c.error(min((n.line for n in f.values()), default=0), f"{where}: a money parameter needs a unit")
        return None
    if text is None:
        return None
    default_node = f.get("unit_default")
    if text == "quote":
        if "pair" not in types_by_wire.values():
            c.error(node.line, f"{where}: unit: quote needs a parameter of type pair")
            return None
        if default_node is not None:
            c.error(default_node.line, f"{where}: unit_default only goes with unit: param:NAME")
        return m.MoneyUnit("quote")
    if text.startswith("param:"):
        ref = text[len("param:") :]
        if types_by_wire.get(ref) != "currency":
            c.error(node.line, f"{where}: unit {text!r} must name a parameter of type currency")
            return None
        ref_required = False
        ref_node = siblings[ref][1]
        if isinstance(ref_node, MapNode) and "required" in ref_node.items:
            r = ref_node.items["required"][1]
            ref_required = isinstance(r, ScalarNode) and r.value is True
        default = currency_ref(s, default_node, f"{where} unit_default") if default_node else None
        if not ref_required and default is None:
            c.error(node.line, f"{where}: {ref!r} is optional, so unit_default must say which currency applies")
            return None
        return m.MoneyUnit("param", param=ref, default=default)
    code = currency_ref(s, node, f"{where} unit")
    if default_node is not None:
        c.error(default_node.line, f"{where}: unit_default only goes with unit: param:NAME")
    return m.MoneyUnit("fixed", currency=code) if code else None


def decimal_text(s: Scope, node: Node | None, what: str) -> str | None:
    if node is None:
        return None
    value = s.c.scalar(node, what)
    if value is None:
        return None
    if not isinstance(value.value, str):
        s.c.error(node.line, f'{what} must be a quoted decimal string like "0.01", not {value.value!r}')
        return None
    try:
        d = Decimal(value.value)
    except InvalidOperation:
        s.c.error(node.line, f"{what}: {value.value!r} is not a decimal number")
        return None
    if not d.is_finite() or d < 0:
        s.c.error(node.line, f"{what}: {value.value!r} must be a finite, non-negative number")
        return None
    return value.value
