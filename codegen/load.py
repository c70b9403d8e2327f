"""Load and validate `endpoints.yaml` into a `Catalogue`.

Every problem found is collected with its line (not only the first), then reported together as
one `CatalogueError`. Validation is strict on purpose: unknown keys, unknown references,
colliding names and anything that could produce invalid or unsafe Python are errors, because
the catalogue is the only input of the generator and a typo must not pass silently.
"""

from __future__ import annotations

import hashlib
import keyword
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal, TypeVar, cast, get_args

from . import model as m
from .errors import CatalogueError, Problem
from .naming import (
    MAX_NAME,
    is_identifier,
    is_snake_name,
    method_name,
    package_problem,
    placeholders,
    python_identifier,
)
from .yamlsrc import MapNode, Node, ScalarNode, SeqNode, parse

T = TypeVar("T")

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_WIRE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATH = re.compile(r"[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*")
_PATH_SEGMENT = re.compile(r"([A-Za-z0-9_.\-]|\{[A-Za-z_][A-Za-z0-9_]*\})+")
_VERSION_KEY = re.compile(r"v(0|[1-9][0-9]*)")
_MODEL_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
# Control characters, and lone surrogates (valid in YAML escapes, unencodable in a UTF-8 file).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9._~\-/]*)?")

#: Names `types.py` defines or imports; a model may not take them.
RESERVED_MODEL_NAMES = frozenset({"Money", "Model", "Any", "ClassVar", "Decimal", "Literal", "Pair", "Currency"})
#: Locals of every generated method; a parameter may not take them.
RESERVED_PARAM_NAMES = frozenset({"self", "timeout", "path", "params", "cached_property", "async_raw", "sync_raw"})
#: Names a model class already has; a field may not take them.
RESERVED_FIELD_NAMES = frozenset({"self", "extra", "from_wire", "to_dict"})
#: Attributes of the version namespaces; an endpoint may not take them as its name.
RESERVED_METHOD_NAMES = frozenset({"call", "with_raw_response"})
#: Wire names the transport adds itself.
RESERVED_WIRE_NAMES = frozenset({"nonce", "tonce"})


