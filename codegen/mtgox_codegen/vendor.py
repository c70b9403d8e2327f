"""A copy of the runtime for a package that must stand alone (`--runtime vendored`).

Why vendored rather than a runtime distribution of its own (see docs/generator.md): the
generated package then installs with httpx and msgspec alone, its authors publish one
distribution, and the runtime it was generated and tested against cannot drift under it when
mtgox-sdk changes, as Stainless and openapi-python-client do it. The copy is verbatim (the runtime only uses
relative imports) except for the names below, which take the package's: its base exception
class and its logger. Each must be found, so a change of the runtime cannot silently leave a
Mt. Gox name in a clone.
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


def renames(package: str, error_base: str) -> dict[re.Pattern[str], str]:
    """What the copy changes: the base exception everywhere, the logger where it is created."""
    return {
        re.compile(rf"\b{RUNTIME_ERROR_BASE}\b"): error_base,
        re.compile(r'logging\.getLogger\("mtgox"\)'): f"logging.getLogger({package!r})",
    }


def vendored_runtime(package: str, error_base: str) -> dict[str, str]:
    """The runtime's files under `<package>/_runtime/`, with the package's names."""
    source = runtime_source()
    table = renames(package, error_base)
    found = dict.fromkeys(table, 0)
    files: dict[str, str] = {}
    # Subpackages too (`stream/`): generated modules import them through the copy. Not `cli/`:
    # a vendored package gets no command line (its driver needs rich, an extra of mtgox-sdk).
    for path in sorted(source.rglob("*")):
        skipped = "__pycache__" in path.parts or path.relative_to(source).parts[0] == "cli"
        if not skipped and (path.suffix == ".py" or path.name == "py.typed"):
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
