"""Response types: `list[T]`/`map[T]`/scalar references and the models with their fields."""

from __future__ import annotations

import keyword
import re
from typing import Literal

from . import model as m
from .checker import CONTROL, Scope
from .naming import MAX_NAME, is_snake_name, python_identifier
from .yaml_nodes import MapNode, Node, ScalarNode

_MODEL_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")

#: Names `types.py` defines or imports; a model may not take them.
RESERVED_MODEL_NAMES = frozenset(
    {"Money", "Model", "Any", "ClassVar", "Decimal", "Literal", "Pair", "Currency"}
    # the runtime's wire aliases the models are annotated with (mtgox_runtime._wire)
    | {"Flag", "Opt", "ServerTime", "UnixMicros", "UnixTime", "WireInt"}
)
#: Names a model class already has; a field may not take them.
RESERVED_FIELD_NAMES = frozenset({"self", "extra", "from_wire", "to_dict", "to_json"})


def type_ref(s: Scope, text: str, line: int, what: str) -> m.TypeRef | None:
    text = text.strip()
    kinds: tuple[Literal["list"], Literal["map"]] = ("list", "map")
    for kind in kinds:
        if text.startswith(kind + "[") and text.endswith("]"):
            item = type_ref(s, text[len(kind) + 1 : -1], line, what)
            return m.TypeRef(kind, item=item) if item else None
    if text in m.SCALAR_FIELD_TYPES:
        return m.TypeRef("scalar", text)
    if _MODEL_NAME.fullmatch(text) and text in s.model_names:
        return m.TypeRef("model", text)
    known = ", ".join(m.SCALAR_FIELD_TYPES)
    s.c.error(line, f"{what}: unknown type {text!r} (a model name, list[T], map[T] or one of: {known})")
    return None


def model_def(s: Scope, name: str, line: int, node: Node) -> m.Model | None:
    c = s.c
    if not _MODEL_NAME.fullmatch(name) or not name.isascii() or keyword.iskeyword(name) or len(name) > MAX_NAME:
        c.error(line, f"model name {name!r} must be CamelCase letters and digits (and not a Python keyword)")
        return None
    if name in RESERVED_MODEL_NAMES:
        c.error(line, f"model name {name!r} is reserved by the generated package")
        return None
    f = c.mapping(node, f"model {name}", required=("fields",), optional=("description",))
    if f is None:
        return None
    fields: list[m.Field] = []
    python_names: dict[str, int] = {}
    fields_node = f.get("fields")
    if isinstance(fields_node, MapNode) and not fields_node.items:
        c.error(fields_node.line, f"model {name} has no fields")
    for wire, (fline, fnode) in fields_node.items.items() if isinstance(fields_node, MapNode) else ():
        built = field_def(s, name, wire, fline, fnode)
        if built is None:
            continue
        if built.python in python_names:
            c.error(
                fline,
                f"model {name}: field {wire!r} has the Python name {built.python!r}, "
                f"already used at line {python_names[built.python]}",
            )
            continue
        python_names[built.python] = fline
        fields.append(built)
    if fields_node is not None and not isinstance(fields_node, MapNode):
        c.error(fields_node.line, f"model {name}: fields must be a mapping")
    return m.Model(name, c.text(f.get("description"), f"model {name} description"), tuple(fields), line)


def field_def(s: Scope, model: str, wire: str, line: int, node: Node) -> m.Field | None:
    c = s.c
    what = f"field {model}.{wire}"
    if CONTROL.search(wire) or not wire or '"' in wire or "\\" in wire:
        c.error(line, f"{what}: field names may not contain quotes, backslashes or control characters")
        return None
    if isinstance(node, ScalarNode):
        type_text = c.string(node, what)
        spec: dict[str, Node] = {}
    else:
        f = c.mapping(node, what, required=("type",), optional=("python", "optional", "description"))
        if f is None:
            return None
        spec = f
        type_text = c.string(f.get("type"), f"{what} type")
    if type_text is None:
        return None
    optional = type_text.endswith("?")
    ref = type_ref(s, type_text.rstrip("?"), node.line, what)
    explicit = c.boolean(spec.get("optional"), f"{what} optional")
    if explicit is not None:
        optional = optional or explicit
    python = c.string(spec.get("python"), f"{what} python name") if "python" in spec else python_identifier(wire)
    if python is None:
        return None
    if not is_snake_name(python) or python in RESERVED_FIELD_NAMES:
        c.error(
            spec["python"].line if "python" in spec else line,
            f"{what}: {python!r} is not a usable Python field name (lower-case snake_case, not one of "
            f"{', '.join(sorted(RESERVED_FIELD_NAMES))}); set python: to another",
        )
        return None
    if ref is None:
        return None
    return m.Field(wire, python, ref, optional, c.text(spec.get("description"), f"{what} description"), line)