class _Checker:
    """Small typed accessors over nodes that record problems instead of raising."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.filename, line, message))

    def mapping(
        self, node: Node, what: str, required: Iterable[str] = (), optional: Iterable[str] = ()
    ) -> dict[str, Node] | None:
        if not isinstance(node, MapNode):
            self.error(node.line, f"{what} must be a mapping")
            return None
        required, optional = tuple(required), tuple(optional)
        allowed = set(required) | set(optional)
        out: dict[str, Node] = {}
        for key, (key_line, value) in node.items.items():
            if key not in allowed:
                hint = f"; expected one of: {', '.join(sorted(allowed))}" if allowed else ""
                self.error(key_line, f"unknown key {key!r} in {what}{hint}")
                continue
            out[key] = value
        for key in required:
            if key not in node.items:
                self.error(node.line, f"{what} is missing required key {key!r}")
        return out

    def scalar(self, node: Node, what: str) -> ScalarNode | None:
        if not isinstance(node, ScalarNode):
            self.error(
                node.line, f"{what} must be a single value, not a {'list' if isinstance(node, SeqNode) else 'mapping'}"
            )
            return None
        return node

    def string(
        self,
        node: Node | None,
        what: str,
        *,
        pattern: re.Pattern[str] | None = None,
        choices: Iterable[str] | None = None,
        default: str | None = None,
    ) -> str | None:
        if node is None:
            return default
        s = self.scalar(node, what)
        if s is None:
            return None
        if not isinstance(s.value, str):
            self.error(node.line, f"{what} must be a string, not {s.value!r} (quote it)")
            return None
        value = s.value
        if _CONTROL.search(value):
            self.error(node.line, f"{what} contains control characters")
            return None
        if choices is not None:
            options = tuple(choices)
            if value not in options:
                self.error(node.line, f"{what} must be one of {', '.join(options)}; got {value!r}")
                return None
        if pattern is not None and not pattern.fullmatch(value):
            self.error(node.line, f"{what} {value!r} is not valid (expected {pattern.pattern})")
            return None
        return value

    def text(self, node: Node | None, what: str, default: str = "") -> str:
        """Free text (descriptions, notes): any string without control characters."""
        value = self.string(node, what)
        return " ".join(value.split()) if value is not None else default

    def boolean(self, node: Node | None, what: str, default: bool | None = None) -> bool | None:
        if node is None:
            return default
        s = self.scalar(node, what)
        if s is None:
            return None
        if not isinstance(s.value, bool):
            self.error(node.line, f"{what} must be true or false, not {s.value!r}")
            return None
        return s.value

    def integer(self, node: Node | None, what: str, minimum: int | None = None) -> int | None:
        if node is None:
            return None
        s = self.scalar(node, what)
        if s is None:
            return None
        if isinstance(s.value, bool) or not isinstance(s.value, int):
            self.error(node.line, f"{what} must be an integer, not {s.value!r}")
            return None
        if minimum is not None and s.value < minimum:
            self.error(node.line, f"{what} must be at least {minimum}, not {s.value}")
            return None
        return s.value

    def sequence(self, node: Node | None, what: str) -> list[Node]:
        if node is None:
            return []
        if not isinstance(node, SeqNode):
            self.error(node.line, f"{what} must be a list")
            return []
        return node.items

    def strings(self, node: Node | None, what: str, **kwargs: object) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        for item in self.sequence(node, what):
            value = self.string(item, f"an item of {what}", **kwargs)  # type: ignore[arg-type]
            if value is None:
                continue
            if value in seen:
                self.error(item.line, f"{value!r} appears twice in {what}")
                continue
            seen.add(value)
            out.append(value)
        return out

    def each(self, node: Node | None, what: str, build: Callable[[str, int, Node], T | None]) -> dict[str, T]:
        """Build every entry of a mapping of named things."""
        out: dict[str, T] = {}
        if node is None:
            return out
        if not isinstance(node, MapNode):
            self.error(node.line, f"{what} must be a mapping")
            return out
        for name, (line, value) in node.items.items():
            built = build(name, line, value)
            if built is not None:
                out[name] = built
        return out


def default_catalogue_path() -> Path:
    """The repository's endpoints.yaml, else the copy an installed wheel carries inside `codegen/`."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "endpoints.yaml", here / "endpoints.yaml"):
        if candidate.is_file():
            return candidate
    return here.parent / "endpoints.yaml"  # missing: load_catalogue says so, with the path


