"""A copy of the runtime for a package that must stand alone (`--runtime vendored`).

Why vendored rather than a runtime distribution of its own (see docs/generator.md): the
generated package then installs with httpx and msgspec alone, its authors publish one
distribution, and the runtime it was generated and tested against cannot drift under it when
mtgox-sdk changes, as Stainless and openapi-python-client do it. The copy is verbatim (the runtime only uses
relative imports) except for the names below, which take the package's: its base exception
class, its logger, and the identity that docstrings and messages show users (the environment
variables' prefix, the distribution named in `pip install` hints and the nonce directory, the
runtime's import path). Each must be found, so a change of the runtime cannot silently leave a
Mt. Gox name in a clone. Wire protocol strings (`/mtgox`, `mtgox.subscribe`) are the API's and
stay as they are.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from .errors import GenerationError
from .identity import RUNTIME_ERROR_BASE


def runtime_source() -> Path:
    """The directory of the installed `mtgox_runtime` package (found, not imported)."""
    spec = importlib.util.find_spec("mtgox_runtime")
    if spec is None or spec.origin is None:
        raise GenerationError("mtgox_runtime is not installed, so it cannot be vendored: pip install mtgox-sdk")
    return Path(spec.origin).parent


def renames(package: str, error_base: str, env_prefix: str, distribution: str) -> dict[re.Pattern[str], str]:
    """What the copy changes: the base exception, the logger, the identity users read."""
    return {
        re.compile(rf"\b{RUNTIME_ERROR_BASE}\b"): error_base,
        re.compile(r'logging\.getLogger\("mtgox"\)'): f"logging.getLogger({package!r})",
        re.compile(r"\bMTGOX(?![A-Za-z0-9])"): env_prefix,  # MTGOX_API_KEY, MTGOX_LOG, the default prefix
        re.compile(r"\bmtgox-sdk\b"): distribution,
        re.compile(r"\bmtgox_runtime\b"): f"{package}._runtime",
    }


def vendored_runtime(package: str, error_base: str, env_prefix: str, distribution: str) -> dict[str, str]:
    """The runtime's files under `<package>/_runtime/`, with the package's names."""
    source = runtime_source()
    table = renames(package, error_base, env_prefix, distribution)
    found = dict.fromkeys(table, 0)
    files: dict[str, str] = {}
    # Subpackages too (`stream/`, `cli/`): generated modules import them through the copy, and
    # each needs its extra (websockets, rich) only when used.
    for path in sorted(source.rglob("*")):
        if "__pycache__" not in path.parts and (path.suffix == ".py" or path.name == "py.typed"):
            text = path.read_text(encoding="utf-8")
            for pattern, replacement in table.items():
                text, count = pattern.subn(replacement, text)
                found[pattern] += count
            files[f"{package}/_runtime/{path.relative_to(source).as_posix()}"] = text
    if f"{package}/_runtime/__init__.py" not in files:
        raise GenerationError(f"{source} does not look like the runtime package (no __init__.py)")
    missing = [pattern.pattern for pattern, count in found.items() if count == 0]
    if missing:
        raise GenerationError(f"the runtime in {source} no longer has {missing}: update mtgox_codegen.vendor")
    return files
