"""Names users can predict: method names from paths, Python names from wire names."""

from __future__ import annotations

import keyword
import re
import sys

#: Path segments left out of method names, per version key.
DROPPED_SEGMENTS: dict[str, frozenset[str]] = {
    "v0": frozenset({"data"}),
    "v1": frozenset({"generic", "public", "private"}),
    "v2": frozenset({"money"}),
}

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")


def snake_case(name: str) -> str:
    """`getFunds` -> `get_funds`, `buyBTC` -> `buy_btc`, `Monthly_Withdraw_Limit` -> `monthly_withdraw_limit`."""
    name = _CAMEL_1.sub(r"\1_\2", name)
    name = _CAMEL_2.sub(r"\1_\2", name)
    name = _NOT_WORD.sub("_", name)
    return re.sub(r"_+", "_", name).strip("_").lower()


def method_name(version_key: str, path: str) -> str:
    """The rule: the path in snake_case, without `.php`, placeholders and the version's dropped segments."""
    dropped = DROPPED_SEGMENTS.get(version_key, frozenset())
    parts = []
    for segment in path.split("/"):
        if segment.endswith(".php"):
            segment = segment[: -len(".php")]
        segment = _PLACEHOLDER.sub("", segment)
        if not segment or segment.lower() in dropped:
            continue
        parts.append(snake_case(segment))
    return "_".join(p for p in parts if p)


def python_identifier(name: str) -> str:
    """A safe Python name: snake_case, and a trailing underscore for keywords."""
    ident = snake_case(name)
    if ident and ident[0].isdigit():
        ident = "_" + ident
    if keyword.iskeyword(ident):  # soft keywords (match, type) are valid names
        ident += "_"
    return ident


def is_identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name.isascii()


#: Longest name accepted anywhere (a package name becomes a directory name).
MAX_NAME = 64
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
#: Packages a generated package must not shadow: the runtime, its dependencies, the tools.
_TAKEN_PACKAGES = frozenset(
    {"mtgox_runtime", "mtgox_sandbox", "mtgox_catalogue", "mtgox_codegen", "httpx", "httpcore", "anyio", "h11", "idna"}
)


def is_snake_name(name: str) -> bool:
    """A lower-case snake_case identifier: what parameters and fields are named in Python."""
    return bool(_SNAKE.fullmatch(name)) and not keyword.iskeyword(name) and len(name) <= MAX_NAME


def package_problem(name: str) -> str | None:
    """Why `name` cannot be the generated package's name, or None when it can."""
    if not _SNAKE.fullmatch(name) or keyword.iskeyword(name):
        return f"{name!r} is not a lower-case Python identifier"
    if len(name) > MAX_NAME:
        return f"{name[:20]!r}... is longer than {MAX_NAME} characters"
    if name in sys.stdlib_module_names:
        return f"{name!r} would shadow the standard library module of that name"
    if name in _TAKEN_PACKAGES:
        return f"{name!r} would shadow {name}, which the generated package needs"
    return None


def placeholders(path: str) -> list[str]:
    return [m.group(0)[1:-1] for m in _PLACEHOLDER.finditer(path)]