def load_catalogue(path: str | Path) -> m.Catalogue:
    """Read, validate and model a catalogue file. Raises CatalogueError listing every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogueError([Problem(str(path), 0, f"cannot read the catalogue: {exc.strerror}")]) from None
    return load_catalogue_text(raw, filename=path.name, path=str(path))


def load_catalogue_text(raw: bytes, filename: str = "endpoints.yaml", path: str = "endpoints.yaml") -> m.Catalogue:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogueError([Problem(filename, line, "the catalogue is not valid UTF-8")]) from None
    root = parse(text, filename)
    builder = _Builder(_Checker(filename), path, hashlib.sha256(raw).hexdigest())
    catalogue = builder.build(root)
    if builder.c.problems or catalogue is None:
        raise CatalogueError(builder.c.problems or [Problem(filename, 1, "the catalogue is invalid")])
    return catalogue


class _Builder:
    def __init__(self, checker: _Checker, path: str, source_hash: str) -> None:
        self.c = checker
        self.path = path
        self.source_hash = source_hash
        self.currencies: dict[str, m.Currency] = {}
        self.model_names: set[str] = set()

    # -- top level -------------------------------------------------------------------------

    def build(self, root: Node) -> m.Catalogue | None:
        c = self.c
        top = c.mapping(
            root,
            "the catalogue",
            required=("schema", "api", "auth", "versions", "currencies", "pairs", "endpoints"),
            optional=("errors", "models"),
        )
        if top is None:
            return None
        if "schema" in top:
            schema = c.integer(top["schema"], "schema")
            if schema is not None and schema != 1:
                c.error(top["schema"].line, f"unsupported schema {schema}; this generator reads schema 1")
        api = self.api(top["api"]) if "api" in top else None
        styles, window = self.auth(top["auth"]) if "auth" in top else ({}, 10)
        versions = c.each(top.get("versions"), "versions", self.version)
        self.currencies = c.each(top.get("currencies"), "currencies", self.currency)
        pairs = self.pairs(top["pairs"]) if "pairs" in top else {}
        rules = [r for r in (self.error_rule(n) for n in c.sequence(top.get("errors"), "errors")) if r]
        models_node = top.get("models")
        if isinstance(models_node, MapNode):
            self.model_names = set(models_node.items)
        models = c.each(models_node, "models", self.model)
        endpoints = self.endpoints(top.get("endpoints"), versions, styles, pairs)
        if api is None:
            return None
        return m.Catalogue(
            path=self.path,
            source_hash=self.source_hash,
            api=api,
            auth_styles=styles,
            tonce_window_seconds=window,
            versions=versions,
            currencies=self.currencies,
            pairs=pairs,
            error_rules=tuple(rules),
            models=models,
            endpoints=tuple(endpoints),
        )

    def api(self, node: Node) -> m.Api | None:
        c = self.c
        f = c.mapping(
            node, "api", required=("name", "package", "base_url", "user_agent"), optional=("description", "defunct")
        )
        if f is None:
            return None
        name = c.text(f.get("name"), "api.name")
        package = c.string(f.get("package"), "api.package")
        problem = package_problem(package) if package is not None else None
        if problem is not None:
            c.error(f["package"].line, f"api.package: {problem}")
            package = None
        base_url = c.string(f.get("base_url"), "api.base_url", pattern=_URL)
        user_agent = c.string(f.get("user_agent"), "api.user_agent", pattern=re.compile(r"[A-Za-z0-9._\-]+"))
        if None in (package, base_url, user_agent):
            return None
        return m.Api(
            name=name,
            package=cast(str, package),
            base_url=cast(str, base_url),
            user_agent=cast(str, user_agent),
            description=c.text(f.get("description"), "api.description"),
            defunct=c.text(f.get("defunct"), "api.defunct") or None,
        )

    def auth(self, node: Node) -> tuple[dict[str, m.AuthStyle], int]:
        c = self.c
        f = c.mapping(node, "auth", required=("styles",), optional=("tonce_window_seconds",))
        if f is None:
            return {}, 10
        window = c.integer(f.get("tonce_window_seconds"), "auth.tonce_window_seconds", minimum=1) or 10

        def style(name: str, line: int, value: Node) -> m.AuthStyle | None:
            if not _WIRE_NAME.fullmatch(name):
                c.error(line, f"auth style name {name!r} is not a valid name")
                return None
            s = c.mapping(value, f"auth style {name!r}", required=("message", "http"), optional=("description",))
            if s is None:
                return None
            message = c.string(s.get("message"), f"auth style {name!r} message", choices=get_args(m.SignedMessage))
            http = c.boolean(s.get("http"), f"auth style {name!r} http")
            if message is None or http is None:
                return None
            if http and message == "packed":
                c.error(s["http"].line, f"auth style {name!r}: packed calls are not HTTP requests; set http: false")
                return None
            return m.AuthStyle(name, cast(m.SignedMessage, message), http, c.text(s.get("description"), "description"))

        styles = c.each(f.get("styles"), "auth.styles", style)
        return styles, window

    def version(self, key: str, line: int, node: Node) -> m.Version | None:
        c = self.c
        if not _VERSION_KEY.fullmatch(key):
            c.error(line, f"version key {key!r} must look like v0, v1, v2")
            return None
        f = c.mapping(
            node, f"version {key}", required=("prefix", "envelope"), optional=("optional_segments", "description")
        )
        if f is None:
            return None
        prefix = c.string(f.get("prefix"), f"{key}.prefix", pattern=re.compile(r"[A-Za-z0-9_.\-]+/"))
        envelope = c.string(f.get("envelope"), f"{key}.envelope", choices=get_args(m.Envelope))
        segments = c.strings(f.get("optional_segments"), f"{key}.optional_segments", pattern=_WIRE_NAME)
        if prefix is None or envelope is None:
            return None
        return m.Version(
            key=key,
            number=int(key[1:]),
            prefix=prefix,
            envelope=cast(m.Envelope, envelope),
            optional_segments=tuple(segments),
            description=c.text(f.get("description"), f"{key}.description"),
        )

    def currency(self, code: str, line: int, node: Node) -> m.Currency | None:
        c = self.c
        if not _CURRENCY_CODE.fullmatch(code):
            c.error(line, f"currency code {code!r} must be three capital letters")
            return None
        f = c.mapping(
            node,
            f"currency {code}",
            required=("name", "divisor", "decimals", "display_decimals", "symbol", "symbol_position"),
            optional=("virtual",),
        )
        if f is None:
            return None
        divisor = c.integer(f.get("divisor"), f"{code}.divisor", minimum=1)
        decimals = c.integer(f.get("decimals"), f"{code}.decimals", minimum=0)
        display = c.integer(f.get("display_decimals"), f"{code}.display_decimals", minimum=0)
        symbol = c.string(f.get("symbol"), f"{code}.symbol")
        position = c.string(f.get("symbol_position"), f"{code}.symbol_position", choices=("before", "after"))
        virtual = c.boolean(f.get("virtual"), f"{code}.virtual", default=False)
        if divisor is None or decimals is None or display is None or None in (symbol, position, virtual):
            return None
        if divisor != 10**decimals:
            c.error(f["divisor"].line, f"{code}: divisor {divisor} must be 10 ** decimals ({10**decimals})")
            return None
        if display > decimals:
            c.error(f["display_decimals"].line, f"{code}: display_decimals {display} exceeds decimals {decimals}")
            return None
        return m.Currency(
            code=code,
            name=c.text(f.get("name"), f"{code}.name"),
            divisor=divisor,
            decimals=decimals,
            display_decimals=display,
            symbol=cast(str, symbol),
            symbol_position=cast(m.SymbolPosition, position),
            virtual=bool(virtual),
        )

    def currency_ref(self, node: Node | None, what: str) -> str | None:
        code = self.c.string(node, what)
        if code is None or node is None:
            return None
        if code not in self.currencies:
            self.c.error(node.line, f"{what}: unknown currency {code!r} (not in currencies)")
            return None
        return code

    def pairs(self, node: Node) -> dict[str, m.Pair]:
        c = self.c
        f = c.mapping(node, "pairs", required=("base", "quote"))
        if f is None:
            return {}
        bases = [self.currency_ref(n, "pairs.base") for n in c.sequence(f.get("base"), "pairs.base")]
        quotes = [self.currency_ref(n, "pairs.quote") for n in c.sequence(f.get("quote"), "pairs.quote")]
        out: dict[str, m.Pair] = {}
        for base in filter(None, bases):
            for quote in filter(None, quotes):
                if base == quote:
                    c.error(f["quote"].line, f"pair {base}{quote} trades a currency against itself")
                    continue
                code = base + quote
                if code in out:
                    c.error(f["quote"].line, f"pair {code} is listed twice")
                out[code] = m.Pair(code, base, quote)
        if not out:
            c.error(node.line, "pairs: at least one base and one quote currency are needed")
        return out

    def error_rule(self, node: Node) -> m.ErrorRule | None:
        c = self.c
        f = c.mapping(
            node,
            "an error rule",
            required=("class",),
            optional=("token", "token_prefix", "message_prefix", "status", "description"),
        )
        if f is None:
            return None
        # The runtime's exception classes; kept here as names so codegen does not import the runtime.
        classes = (
            "APIError",
            "AuthenticationError",
            "NonceError",
            "PermissionDeniedError",
            "InsufficientFundsError",
            "OrderNotFoundError",
            "RateLimitedError",
            "ServerError",
        )
        cls = c.string(f.get("class"), "error rule class", choices=classes)
        matchers = [k for k in ("token", "token_prefix", "message_prefix", "status") if k in f]
        if not matchers:
            c.error(node.line, "an error rule needs at least one of token, token_prefix, message_prefix, status")
            return None
        status = c.integer(f.get("status"), "error rule status", minimum=100)
        if cls is None:
            return None
        return m.ErrorRule(
            error_class=cls,
            token=c.string(f.get("token"), "token"),
            token_prefix=c.string(f.get("token_prefix"), "token_prefix"),
            message_prefix=c.string(f.get("message_prefix"), "message_prefix"),
            status=status,
            description=c.text(f.get("description"), "description"),
        )

    # -- types and models ------------------------------------------------------------------

    def type_ref(self, text: str, line: int, what: str) -> m.TypeRef | None:
        text = text.strip()
        kinds: tuple[Literal["list"], Literal["map"]] = ("list", "map")
        for kind in kinds:
            if text.startswith(kind + "[") and text.endswith("]"):
                item = self.type_ref(text[len(kind) + 1 : -1], line, what)
                return m.TypeRef(kind, item=item) if item else None
        if text in m.SCALAR_FIELD_TYPES:
            return m.TypeRef("scalar", text)
        if _MODEL_NAME.fullmatch(text) and text in self.model_names:
            return m.TypeRef("model", text)
        known = ", ".join(m.SCALAR_FIELD_TYPES)
        self.c.error(line, f"{what}: unknown type {text!r} (a model name, list[T], map[T] or one of: {known})")
        return None

    def model(self, name: str, line: int, node: Node) -> m.Model | None:
        c = self.c
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
            built = self.field(name, wire, fline, fnode)
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

    def field(self, model: str, wire: str, line: int, node: Node) -> m.Field | None:
        c = self.c
        what = f"field {model}.{wire}"
        if _CONTROL.search(wire) or not wire or '"' in wire or "\\" in wire:
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
        type_ref = self.type_ref(type_text.rstrip("?"), node.line, what)
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
        if type_ref is None:
            return None
        return m.Field(wire, python, type_ref, optional, c.text(spec.get("description"), f"{what} description"), line)

    # -- endpoints -------------------------------------------------------------------------

    def endpoints(
        self,
        node: Node | None,
        versions: dict[str, m.Version],
        styles: dict[str, m.AuthStyle],
        pairs: dict[str, m.Pair],
    ) -> list[m.Endpoint]:
        c = self.c
        out: list[m.Endpoint] = []
        if node is None:
            return out
        if not isinstance(node, MapNode):
            c.error(node.line, "endpoints must be a mapping of version key to a list of endpoints")
            return out
        for key, (line, entries) in node.items.items():
            version = versions.get(key)
            if version is None:
                c.error(line, f"endpoints: unknown version {key!r} (not in versions)")
                continue
            names: dict[str, int] = {}
            paths: dict[str, int] = {}
            for entry in c.sequence(entries, f"endpoints.{key}"):
                ep = self.endpoint(version, entry, styles, bool(pairs))
                if ep is None:
                    continue
                if ep.name in names:
                    c.error(
                        ep.line,
                        f"{key}: method name {ep.name!r} is also the name of the endpoint at line "
                        f"{names[ep.name]}; give one of them a `name:`",
                    )
                    continue
                for p in (ep.path, *ep.aliases):
                    norm = p.lower()
                    if norm in paths:
                        c.error(ep.line, f"{key}: path {p!r} is already served by the endpoint at line {paths[norm]}")
                    paths[norm] = ep.line
                names[ep.name] = ep.line
                out.append(ep)
        return out

    def endpoint(
        self, version: m.Version, node: Node, styles: dict[str, m.AuthStyle], have_pairs: bool
    ) -> m.Endpoint | None:
        c = self.c
        f = c.mapping(
            node,
            "an endpoint",
            required=("path", "http", "auth", "idempotent", "description", "returns"),
            optional=("name", "params", "rights", "format", "aliases", "knowledge", "sandbox", "note"),
        )
        if f is None:
            return None
        path = c.string(f.get("path"), "path")
        if path is None:
            return None
        what = f"{version.key} endpoint {path!r}"
        if not self.valid_path(path, f["path"].line, what):
            return None
        http = c.string(f.get("http"), f"{what} http", choices=("GET", "POST"))
        auth = c.string(f.get("auth"), f"{what} auth", choices=tuple(styles) or None)
        if auth is not None and not styles[auth].http:
            c.error(f["auth"].line, f"{what}: auth style {auth!r} is not usable over HTTP")
            auth = None
        signed = auth is not None and styles[auth].message != "none"
        if signed and http == "GET":
            c.error(f["http"].line, f"{what}: a signed call must be a POST (the signature covers the form body)")
        idempotent = c.boolean(f.get("idempotent"), f"{what} idempotent")
        rights = c.strings(f.get("rights"), f"{what} rights", choices=m.RIGHTS)
        if rights and not signed and auth is not None:
            c.error(f["rights"].line, f"{what}: a public call cannot require key rights")
        fmt = c.string(f.get("format"), f"{what} format", choices=get_args(m.ResponseFormat), default="json")
        knowledge = c.string(
            f.get("knowledge"), f"{what} knowledge", choices=get_args(m.Knowledge), default="documented"
        )
        sandbox = c.string(f.get("sandbox"), f"{what} sandbox", choices=get_args(m.SandboxMode), default="canned")
        params = self.params(f.get("params"), path, f["path"].line, http or "GET", what, have_pairs)
        returns = self.returns(f.get("returns"), fmt, what)

        name_node = f.get("name")
        if name_node is not None:
            name = c.string(name_node, f"{what} name")
            if name is not None and (not is_identifier(name) or name.startswith("_") or name != name.lower()):
                c.error(name_node.line, f"{what}: name {name!r} must be a lower-case Python identifier")
                name = None
        else:
            name = method_name(version.key, path)
            if not is_identifier(name):
                c.error(f["path"].line, f"{what}: the naming rule gives {name!r}, not a Python name; set `name:`")
                name = None
        if name in RESERVED_METHOD_NAMES:
            c.error(f["path"].line, f"{what}: the method name {name!r} is reserved; set another `name:`")
            name = None

        aliases = c.strings(f.get("aliases"), f"{what} aliases")
        for alias in aliases:
            if not self.valid_path(alias, f["aliases"].line, f"{what} alias"):
                continue
            # An alias may add a pair the server ignores (v2: `BTCUSD/money/info` for `money/info`).
            extra = set(placeholders(alias)) - set(placeholders(path))
            if not set(placeholders(path)) <= set(placeholders(alias)) or extra - {"pair"}:
                c.error(
                    f["aliases"].line,
                    f"{what}: alias {alias!r} must have the path's placeholders (and may add only {{pair}})",
                )
        if None in (http, auth, idempotent, fmt, knowledge, sandbox, params, returns, name):
            return None
        return m.Endpoint(
            version=version,
            path=path,
            name=cast(str, name),
            http_method=cast(m.HttpMethod, http),
            auth=cast(str, auth),
            idempotent=bool(idempotent),
            description=c.text(f.get("description"), f"{what} description"),
            params=tuple(cast(list[m.Param], params)),
            returns=cast(m.TypeRef, returns),
            response_format=cast(m.ResponseFormat, fmt),
            aliases=tuple(aliases),
            knowledge=cast(m.Knowledge, knowledge),
            sandbox=cast(m.SandboxMode, sandbox),
            rights=tuple(rights),
            note=c.text(f.get("note"), f"{what} note"),
            line=node.line,
        )

    def valid_path(self, path: str, line: int, what: str) -> bool:
        if path.startswith("/") or path.endswith("/") or "//" in path:
            self.c.error(line, f"{what}: a path is relative to the version prefix, without leading or trailing /")
            return False
        segments = path.split("/")
        if any(s in (".", "..") for s in segments) or not all(_PATH_SEGMENT.fullmatch(s) for s in segments):
            self.c.error(line, f"{what}: {path!r} may only hold letters, digits, _ . - and {{placeholders}}")
            return False
        return True

    def returns(self, node: Node | None, fmt: str | None, what: str) -> m.TypeRef | None:
        text = self.c.string(node, f"{what} returns")
        if text is None or node is None:
            return None
        if text == "text":
            if fmt != "text":
                self.c.error(node.line, f"{what}: returns: text needs format: text")
                return None
            return m.TypeRef("scalar", "string")
        if fmt == "text":
            self.c.error(node.line, f"{what}: format: text returns text")
            return None
        ref = self.type_ref(text, node.line, f"{what} returns")
        if ref is not None and fmt == "csv" and not (ref.kind == "list" and ref.item and ref.item.kind == "model"):
            self.c.error(node.line, f"{what}: format: csv returns list[Model] (one model per row)")
            return None
        return ref

    def params(
        self, node: Node | None, path: str, path_line: int, http: str, what: str, have_pairs: bool
    ) -> list[m.Param] | None:
        c = self.c
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
            p = self.param(wire, line, pnode, path, http, what, types_by_wire, items)
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

    def param(
        self,
        wire: str,
        line: int,
        node: Node,
        path: str,
        http: str,
        what: str,
        types_by_wire: dict[str, str],
        siblings: dict[str, tuple[int, Node]],
    ) -> m.Param | None:
        c = self.c
        where = f"{what} parameter {wire!r}"
        if not _WIRE_NAME.fullmatch(wire):
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
            unit = self.money_unit(f, where, types_by_wire, siblings)
            if encoding is None or unit is None:
                if "encoding" not in f:
                    c.error(node.line, f"{where}: a money parameter needs encoding: int or decimal")
                return None
            minimum = self.decimal_text(f.get("minimum"), f"{where} minimum")
            maximum = self.decimal_text(f.get("maximum"), f"{where} maximum")
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
        self, f: dict[str, Node], where: str, types_by_wire: dict[str, str], siblings: dict[str, tuple[int, Node]]
    ) -> m.MoneyUnit | None:
        c = self.c
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
            default = self.currency_ref(default_node, f"{where} unit_default") if default_node else None
            if not ref_required and default is None:
                c.error(node.line, f"{where}: {ref!r} is optional, so unit_default must say which currency applies")
                return None
            return m.MoneyUnit("param", param=ref, default=default)
        code = self.currency_ref(node, f"{where} unit")
        if default_node is not None:
            c.error(default_node.line, f"{where}: unit_default only goes with unit: param:NAME")
        return m.MoneyUnit("fixed", currency=code) if code else None

    def decimal_text(self, node: Node | None, what: str) -> str | None:
        if node is None:
            return None
        s = self.c.scalar(node, what)
        if s is None:
            return None
        if not isinstance(s.value, str):
            self.c.error(node.line, f'{what} must be a quoted decimal string like "0.01", not {s.value!r}')
            return None
        try:
            d = Decimal(s.value)
        except InvalidOperation:
            self.c.error(node.line, f"{what}: {s.value!r} is not a decimal number")
            return None
        if not d.is_finite() or d < 0:
            self.c.error(node.line, f"{what}: {s.value!r} must be a finite, non-negative number")
            return None
        return s.value
