"""The catalogue model seen as Python: names, type annotations, expressions and docstrings.

Templates only lay out what this module computes, so the logic of code generation is ordinary,
typed, tested Python rather than Jinja. Every string that ends up in generated code is either
validated by the loader (identifiers, paths, currency codes) or passed through `repr()` /
`docstring()` here, so no catalogue text can break out of a literal.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from mtgox_catalogue import model as m
from mtgox_catalogue.naming import placeholders

_SCALAR_ANNOTATION = {
    "string": "str",
    "integer": "int",
    "decimal": "Decimal",
    "boolean": "bool",
    "money": "Money",
    "timestamp": "datetime",
    "timestamp_us": "datetime",
    "datetime": "datetime",
    "any": "Any",
}
_SCALAR_CONVERTER = {
    "string": "_parse.to_str",
    "integer": "_parse.to_int",
    "decimal": "_parse.to_decimal",
    "boolean": "_parse.to_bool",
    "money": "Money.from_wire",
    "timestamp": "_parse.to_timestamp",
    "timestamp_us": "_parse.to_timestamp_us",
    "datetime": "_parse.to_datetime",
    "any": "_parse.to_any",
}


def annotation(t: m.TypeRef, models_prefix: str = "") -> str:
    if t.kind == "scalar":
        return models_prefix + "Money" if t.name == "money" else _SCALAR_ANNOTATION[t.name]
    if t.kind == "model":
        return models_prefix + t.name
    assert t.item is not None
    inner = annotation(t.item, models_prefix)
    return f"list[{inner}]" if t.kind == "list" else f"dict[str, {inner}]"


def converter(t: m.TypeRef, models_prefix: str = "") -> str:
    """An expression for a callable turning decoded JSON into the annotated type."""
    if t.kind == "scalar":
        return models_prefix + "Money.from_wire" if t.name == "money" else _SCALAR_CONVERTER[t.name]
    if t.kind == "model":
        return f"{models_prefix}{t.name}.from_wire"
    assert t.item is not None
    return f"_parse.{t.kind}_of({converter(t.item, models_prefix)})"


def docstring(*paragraphs: str, indent: int = 4, width: int = 116) -> str:
    """A triple-quoted docstring literal, wrapped to `width`, that no catalogue text can escape from.

    A paragraph whose first line ends with ':' (Args:, Attributes:) keeps one wrapped entry per
    following line, with a hanging indent.
    """
    pad = " " * indent
    out: list[str] = []
    for paragraph in (p for p in paragraphs if p):
        safe = paragraph.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        head, _, rest = safe.partition("\n")
        if head.endswith(":") and rest:
            block = [head]
            for entry in rest.split("\n"):
                block += textwrap.wrap(
                    entry.strip(), width - indent, initial_indent="    ", subsequent_indent="        "
                )
        else:
            block = textwrap.wrap(" ".join(safe.split()), width - indent) or [""]
        out.append("\n".join(block))
    lines = "\n\n".join(out).split("\n")
    if lines[-1].endswith('"'):
        lines[-1] += " "
    text = "\n".join((pad + line) if line and i else line for i, line in enumerate(lines))
    return f'"""{text}"""' if len(lines) == 1 and len(text) + indent + 6 <= width else f'"""{text}\n{pad}"""'


def import_order(names: set[str] | list[str]) -> list[str]:
    """Names in the order isort (ruff I001) wants in one `from x import ...`: CONSTANTS, Classes, others."""

    def kind(name: str) -> int:
        if len(name) > 1 and name.isupper():
            return 0
        return 1 if name[:1].isupper() else 2

    return sorted(names, key=lambda n: (kind(n), n))


def uses_scalar(t: m.TypeRef, names: set[str]) -> bool:
    if t.kind == "scalar":
        return t.name in names
    return t.item is not None and uses_scalar(t.item, names)


# -- models ------------------------------------------------------------------------------------

#: A scalar as the one-pass decoder reads it (the runtime's `_wire` aliases: the public type for
#: type checkers, what msgspec decodes at run time).
_WIRE_ANNOTATION = {
    **_SCALAR_ANNOTATION,
    "integer": "WireInt",
    "boolean": "Flag",
    "timestamp": "UnixTime",
    "timestamp_us": "UnixMicros",
    "datetime": "ServerTime",
}
#: Scalars a model checks (decimals) or converts (timestamps) after decoding, inside a list or a
#: map (by `_wire.each` with the leaf of this name); a decimal field is checked inline.
_CHECKED_SCALARS = frozenset({"decimal", "timestamp", "timestamp_us"})
#: The runtime aliases a generated module may import from `_wire`.
WIRE_ALIASES = ("Flag", "Opt", "ServerTime", "UnixMicros", "UnixTime", "WireInt")


def wire_annotation(t: m.TypeRef) -> str:
    """The annotation of a model's field: what it holds, in the `_wire` aliases."""
    if t.kind == "scalar":
        return _WIRE_ANNOTATION[t.name]
    if t.kind == "model":
        return t.name
    assert t.item is not None
    inner = wire_annotation(t.item)
    return f"list[{inner}]" if t.kind == "list" else f"dict[str, {inner}]"


