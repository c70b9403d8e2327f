"""YAML to nodes that remember their line, so every problem can be reported as FILE:LINE.

PyYAML's composer already knows each node's position; this module turns its node graph into
three small node types, refusing what the catalogue never needs and would only hide mistakes:
duplicate keys (YAML keeps the last one silently), non-string keys and merge keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .errors import CatalogueError, Problem

Scalar = str | int | float | bool | None


@dataclass
class Node:
    line: int  # 1-based


@dataclass
class ScalarNode(Node):
    value: Scalar
    #: True when the YAML source quoted the value, so `"1"` stays a string.
    quoted: bool = False


@dataclass
class SeqNode(Node):
    items: list[Node] = field(default_factory=list)


@dataclass
class MapNode(Node):
    #: key -> (line of the key, value node), in source order.
    items: dict[str, tuple[int, Node]] = field(default_factory=dict)


def parse(text: str, filename: str) -> Node:
    """Parse YAML text into line-numbered nodes; raise CatalogueError on any problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise CatalogueError([Problem(filename, line, f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise CatalogueError([Problem(filename, 1, f"YAML error: {exc}")]) from None
    if root is None:
        raise CatalogueError([Problem(filename, 1, "the catalogue is empty")])
    problems: list[Problem] = []
    node = _convert(root, filename, problems, yaml.SafeLoader(""))
    if problems:
        raise CatalogueError(problems)
    return node


def _convert(node: yaml.Node, filename: str, problems: list[Problem], loader: yaml.SafeLoader) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_object(node)
        if not isinstance(value, str | int | float | bool | type(None)):
            problems.append(Problem(filename, line, f"unsupported YAML value of type {type(value).__name__}"))
            value = str(value)
        return ScalarNode(line, value, quoted=node.style in ("'", '"'))
    if isinstance(node, yaml.SequenceNode):
        return SeqNode(line, [_convert(item, filename, problems, loader) for item in node.value])
    assert isinstance(node, yaml.MappingNode)
    out = MapNode(line)
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(Problem(filename, key_line, "merge keys (<<) are not supported in the catalogue"))
            continue
        key = loader.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            problems.append(Problem(filename, key_line, f"keys must be strings, not {key!r}"))
            continue
        if key in out.items:
            first = out.items[key][0]
            problems.append(Problem(filename, key_line, f"duplicate key {key!r} (first at line {first})"))
            continue
        out.items[key] = (key_line, _convert(value_node, filename, problems, loader))
    return out
