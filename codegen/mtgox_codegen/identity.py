"""Who a generated package is: its names, environment variables, error base class and examples.

Everything a user of the package reads that is not an endpoint comes from here, computed from
their catalogue and `--package`, so a clone of the API gets `GOXCLONE_API_KEY`, `GoxCloneError`
and `goxclone.Client(...).v2.ticker(pair="GOXEUR")` instead of Mt. Gox's names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mtgox_catalogue import model as m

RuntimeMode = Literal["shared", "vendored"]

#: The runtime's dependency, repeated in a vendored package's pyproject (as in mtgox-sdk's own).
HTTPX_REQUIREMENT = "httpx>=0.27,<0.29"
#: The extras of a vendored package, as mtgox-sdk's own `stream` and `cli` extras.
EXTRAS = {
    "stream": ("websockets>=13,<18",),
    "cli": ("rich>=13.7,<16", "websockets>=13,<18"),
}
#: The models are msgspec Structs, decoded from the bytes in one pass.
MSGSPEC_REQUIREMENT = "msgspec>=0.19,<1"
#: The name of the runtime's base exception, which a vendored copy renames.
RUNTIME_ERROR_BASE = "MtGoxError"


@dataclass(frozen=True)
class Identity:
    package: str  # import name: goxclone
    distribution: str  # pip name: goxclone
    version: str  # of the distribution: the clone's, or mtgox-sdk's own (shared)
    env_prefix: str  # GOXCLONE: GOXCLONE_API_KEY, GOXCLONE_API_SECRET, GOXCLONE_BASE_URL, GOXCLONE_LOG
    error_base: str  # GoxCloneError
    runtime: str  # where generated modules import the runtime from
    vendored: bool
    #: Calls shown in the package docstring and README (after `client.`), filled from the catalogue.
    examples: tuple[str, ...]
    #: How the client's docstring describes its base URL default (none when the API is defunct).
    base_url_default: str
    #: What messages tell users to run for a local sandbox: a shared package rides in mtgox-sdk,
    #: which has one; a vendored package names no command of a distribution it does not need.
    sandbox_command: str | None

    @property
    def examples_need_decimal(self) -> bool:
        return any("Decimal(" in call for call in self.examples)

    @property
    def requirements(self) -> tuple[str, ...]:
        """What a vendored package depends on: the runtime's own dependencies."""
        return (HTTPX_REQUIREMENT, MSGSPEC_REQUIREMENT)

    @property
    def extras(self) -> dict[str, tuple[str, ...]]:
        return EXTRAS


def _camel(words: list[str]) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words)


def error_base_name(api_name: str, package: str, taken: frozenset[str] = frozenset()) -> str:
    """`Mt. Gox` -> `MtGoxError`: the API's name in CamelCase, else the package's, never a name in `taken`.

    `taken` holds the names the package already defines (`APIError`, its models): an API named
    "API" must not get a base class that is also one of its subclasses.
    """
    candidates = [
        _camel(re.findall(r"[A-Za-z0-9]+", api_name)) + "Error",
        _camel(package.split("_")) + "Error",
        _camel(package.split("_")) + "BaseError",
    ]
    usable = [c for c in candidates if c.isidentifier() and c.isascii() and c not in taken]
    return usable[0] if usable else f"{package.capitalize()}BaseError"


def identity(
    catalogue: m.Catalogue, package: str, runtime: RuntimeMode, version: str, taken: frozenset[str] = frozenset()
) -> Identity:
    """`taken`: the names the package defines besides its base exception (see `error_base_name`)."""
    vendored = runtime == "vendored"
    return Identity(
        package=package,
        # Shared: the package rides in the mtgox-sdk distribution next to the runtime.
        distribution=package.replace("_", "-") if vendored else "mtgox-sdk",
        version=version,
        env_prefix=package.upper(),
        error_base=error_base_name(catalogue.api.name, package, taken | frozenset(catalogue.models)),
        runtime="._runtime" if vendored else "mtgox_runtime",
        vendored=vendored,
        examples=example_calls(catalogue),
        base_url_default=(
            f"there is no default: {catalogue.api.base_url} is defunct"
            if catalogue.api.defunct
            else f"default {catalogue.api.base_url}"
        ),
        sandbox_command=None if vendored else sandbox_command(catalogue),
    )


def sandbox_command(catalogue: m.Catalogue) -> str:
    """`mtgox-sandbox serve`, with `--catalogue` unless the catalogue is the one it serves by default."""
    name = Path(catalogue.path).name
    return "mtgox-sandbox serve" + ("" if name == "endpoints.yaml" else f" --catalogue {name}")


def _example_value(p: m.Param, catalogue: m.Catalogue) -> str:
    if p.type == "pair":
        return repr(next(iter(catalogue.pairs)))
    if p.type == "currency":
        return repr(next(iter(catalogue.currencies)))
    if p.type == "enum":
        return repr(p.values[0])
    if p.type == "money":
        return f'Decimal("{p.minimum or 1}")'
    if p.type == "integer":
        return p.minimum or "1"
    if p.type == "boolean":
        return "True"
    return repr("...")


def example_call(e: m.Endpoint, catalogue: m.Catalogue) -> str:
    args = ", ".join(f"{p.python}={_example_value(p, catalogue)}" for p in e.params if p.required)
    return f"{e.version.key}.{e.name}({args})".replace("'", '"')


def example_calls(catalogue: m.Catalogue) -> tuple[str, ...]:
    """A public call of the newest version (one taking a pair when there is one) and a signed read."""
    newest = max(catalogue.versions.values(), key=lambda v: v.number)
    endpoints = [e for e in catalogue.endpoints_of(newest.key) if e.response_format == "json"] or list(
        catalogue.endpoints
    )
    public = [e for e in endpoints if not e.signed]
    with_pair = [e for e in public if any(p.type == "pair" for p in e.params)]
    # A signed example must be harmless to copy: idempotent, and taking no required argument.
    reads = [e for e in endpoints if e.signed and e.idempotent and not any(p.required for p in e.params)]
    chosen = [*(with_pair or public)[:1], *reads[:1]]
    return tuple(example_call(e, catalogue) for e in chosen)