def optional_annotation(t: m.TypeRef, annotation: str) -> str:
    """An optional field: `str | None` and `Any` take null as is; any other type is `Opt[...]`,
    so an explicit null (or lax mode's string "null") is read by the checked path."""
    if t.kind == "scalar" and t.name == "any":
        return annotation
    if t.kind == "scalar" and t.name == "string":
        return f"{annotation} | None"
    return f"Opt[{annotation}]"


def _leaf(t: m.TypeRef) -> str | None:
    """The checked scalar inside a list or map field (its innermost item), or None."""
    if t.kind not in ("list", "map"):
        return None
    item = t.item
    while item is not None and item.kind in ("list", "map"):
        item = item.item
    return item.name if item is not None and item.kind == "scalar" and item.name in _CHECKED_SCALARS else None


def field_check(t: m.TypeRef, optional: bool, raw: str) -> str | None:
    """A condition true when a decoded decimal field is out of the bounds of `_parse.to_decimal`
    (msgspec bounds no Decimal; integers and timestamps it checks itself, see `_wire`)."""
    if t.kind != "scalar":
        return None
    if t.name == "decimal":  # the bounds of `_parse.to_decimal`; NaN and Infinity have adjusted() 0
        d = "_" + raw.removeprefix("self.")  # a name of its own: an optional one may be None
        bounded = f"-bound <= (_e := {d}.adjusted()) <= bound and (_e or {d}.is_finite())"
        if optional:
            return f"(({d} := {raw}) is not None and not ({bounded}))"
        return f"not ({bounded.replace(d, f'({d} := {raw})', 1)})"
    return None


@dataclass(frozen=True)
class FieldView:
    wire: str
    name: str
    annotation: str  # in the class body: the `_wire` aliases
    public_annotation: str  # what its users see (docs)
    default: str  # "" for required
    getter: str  # expression reading the field from `d`, with the error's location on failure
    fast: str  # the same from `raw` without the bookkeeping: the common path, retried checked on failure
    doc: str
    check: str | None  # condition refusing what lax decoding let through (see `_wire`)
    leaf: str | None  # the checked scalar inside a list or map field
    on_read: str | None  # "SECONDS" or "MICROSECONDS": a timestamp built when read


@dataclass(frozen=True)
class ModelView:
    name: str
    doc: str
    fields: tuple[FieldView, ...]
    wire_names: str  # a tuple literal
    rename: str  # ", rename={...}" when a Python name differs from its wire name, else ""

    @property
    def field_order(self) -> str:
        return repr(tuple(f.name for f in self.fields))

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(f.check for f in self.fields if f.check)

    @property
    def nested(self) -> tuple[FieldView, ...]:
        return tuple(f for f in self.fields if f.leaf)

    @property
    def timestamps(self) -> tuple[FieldView, ...]:
        return tuple(f for f in self.fields if f.on_read)

    @property
    def aliases(self) -> set[str]:
        """The `_wire` aliases its annotations use."""
        return {a for f in self.fields for a in WIRE_ALIASES if re.search(rf"\b{a}\b", f.annotation)}


