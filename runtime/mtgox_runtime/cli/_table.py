"""What a generated command table holds: plain, immutable data about each endpoint's command."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OptionKind = Literal["string", "integer", "boolean", "enum", "money", "pair", "currency"]


@dataclass(frozen=True, slots=True)
class Option:
    """One parameter of an SDK method, as a `--flag`."""

    name: str  # the method's keyword argument
    kind: OptionKind
    required: bool
    help: str
    choices: tuple[str, ...] = ()  # an enum's values

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class Command:
    """One catalogued endpoint: `mtgox <version> <name> --option ...` calls `client.<version>.<method>(...)`."""

    version: str  # "v2"
    method: str  # "order_add"
    signed: bool
    summary: str  # one line, for the list of commands
    description: str  # the full help text
    options: tuple[Option, ...]

    @property
    def name(self) -> str:
        return self.method.replace("_", "-")

    @property
    def key(self) -> str:
        return f"{self.version}.{self.method}"
