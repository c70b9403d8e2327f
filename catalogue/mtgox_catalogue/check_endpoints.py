"""Endpoints: paths and aliases, method names, auth, rights, formats, and what they return."""

from __future__ import annotations

import re
from typing import cast, get_args

from . import model as m
from .check_models import type_ref
from .check_params import params_of
from .checker import Scope
from .naming import is_identifier, method_name, placeholders
from .yaml_nodes import MapNode, Node

_PATH_SEGMENT = re.compile(r"([A-Za-z0-9_.\-]|\{[A-Za-z_][A-Za-z0-9_]*\})+")

#: Attributes of the version namespaces; an endpoint may not take them as its name.
RESERVED_METHOD_NAMES = frozenset({"call", "with_raw_response"})


def endpoints_section(
    s: Scope,
    node: Node | None,
    versions: dict[str, m.Version],
    styles: dict[str, m.AuthStyle],
    pairs: dict[str, m.Pair],
) -> list[m.Endpoint]:
    c = s.c
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
            ep = endpoint_def(s, version, entry, styles, bool(pairs))
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


def endpoint_def(
    s: Scope, version: m.Version, node: Node, styles: dict[str, m.AuthStyle], have_pairs: bool
) -> m.Endpoint | None:
    c = s.c
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
    if not valid_path(s, path, f["path"].line, what):
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
    knowledge = c.string(f.get("knowledge"), f"{what} knowledge", choices=get_args(m.Knowledge), default="documented")
    sandbox = c.string(f.get("sandbox"), f"{what} sandbox", choices=get_args(m.SandboxMode), default="canned")
    params = params_of(s, f.get("params"), path, f["path"].line, http or "GET", what, have_pairs)
    returns = returns_type(s, f.get("returns"), fmt, what)

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
        if not valid_path(s, alias, f["aliases"].line, f"{what} alias"):
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


def valid_path(s: Scope, path: str, line: int, what: str) -> bool:
    if path.startswith("/") or path.endswith("/") or "//" in path:
        s.c.error(line, f"{what}: a path is relative to the version prefix, without leading or trailing /")
        return False
    segments = path.split("/")
    if any(s in (".", "..") for s in segments) or not all(_PATH_SEGMENT.fullmatch(s) for s in segments):
        s.c.error(line, f"{what}: {path!r} may only hold letters, digits, _ . - and {{placeholders}}")
        return False
    return True


def returns_type(s: Scope, node: Node | None, fmt: str | None, what: str) -> m.TypeRef | None:
    text = s.c.string(node, f"{what} returns")
    if text is None or node is None:
        return None
    if text == "text":
        if fmt != "text":
            s.c.error(node.line, f"{what}: returns: text needs format: text")
            return None
        return m.TypeRef("scalar", "string")
    if fmt == "text":
        s.c.error(node.line, f"{what}: format: text returns text")
        return None
    ref = type_ref(s, text, node.line, f"{what} returns")
    if ref is not None and fmt == "csv" and not (ref.kind == "list" and ref.item and ref.item.kind == "model"):
        s.c.error(node.line, f"{what}: format: csv returns list[Model] (one model per row)")
        return None
    return ref
