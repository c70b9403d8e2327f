"""Automated mutations of the real `endpoints.yaml`, made on its text with the help of PyYAML's marks.

Each `Mutant` carries the mutated bytes, its category, and what the generator must do:
- `INVALID`: exit 2, printing `endpoints.yaml:LINE: message` lines, writing nothing;
- `HARMLESS`: exit 0 with code whose structure is the original's (only strings differ), which
  compiles and imports (exit 2 is also accepted: refusing odd text is never wrong);
- `EITHER`: exit 2 as above, or exit 0 with code that compiles, holds no injected statement and
  imports (names: a new method name is fine, an injected import is not).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from .support import REPO

INVALID = "invalid"
HARMLESS = "harmless"
EITHER = "either"

ORIGINAL = (REPO / "endpoints.yaml").read_text(encoding="utf-8")

Path = tuple[Any, ...]


@dataclass(frozen=True)
class Mutant:
    category: str
    description: str
    content: bytes
    expect: str
    #: For added string parameters: (version, method, python name) to call with a sentinel value.
    probe: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class Pair:
    path: Path  # the parent mapping's path
    key: str
    key_node: yaml.ScalarNode
    value: yaml.Node
    parent: yaml.MappingNode


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar that decodes to exactly `text` (escapes for anything odd)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        elif code in (0x2028, 0x2029, 0xFEFF) or 0x200B <= code <= 0x200F or 0x202A <= code <= 0x202E:
            out.append(f"\\u{code:04x}")
        elif code > 0xFFFF:
            out.append(f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class Source:
    """The catalogue text and an index of its nodes."""

    def __init__(self, text: str = ORIGINAL) -> None:
        self.text = text
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        assert root is not None
        self.root: yaml.Node = root
        self.pairs: list[Pair] = []
        self._walk(self.root, ())

    def _walk(self, node: yaml.Node, path: Path) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value in node.value:
                key = str(key_node.value)
                self.pairs.append(Pair(path, key, key_node, value, node))
                self._walk(value, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    # -- text positions ---------------------------------------------------------------------------

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        """Just past the newline ending the line that holds `index` (or the text's end)."""
        if index > 0 and self.text[index - 1] == "\n":
            return index
        nl = self.text.find("\n", index)
        return len(self.text) if nl < 0 else nl + 1

    def value_span(self, pair: Pair) -> tuple[int, int]:
        start, end = pair.value.start_mark.index, pair.value.end_mark.index
        while end > start and self.text[end - 1] in "\n ":
            end -= 1
        return start, end

    def pair_span(self, pair: Pair) -> tuple[int, int]:
        """The text of `key: value` (block: whole lines; flow: with one adjacent comma)."""
        start = pair.key_node.start_mark.index
        _, end = self.value_span(pair)
        if pair.parent.flow_style:
            rest = self.text[end:]
            after = re.match(r"\s*,\s*", rest)
            if after:
                return start, end + after.end()
            before = re.search(r",\s*$", self.text[:start])
            return (before.start() if before else start), end
        return self.line_start(start), self.line_end(end)

    def replace(self, start: int, end: int, new: str) -> str:
        return self.text[:start] + new + self.text[end:]

    def select(self, test: Callable[[Pair], bool]) -> list[Pair]:
        return [p for p in self.pairs if test(p)]


def matches(path: Path, *pattern: Any) -> bool:
    """`pattern` items: a str matches that key, `int` any index, `str` (the type) any key."""
    if len(path) != len(pattern):
        return False
    for step, want in zip(path, pattern, strict=True):
        if want is int:
            if not isinstance(step, int):
                return False
        elif want is str:
            if not isinstance(step, str):
                return False
        elif step != want:
            return False
    return True


REQUIRED: list[tuple[tuple[Any, ...], frozenset[str]]] = [
    ((), frozenset({"schema", "api", "auth", "versions", "currencies", "pairs", "endpoints"})),
    (("api",), frozenset({"name", "package", "base_url", "user_agent"})),
    (("auth",), frozenset({"styles"})),
    (("auth", "styles", str), frozenset({"message", "http"})),
    (("versions", str), frozenset({"prefix", "envelope"})),
    (("currencies", str), frozenset({"name", "divisor", "decimals", "display_decimals", "symbol", "symbol_position"})),
    (("pairs",), frozenset({"base", "quote"})),
    (("errors", int), frozenset({"class"})),
    (("models", str), frozenset({"fields"})),
    (("models", str, "fields", str), frozenset({"type"})),
    (("endpoints", str, int), frozenset({"path", "http", "auth", "idempotent", "description", "returns"})),
    (("endpoints", str, int, "params", str), frozenset({"type"})),
]


def is_required(pair: Pair) -> bool:
    return any(matches(pair.path, *pattern) and pair.key in keys for pattern, keys in REQUIRED)


def is_text(pair: Pair) -> bool:
    """Free text: descriptions and notes (the generator puts them in docstrings)."""
    return pair.key in ("description", "note") and isinstance(pair.value, yaml.ScalarNode)


# -- the mutation families ---------------------------------------------------------------------------


def remove_required(src: Source, rng: random.Random) -> Iterator[Mutant]:
    pair = rng.choice(src.select(is_required))
    start, end = src.pair_span(pair)
    where = "/".join(map(str, (*pair.path, pair.key)))
    yield Mutant("remove a required key", where, src.replace(start, end, "").encode(), INVALID)


def duplicate_key(src: Source, rng: random.Random) -> Iterator[Mutant]:
    pair = rng.choice(src.pairs)
    where = "/".join(map(str, (*pair.path, pair.key)))
    if pair.parent.flow_style:
        _, end = src.value_span(pair)
        copy = src.text[pair.key_node.start_mark.index : end]
        yield Mutant("duplicate a key", where, src.replace(end, end, ", " + copy).encode(), INVALID)
    else:
        start, end = src.pair_span(pair)
        yield Mutant("duplicate a key", where, src.replace(end, end, src.text[start:end]).encode(), INVALID)


def _retypes(node: yaml.ScalarNode) -> list[tuple[str, str]]:
    tag = node.tag.rsplit(":", 1)[-1]
    if tag == "int":
        return [("int -> string", f'"{node.value}"'), ("int -> list", f"[{node.value}]"), ("int -> float", "1.5")]
    if tag == "bool":
        return [("bool -> string", f'"{node.value}"'), ("bool -> int", "1"), ("bool -> list", "[true]")]
    if tag == "null":
        return [("null -> mapping", "{a: 1}")]
    return [
        ("string -> list", "[a, b]"),
        ("string -> mapping", "{a: 1}"),
        ("string -> int", "42"),
        ("string -> bool", "true"),
        ("string -> null", "null"),
    ]


def retype(src: Source, rng: random.Random) -> Iterator[Mutant]:
    # Scalars whose type the catalogue fixes (every one of them: keys are checked strictly);
    # a bare `type` shorthand of a model field is left out, as `42` there is refused anyway.
    candidates = src.select(lambda p: isinstance(p.value, yaml.ScalarNode) and p.key != "schema")
    pair = rng.choice(candidates)
    assert isinstance(pair.value, yaml.ScalarNode)
    name, new = rng.choice(_retypes(pair.value))
    start, end = src.value_span(pair)
    where = "/".join(map(str, (*pair.path, pair.key)))
    if name == "string -> null" and pair.path[:1] == ("models",) and len(pair.path) == 3:
        new = "42"  # a field `x: string` set to null would be a field without a type: refused too
    yield Mutant(f"retype ({name})", where, src.replace(start, end, new).encode(), INVALID)


def retype_collection(src: Source, rng: random.Random) -> Iterator[Mutant]:
    candidates = src.select(
        lambda p: (
            isinstance(p.value, yaml.SequenceNode | yaml.MappingNode)
            and bool(p.value.flow_style)
            and bool(p.value.value)
        )
    )
    pair = rng.choice(candidates)
    start, end = src.value_span(pair)
    where = "/".join(map(str, (*pair.path, pair.key)))
    new = "42" if isinstance(pair.value, yaml.SequenceNode) else "[a, b]"
    yield Mutant("retype (collection)", where, src.replace(start, end, new).encode(), INVALID)


def _token_ends(src: Source, kind: type[yaml.Token], style: str | None = None) -> list[int]:
    """Where tokens of a kind end in the text (YAML's own view: quotes inside block text are not tokens)."""
    out = []
    for token in yaml.scan(src.text, Loader=yaml.SafeLoader):
        if isinstance(token, kind) and (style is None or getattr(token, "style", None) == style):
            out.append(token.end_mark.index)
    return out


def break_yaml(src: Source, rng: random.Random) -> Iterator[Mutant]:
    kind = rng.choice(["unclosed bracket", "tab indent", "odd indent", "unclosed quote", "stray colon", "bad byte"])
    block_keys = [p for p in src.pairs if not p.parent.flow_style]
    if kind == "unclosed bracket":
        at = rng.choice(_token_ends(src, yaml.FlowMappingEndToken) + _token_ends(src, yaml.FlowSequenceEndToken))
        text = src.replace(at - 1, at, "")
    elif kind == "unclosed quote":
        at = rng.choice(_token_ends(src, yaml.ScalarToken, style='"'))
        text = src.replace(at - 1, at, "")
    elif kind in ("tab indent", "odd indent"):
        pair = rng.choice([p for p in block_keys if p.key_node.start_mark.column > 0])
        start = pair.key_node.start_mark.index
        at = src.line_start(start)
        if kind == "tab indent":
            text = src.replace(at, start, "\t")
        else:
            text = src.replace(at, at, " ") if rng.random() < 0.5 else src.replace(at, at + 1, "")
    elif kind == "stray colon":
        pair = rng.choice([p for p in block_keys if isinstance(p.value, yaml.ScalarNode) and not p.value.style])
        _, at = src.value_span(pair)
        text = src.replace(at, at, ": x: y")
    else:
        at = src.line_start(rng.randrange(len(src.text)))
        data = src.text[:at].encode() + b"\xff\xfe" + src.text[at:].encode()
        yield Mutant("break the YAML (bad byte)", f"line {src.text.count(chr(10), 0, at) + 1}", data, INVALID)
        return
    yield Mutant(f"break the YAML ({kind})", f"line {src.text.count(chr(10), 0, at) + 1}", text.encode(), INVALID)


_UNKNOWN_REFS: list[tuple[str, Callable[[Pair], bool], list[str]]] = [
    ("model", lambda p: matches(p.path, "endpoints", str, int) and p.key == "returns", ["NoSuchModel", "list[Nope]"]),
    ("model", lambda p: matches(p.path, "models", str, "fields") and isinstance(p.value, yaml.ScalarNode), ["Ghost"]),
    ("auth style", lambda p: matches(p.path, "endpoints", str, int) and p.key == "auth", ["hmac_v3", "packed"]),
    ("http method", lambda p: matches(p.path, "endpoints", str, int) and p.key == "http", ["PUT", "get"]),
    ("format", lambda p: matches(p.path, "endpoints", str, int) and p.key == "format", ["xml"]),
    ("right", lambda p: matches(p.path, "endpoints", str, int) and p.key == "rights", ["[admin]"]),
    ("currency", lambda p: matches(p.path, "endpoints", str, int, "params", str) and p.key == "unit", ["XYZ", "usd"]),
    ("currency param", lambda p: p.key == "unit" and "param:" in str(p.value.value), ["param:nope"]),
    ("param type", lambda p: matches(p.path, "endpoints", str, int, "params", str) and p.key == "type", ["float"]),
    ("error class", lambda p: matches(p.path, "errors", int) and p.key == "class", ["NoSuchError", "Exception"]),
    ("envelope", lambda p: matches(p.path, "versions", str) and p.key == "envelope", ["soap"]),
    ("symbol position", lambda p: matches(p.path, "currencies", str) and p.key == "symbol_position", ["middle"]),
    ("signed message", lambda p: matches(p.path, "auth", "styles", str) and p.key == "message", ["md5"]),
    ("quote currency", lambda p: matches(p.path, "pairs") and p.key == "quote", ["[USD, XYZ]"]),
    ("knowledge", lambda p: matches(p.path, "endpoints", str, int) and p.key == "knowledge", ["rumour"]),
]


def unknown_reference(src: Source, rng: random.Random) -> Iterator[Mutant]:
    what, test, values = rng.choice(_UNKNOWN_REFS)
    pair = rng.choice(src.select(test))
    start, end = src.value_span(pair)
    value = rng.choice(values)
    yield Mutant(f"unknown reference ({what})", f"{value}", src.replace(start, end, value).encode(), INVALID)


def unknown_version(src: Source, rng: random.Random) -> Iterator[Mutant]:
    pair = rng.choice(src.select(lambda p: p.path == ("endpoints",)))
    key = pair.key_node
    text = src.replace(key.start_mark.index, key.end_mark.index, rng.choice(["v7", "v1x", "V2"]))
    yield Mutant("unknown reference (version)", pair.key, text.encode(), INVALID)


#: Text that must come out as text: quotes, backslashes, code, template syntax, odd Unicode.
TEXT_PAYLOADS = [
    '"""',
    "'''",
    'Ends with a quote"',
    'Ends with two quotes""',
    "Ends with a backslash \\",
    'A backslash before a quote \\"""',
    "\\x00 \\N{BULLET} \\u0041 (as written, not as escapes)",
    'Evil."""\nimport os\nos.system("echo pwned")\n"""',
    "x'''\nimport os\n'''",
    "__import__('os').system('echo pwned')",
    "{{ 7 * 7 }} {% for x in y %}{{ x }}{% endfor %} {# comment",
    "${HOME} $(id) `id` %s %(name)s {0}",
    "Ünïcødé ✓ 😀 日本語 ¥€£",
    "right-to-left \u202e override \u202c and zero\u200bwidth",
    "next line \x85 line separator \u2028 paragraph \u2029 end",
    "tab\tseparated\ttext",
    "a very long description " * 2000,
    "# not a comment",
    "- not a list item",
    "\\",
]
#: Text the loader has to refuse (control characters).
BAD_TEXT_PAYLOADS = ["NUL \x00 here", "carriage\rreturn", "bell \x07", "escape \x1b[31m red", "form\x0cfeed"]


def text_injection(src: Source, rng: random.Random) -> Iterator[Mutant]:
    pair = rng.choice(src.select(is_text))
    start, end = src.value_span(pair)
    where = "/".join(map(str, (*pair.path, pair.key)))
    bad = rng.random() < 0.25
    payload = rng.choice(BAD_TEXT_PAYLOADS if bad else TEXT_PAYLOADS)
    yield Mutant(
        "inject into a description" + (" (control characters)" if bad else ""),
        f"{where} <- {payload[:30]!r}",
        src.replace(start, end, yaml_quote(payload)).encode(),
        INVALID if bad else HARMLESS,
    )


#: Names that are refused, or accepted as plain names; never code.
NAME_PAYLOADS = [
    "__init__",
    "__import__",
    "self",
    "timeout",
    "class",
    "def",
    "lambda",
    "None",
    "True",
    "import os",
    "x; import os",
    "os.system('id')",
    "x\nimport os",
    "ñame",
    "naïve",
    "call",
    "with_raw_response",
    "_private",
    "Name",
    "a-b",
    "",
    " ",
    "print",
    "type",
    "match",
    "nonce",
    "x" * 300,
    "1abc",
    "a" + "\u0301",
]
#: Names of the generated code itself (locals, module globals, class attributes): once accepted and
#: harmful (fixed in 519d598; see the regression tests in test_bad_catalogues.py).
SHADOWING_NAMES = ["path", "params", "QUOTE", "DECIMALS", "PAIRS", "CURRENCIES", "FIELDS", "WIRE_NAMES", "ClassVar"]


def _endpoint_items(src: Source) -> list[tuple[str, int, yaml.MappingNode]]:
    out = []
    assert isinstance(src.root, yaml.MappingNode)
    for key, value in src.root.value:
        if key.value == "endpoints":
            for vkey, seq in value.value:
                for i, item in enumerate(seq.value):
                    out.append((vkey.value, i, item))
    return out


def _keys(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {k.value: (k, v) for k, v in node.value}


def endpoint_name(src: Source, rng: random.Random) -> Iterator[Mutant]:
    version, _, item = rng.choice([e for e in _endpoint_items(src) if "name" not in _keys(e[2])])
    path_key = _keys(item)["path"][0]
    indent = " " * (path_key.start_mark.column)
    name = rng.choice(NAME_PAYLOADS)
    line = f"{indent}name: {yaml_quote(name)}\n"
    end = src.line_end(path_key.end_mark.index)
    yield Mutant(
        "inject an endpoint name", f"{version} name={name[:20]!r}", src.replace(end, end, line).encode(), EITHER
    )


_STRING_VALUES = ("symbol", "token", "token_prefix", "message_prefix", "name")


def string_injection(src: Source, rng: random.Random) -> Iterator[Mutant]:
    """Strings that are not docstring text (a symbol, an error token, an enum value) hold odd text."""
    candidates = src.select(
        lambda p: (
            (matches(p.path, "currencies", str) and p.key in ("symbol", "name"))
            or (matches(p.path, "errors", int) and p.key in _STRING_VALUES)
            or (p.key == "values" and isinstance(p.value, yaml.SequenceNode))
        )
    )
    pair = rng.choice(candidates)
    payload = rng.choice(TEXT_PAYLOADS)
    if isinstance(pair.value, yaml.SequenceNode):
        item = pair.value.value[-1]
        start, end = item.start_mark.index, item.end_mark.index
    else:
        start, end = src.value_span(pair)
    where = "/".join(map(str, (*pair.path, pair.key)))
    yield Mutant(
        "inject into a string value",
        f"{where} <- {payload[:30]!r}",
        src.replace(start, end, yaml_quote(payload)).encode(),
        HARMLESS,
    )


def param_name(src: Source, rng: random.Random) -> Iterator[Mutant]:
    """A new string parameter named by the payload (its Python name derived or given)."""
    version, _, item = rng.choice([e for e in _endpoint_items(src) if "params" in _keys(e[2])])
    params_key, params = _keys(item)["params"]
    assert isinstance(params, yaml.MappingNode)
    first_key = params.value[0][0]
    indent = " " * first_key.start_mark.column
    name = rng.choice(NAME_PAYLOADS + SHADOWING_NAMES)
    if rng.random() < 0.5:
        line = f"{indent}{yaml_quote(name)}: {{type: string, description: injected}}\n"
        how = "wire"
    else:
        line = f"{indent}injected_param: {{type: string, python: {yaml_quote(name)}}}\n"
        how = "python"
    at = src.line_start(first_key.start_mark.index)
    path_value = str(_keys(item)["path"][1].value)
    yield Mutant(
        "inject a parameter name",
        f"{version} {path_value} {how}={name[:20]!r}",
        src.replace(at, at, line).encode(),
        EITHER,
    )
    del params_key


def field_name(src: Source, rng: random.Random) -> Iterator[Mutant]:
    fields = src.select(lambda p: matches(p.path, "models", str) and p.key == "fields")
    pair = rng.choice(fields)
    assert isinstance(pair.value, yaml.MappingNode)
    first = pair.value.value[0][0]
    indent = " " * first.start_mark.column
    name = rng.choice(NAME_PAYLOADS + SHADOWING_NAMES)
    if rng.random() < 0.5:
        line = f"{indent}{yaml_quote(name)}: string?\n"
        how = "wire"
    else:
        line = f"{indent}injected_field: {{type: string, optional: true, python: {yaml_quote(name)}}}\n"
        how = "python"
    at = src.line_start(first.start_mark.index)
    yield Mutant(
        "inject a field name", f"{pair.path[1]} {how}={name[:20]!r}", src.replace(at, at, line).encode(), EITHER
    )


def model_name(src: Source, rng: random.Random) -> Iterator[Mutant]:
    models = next(p for p in src.pairs if p.path == () and p.key == "models")
    assert isinstance(models.value, yaml.MappingNode)
    first = models.value.value[0][0]
    name = rng.choice(
        [*NAME_PAYLOADS, *SHADOWING_NAMES, "False", "Money", "Model", "Decimal", "Any", "Ticker2", "Exception"]
    )
    at = src.line_start(first.start_mark.index)
    line = f"  {yaml_quote(name)}:\n    fields: {{a: string}}\n"
    yield Mutant("inject a model name", repr(name[:20]), src.replace(at, at, line).encode(), EITHER)


def package_name(src: Source, rng: random.Random) -> Iterator[Mutant]:
    pair = next(p for p in src.pairs if p.path == ("api",) and p.key == "package")
    start, end = src.value_span(pair)
    bad = rng.random() < 0.7
    invalid = [
        "class",
        "mtgox.evil",
        "os; import sys",
        "Mtgox",
        "",
        "1abc",
        "x" * 300,
        "mtgox_runtime",
        "httpx",
        "json",
    ]
    name = rng.choice(invalid if bad else ["__init__", "x" * 60, "mtgox2", "my_exchange"])
    content = src.replace(start, end, yaml_quote(name)).encode()
    yield Mutant("inject a package name", repr(name[:20]), content, INVALID if bad else EITHER)


def odd_but_valid_text(src: Source, rng: random.Random) -> Iterator[Mutant]:
    kind = rng.choice(["crlf", "bom", "trailing spaces", "comment"])
    if kind == "crlf":
        text = src.text.replace("\n", "\r\n")
    elif kind == "bom":
        text = "\ufeff" + src.text
    elif kind == "trailing spaces":
        text = "\n".join(line + "   " if line.strip() else line for line in src.text.split("\n"))
    else:
        text = src.text.replace("\nendpoints:\n", '\n# """ import os """\nendpoints:\n')
    yield Mutant(f"odd but valid text ({kind})", kind, text.encode(), HARMLESS)


FAMILIES: list[tuple[Callable[[Source, random.Random], Iterator[Mutant]], int]] = [
    (remove_required, 6),
    (duplicate_key, 3),
    (retype, 6),
    (retype_collection, 2),
    (break_yaml, 5),
    (unknown_reference, 5),
    (unknown_version, 1),
    (text_injection, 5),
    (string_injection, 2),
    (endpoint_name, 2),
    (param_name, 3),
    (field_name, 2),
    (model_name, 2),
    (package_name, 1),
    (odd_but_valid_text, 1),
]


def generate(count: int, seed: int) -> list[Mutant]:
    """`count` mutants drawn from every family in proportion to its weight (deterministic)."""
    rng = random.Random(seed)
    src = Source()
    families = [f for f, weight in FAMILIES for _ in range(weight)]
    out: list[Mutant] = []
    # every family at least once, then weighted draws
    for family, _ in FAMILIES:
        out.extend(family(src, rng))
    while len(out) < count:
        out.extend(rng.choice(families)(src, rng))
    return out[:count]


def describe(mutant: Mutant) -> str:
    return f"{mutant.category}: {mutant.description}"


def as_json(mutant: Mutant) -> str:
    return json.dumps({"category": mutant.category, "description": mutant.description, "expect": mutant.expect})