def snake(name: str) -> str:
    """CamelCase to snake_case: `DepthEntry` -> `depth_entry`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def fast_expr(t: m.TypeRef, wire: str, optional: bool) -> str:
    """The field read from `raw` on the common path, where a failure is retried on the checked one.

    Strings, integers and decimals, most fields of most answers, are read inline when they have
    the usual wire type (a call per field was most of the cost of reading a stream message);
    the converter handles the rest, and decimals are read inline from a string or a Decimal.
    `int()` of a bad string raises ValueError and `Decimal()` an ArithmeticError, which the
    common path catches like ShapeError.
    """
    get = f"raw.get({wire!r})" if optional else f"raw[{wire!r}]"
    none = f"(v := {get}) is None or " if optional else ""
    bind = "v" if optional else f"v := {get}"
    if t.kind == "scalar" and t.name == "string":
        return f"(v if {none}type({bind}) is str else _parse.to_str(v))"
    if t.kind == "scalar" and t.name == "integer":
        return f"(v if {none}type({bind}) is int else int(v) if type(v) is str else _parse.to_int(v))"
    if t.kind == "scalar" and t.name == "decimal":  # a Decimal already (a JSON float), or a string
        # the same bounds as `_parse.to_decimal`: finite, exponent within ±MAX_EXPONENT
        bounded = "-_parse.MAX_EXPONENT <= {0}.adjusted() <= _parse.MAX_EXPONENT"
        return (
            f"(v if {none}(type({bind}) is Decimal and v.is_finite() and {bounded.format('v')}) "
            f"else d if type(v) is str and (d := Decimal(v)).is_finite() and {bounded.format('d')} "
            "else _parse.to_decimal(v))"
        )
    if optional:  # absent or null is common: no call for it
        return f"(None if (v := {get}) is None else {converter(t)}(v))"
    return f"{converter(t)}({get})"


def model_view(model: m.Model) -> ModelView:
    fields = []
    # Required fields first, as the catalogue's order of most answers reads; all are keyword-only.
    for f in sorted(model.fields, key=lambda f: f.optional):
        ann = annotation(f.type)
        wire_ann = wire_annotation(f.type)
        accessor = "_parse.field_opt" if f.optional else "_parse.field"
        timestamp = f.type.kind == "scalar" and f.type.name in ("timestamp", "timestamp_us")
        fields.append(
            FieldView(
                wire=f.wire,
                name=f.python,
                annotation=optional_annotation(f.type, wire_ann) if f.optional else wire_ann,
                public_annotation=f"{ann} | None" if f.optional else ann,
                default=" = None" if f.optional else "",
                getter=f"{accessor}(d, {f.wire!r}, {converter(f.type)})",
                fast=fast_expr(f.type, f.wire, f.optional),
                doc=f"{f.python}: {f.description}" if f.description else "",
                check=field_check(f.type, f.optional, f"self.{f.python}"),
                leaf=_leaf(f.type),
                on_read=("SECONDS" if f.type.name == "timestamp" else "MICROSECONDS") if timestamp else None,
            )
        )
    doc_parts = [model.description or f"{model.name}."]
    field_docs = [fv.doc for fv in fields if fv.doc]
    if field_docs:
        doc_parts.append("Attributes:\n" + "\n".join("    " + d for d in field_docs))
    renamed = {f.python: f.wire for f in model.fields if f.python != f.wire}
    return ModelView(
        name=model.name,
        doc=docstring(*doc_parts),
        fields=tuple(fields),
        wire_names=repr(tuple(f.wire for f in model.fields)),
        rename=f", rename={renamed!r}" if renamed else "",
    )


# -- endpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamView:
    name: str
    annotation: str
    default: str
    required: bool
    wire: str
    encode: str  # expression giving the wire string
    doc: str


@dataclass(frozen=True)
class EndpointView:
    name: str
    const: str  # the Endpoint constant in _endpoints.py
    spec: str  # the Endpoint(...) constructor expression
    doc: str
    params: tuple[ParamView, ...]  # wire params (query/body), in catalogue order
    signature: tuple[str, ...]  # keyword-only parameters of the method
    path_expr: str
    return_annotation: str
    return_doc: str  # the same without the module prefix, for the reference doc
    parse_expr: str
    reader: str  # the name of its `Reader` in the version module
    summary: str  # one line for the reference doc
    endpoint: m.Endpoint


def _money_encode(p: m.Param, e: m.Endpoint | m.StreamCall, catalogue: m.Catalogue) -> str:
    unit = p.unit
    assert unit is not None
    assert p.encoding is not None
    fn = "_encode.money_int" if p.encoding == "int" else "_encode.money_decimal"
    if unit.kind == "fixed":
        assert unit.currency is not None
        decimals, code = str(catalogue.currencies[unit.currency].decimals), repr(unit.currency)
    elif unit.kind == "quote":
        pair = next(q.python for q in e.params if q.type == "pair")
        code = f"QUOTE[{pair}]"
        decimals = f"DECIMALS[{code}]"
    else:
        assert unit.param is not None
        ref = next(q for q in e.params if q.wire == unit.param)
        chosen = f"{ref.python} or {unit.default!r}" if unit.default else ref.python
        # Checked here too: the currency parameter may come after this one in the catalogue.
        code = f"_encode.choice({chosen}, CURRENCIES, {ref.python!r})"
        decimals = f"DECIMALS[{code}]"
    args = [p.python, decimals, repr(p.python), code]
    if p.minimum is not None:
        args.append(f"minimum={p.minimum!r}")
    if p.maximum is not None:
        args.append(f"maximum={p.maximum!r}")
    return f"{fn}({', '.join(args)})"


def _encode(p: m.Param, e: m.Endpoint | m.StreamCall, catalogue: m.Catalogue) -> str:
    name, label = p.python, repr(p.python)
    if p.type == "string":
        return f"_encode.string({name}, {label})"
    if p.type == "boolean":
        return f"_encode.boolean({name}, {label})"
    if p.type == "integer":
        bounds = "".join(f", {k}={v}" for k, v in (("minimum", p.minimum), ("maximum", p.maximum)) if v is not None)
        return f"_encode.integer({name}, {label}{bounds})"
    if p.type == "enum":
        return f"_encode.choice({name}, {p.values!r}, {label})"
    if p.type == "pair":
        return f"_encode.choice({name}, PAIRS, {label})"
    if p.type == "currency":
        return f"_encode.choice({name}, CURRENCIES, {label})"
    if p.type == "money":
        return _money_encode(p, e, catalogue)
    raise AssertionError(p.type)


def _param_annotation(p: m.Param) -> str:
    if p.type == "enum":
        return "Literal[" + ", ".join(repr(v) for v in p.values) + "]"
    return {
        "string": "str",
        "integer": "int",
        "boolean": "bool",
        "money": "Decimal | int",
        "pair": "Pair",
        "currency": "Currency",
    }[p.type]


def param_text(p: m.Param, catalogue: m.Catalogue) -> str:
    """What a parameter means and how it is sent, one sentence without the final stop (docstrings, CLI help)."""
    bits = [p.description.rstrip(".")] if p.description else []
    if p.type == "money" and p.unit is not None:
        unit = p.unit
        where = (
            unit.currency
            if unit.kind == "fixed"
            else "the pair's quote currency"
            if unit.kind == "quote"
            else f"the currency given by {unit.param}" + (f" (default {unit.default})" if unit.default else "")
        )
        wire = f"sent as {p.wire} in integer units" if p.encoding == "int" else f"sent as {p.wire}, a decimal"
        bits.append(f"in {where}, {wire}")
        if p.minimum is not None:
            bits.append(f"at least {p.minimum}")
    elif p.type == "pair":
        bits.append(f"A catalogued pair such as {next(iter(catalogue.pairs))!r}")
    elif p.wire != p.python:
        bits.append(f"sent as {p.wire}")
    return "; ".join(bits) or p.wire


def _param_doc(p: m.Param, catalogue: m.Catalogue) -> str:
    return f"{p.python}: {param_text(p, catalogue)}."


def spec_expr(e: m.Endpoint, catalogue: m.Catalogue) -> str:
    auth = {"none": "none", "body": "body_hmac", "path_nul_body": "path_body_hmac"}[
        catalogue.auth_styles[e.auth].message
    ]
    return (
        f"Endpoint(version={e.version.number}, name={e.name!r}, http_method={e.http_method!r}, "
        f"auth={auth!r}, idempotent={e.idempotent}, response_format={e.response_format!r}, "
        f"cacheable={e.cacheable})"
    )


def endpoint_facts(e: m.Endpoint) -> str:
    """HTTP method and path, signing and rights, retry behaviour, knowledge: one sentence."""
    facts = [
        f"{e.http_method} {e.version.prefix}{e.path}",
        "public"
        if not e.signed
        else f"signed ({e.auth})" + (f", key right: {' or '.join(e.rights)}" if e.rights else ""),
        "idempotent, retried on failure" if e.idempotent else "not idempotent, never retried once sent",
    ]
    if e.knowledge == "name_only":
        facts.append("known by name only: the response is returned as decoded JSON")
    elif e.knowledge == "partial":
        facts.append("partly documented")
    return "; ".join(facts) + "."


def param_views(
    owner: m.Endpoint | m.StreamCall, params: tuple[m.Param, ...], catalogue: m.Catalogue
) -> tuple[tuple[ParamView, ...], tuple[str, ...]]:
    """The parameters of an HTTP method or a stream call, and its keyword signature (required first)."""
    views = tuple(
        ParamView(
            name=p.python,
            annotation=_param_annotation(p),
            default="" if p.required else " = None",
            required=p.required,
            wire=p.wire,
            encode=_encode(p, owner, catalogue),
            doc=_param_doc(p, catalogue),
        )
        for p in params
    )
    signature = tuple(
        f"{pv.name}: {pv.annotation}" if pv.required else f"{pv.name}: {pv.annotation} | None = None"
        for pv in sorted(views, key=lambda pv: not pv.required)
    )
    return views, signature


def endpoint_view(e: m.Endpoint, catalogue: m.Catalogue) -> EndpointView:
    params, signature = param_views(e, e.params, catalogue)
    # The path: placeholders become validated parameters, the rest stays literal text.
    path_expr = repr(e.path)
    if e.path_params:
        text = e.path
        for name in placeholders(e.path):
            pv = next(pv for pv in params if pv.wire == name)
            text = text.replace("{" + name + "}", "{" + pv.encode.replace("'", '"') + "}")
        path_expr = "f" + repr(text)
    returns = annotation(e.returns, "types.")
    sections = [e.description]
    if params:
        sections.append("Args:\n" + "\n".join("    " + pv.doc for pv in params))
    sections.append(endpoint_facts(e))
    if e.note:
        sections.append(f"Note: {e.note}")
    const = f"{e.version.key.upper()}_{e.name.upper()}"
    return EndpointView(
        name=e.name,
        const=const,
        spec=spec_expr(e, catalogue),
        doc=docstring(*sections, indent=8),
        params=tuple(pv for pv in params if pv.wire not in {p.wire for p in e.path_params}),
        signature=signature,
        path_expr=path_expr,
        return_annotation=returns,
        return_doc=annotation(e.returns),
        parse_expr=converter(e.returns, "types."),
        reader=reader_name(e.returns),
        summary=e.description,
        endpoint=e,
    )


@dataclass(frozen=True)
class ReaderView:
    name: str
    wire_type: str  # the payload's type for the one-pass decoder, or "None" (the checked path only)
    converter: str  # the checked reader over decoded JSON


def reader_name(t: m.TypeRef) -> str:
    """`_DEPTH`, `_LIST_OF_TRADE`, `_MAP_OF_WALLET`, `_ANY`: one per answer type of a version."""
    if t.kind in ("list", "map"):
        assert t.item is not None
        return f"_{t.kind.upper()}_OF{reader_name(t.item)}"
    return "_" + snake(t.name).upper()


def reader_type(t: m.TypeRef) -> str | None:
    """The type a whole answer is decoded as in one pass, or None when a scalar outside any model
    would need the checks a model makes (an integer, a decimal, a timestamp)."""
    if t.kind == "model" or (t.kind == "scalar" and t.name == "money"):
        return "types." + t.name if t.kind == "model" else "types.Money"
    if t.kind == "scalar":
        return {"string": "str", "any": "Any"}.get(t.name)
    assert t.item is not None
    inner = reader_type(t.item)
    if inner is None:
        return None
    return f"list[{inner}]" if t.kind == "list" else f"dict[str, {inner}]"


@dataclass(frozen=True)
class VersionView:
    key: str
    number: int
    class_name: str  # V2
    doc: str
    endpoints: tuple[EndpointView, ...]

    @property
    def readers(self) -> tuple[ReaderView, ...]:
        """The Reader of each answer type its methods return, once each."""
        out: dict[str, ReaderView] = {}
        for ev in self.endpoints:
            t = ev.endpoint.returns
            out.setdefault(ev.reader, ReaderView(ev.reader, reader_type(t) or "None", converter(t, "types.")))
        return tuple(out.values())

    @property
    def needs(self) -> set[str]:
        """Names the version module imports from _catalogue and typing."""
        out: set[str] = set()
        for ev in self.endpoints:
            for p in ev.endpoint.params:
                out.add({"pair": "Pair", "currency": "Currency"}.get(p.type, ""))
                if p.type == "pair":
                    out.add("PAIRS")
                if p.type == "currency":
                    out.add("CURRENCIES")
                if p.type == "enum":
                    out.add("Literal")
                if p.type == "money":
                    out.add("Decimal")
                    if p.unit and p.unit.kind != "fixed":
                        out.add("DECIMALS")
                    if p.unit and p.unit.kind == "param":
                        out.add("CURRENCIES")
                    if p.unit and p.unit.kind == "quote":
                        out.add("QUOTE")
            if uses_scalar(ev.endpoint.returns, {"any"}):
                out.add("Any")
        out.discard("")
        return out


def version_views(catalogue: m.Catalogue) -> list[VersionView]:
    out = []
    for key, version in sorted(catalogue.versions.items(), key=lambda kv: kv[1].number):
        endpoints = tuple(endpoint_view(e, catalogue) for e in catalogue.endpoints_of(key))
        out.append(
            VersionView(
                key=key,
                number=version.number,
                class_name=key.upper(),
                doc=docstring(
                    f"Version {version.number} of the {catalogue.api.name} API: {len(endpoints)} methods.",
                    version.description,
                ),
                endpoints=endpoints,
            )
        )
    return out
