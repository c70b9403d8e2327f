"""Typed accessors over line-numbered YAML nodes that record problems instead of raising.

Every check module reads its section through a `Checker`, so a catalogue with ten mistakes is
reported with ten `FILE:LINE: what` lines in one run, not one at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from . import model as m
from .errors import Problem
from .yaml_nodes import MapNode, Node, ScalarNode, SeqNode

T = TypeVar("T")

#: Wire names of parameters and auth styles.
WIRE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Control characters, and lone surrogates (valid in YAML escapes, unencodable in a UTF-8 file).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


class Checker:
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
        if CONTROL.search(value):
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


@dataclass
class Scope:
    """What the section checks share: the problem list, and names later sections refer to."""

    c: Checker
    currencies: dict[str, m.Currency] = field(default_factory=dict)
    model_names: set[str] = field(default_factory=set)
