"""The API-wide sections of a catalogue: `api`, `auth` (signing styles) and `versions`."""

from __future__ import annotations

import re
from typing import cast, get_args

from . import model as m
from .checker import WIRE_NAME, Scope
from .naming import package_problem
from .yaml_nodes import Node

_VERSION_KEY = re.compile(r"v(0|[1-9][0-9]*)")
_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9._~\-/]*)?")


def api_section(s: Scope, node: Node) -> m.Api | None:
    c = s.c
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


def auth_section(s: Scope, node: Node) -> tuple[dict[str, m.AuthStyle], int]:
    c = s.c
    f = c.mapping(node, "auth", required=("styles",), optional=("tonce_window_seconds",))
    if f is None:
        return {}, 10
    window = c.integer(f.get("tonce_window_seconds"), "auth.tonce_window_seconds", minimum=1) or 10

    def style(name: str, line: int, value: Node) -> m.AuthStyle | None:
        if not WIRE_NAME.fullmatch(name):
            c.error(line, f"auth style name {name!r} is not a valid name")
            return None
        spec = c.mapping(value, f"auth style {name!r}", required=("message", "http"), optional=("description",))
        if spec is None:
            return None
        message = c.string(spec.get("message"), f"auth style {name!r} message", choices=get_args(m.SignedMessage))
        http = c.boolean(spec.get("http"), f"auth style {name!r} http")
        if message is None or http is None:
            return None
        if http and message == "packed":
            c.error(spec["http"].line, f"auth style {name!r}: packed calls are not HTTP requests; set http: false")
            return None
        return m.AuthStyle(name, cast(m.SignedMessage, message), http, c.text(spec.get("description"), "description"))

    styles = c.each(f.get("styles"), "auth.styles", style)
    return styles, window


def version_def(s: Scope, key: str, line: int, node: Node) -> m.Version | None:
    c = s.c
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
    segments = c.strings(f.get("optional_segments"), f"{key}.optional_segments", pattern=WIRE_NAME)
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
