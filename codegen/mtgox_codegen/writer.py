"""Write the generated tree atomically and deterministically, or check it for drift.

Files are rendered, formatted with ruff in a temporary directory next to the output, and only
then swapped in for the old tree, so a failure at any step leaves the old tree untouched. The
output directory holds a marker file; a directory without one is never replaced, so a wrong
`--out` cannot delete someone's files.
"""

from __future__ import annotations

import difflib
import filecmp
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import GenerationError

MARKER = ".generated-by-mtgox-codegen"


def _ruff() -> list[str]:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]
    except ImportError:
        found = shutil.which("ruff")
        if found is None:
            raise GenerationError(
                "ruff is needed to format the generated code: pip install 'mtgox-sdk[codegen]'"
            ) from None
        return [found]
    return [str(find_ruff_bin())]


def format_tree(root: Path) -> None:
    """Sort imports, drop unused ones, and format every Python file under root, with fixed settings.

    Templates cannot know every import order (a vendored runtime's renamed exception sorts
    elsewhere) or whether a small catalogue uses each helper, so the output is made lint-clean
    here rather than by branches in the templates.
    """
    settings = ["--isolated", "--no-cache", "--line-length", "120", "--target-version", "py311"]
    for what, args in (
        ("ruff check --fix", ["check", "--select", "I,F401", "--fix", "--exit-zero", "--quiet"]),
        ("ruff format", ["format"]),
    ):
        cmd = [*_ruff(), *args, *settings, str(root)]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            raise GenerationError(f"{what} failed on the generated code:\n{result.stderr.strip()}")


def build_tree(files: dict[str, str], marker: str, root: Path) -> None:
    for rel, text in sorted(files.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    format_tree(root)
    (root / MARKER).write_text(marker, encoding="utf-8", newline="\n")


def _is_ours(out: Path) -> bool:
    return not out.exists() or (out.is_dir() and (not any(out.iterdir()) or (out / MARKER).exists()))


def write(files: dict[str, str], marker: str, out: Path) -> None:
    """Replace `out` with exactly `files` (formatted), atomically."""
    out = out.resolve()
    if not _is_ours(out):
        raise GenerationError(f"{out} exists and was not written by this generator (no {MARKER}); not replacing it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    try:
        try:
            build_tree(files, marker, tmp)
            if out.exists():
                out.rename(old)
            tmp.rename(out)
        except (OSError, UnicodeError) as exc:
            raise GenerationError(f"cannot write the generated files: {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _listing(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
    }


def check(files: dict[str, str], marker: str, out: Path) -> list[str]:
    """What differs between `out` and what would be generated: one line (plus a diff) per file."""
    with tempfile.TemporaryDirectory(prefix=".codegen-check-") as tmpdir:
        expected_root = Path(tmpdir)
        build_tree(files, marker, expected_root)
        expected, actual = _listing(expected_root), _listing(out) if out.exists() else set()
        problems = [f"missing: {rel}" for rel in sorted(expected - actual)]
        problems += [f"not generated (remove it or regenerate): {rel}" for rel in sorted(actual - expected)]
        for rel in sorted(expected & actual):
            if not filecmp.cmp(expected_root / rel, out / rel, shallow=False):
                want = (expected_root / rel).read_text(encoding="utf-8").splitlines(keepends=True)
                have = (out / rel).read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
                diff = "".join(list(difflib.unified_diff(have, want, f"{rel} (on disk)", f"{rel} (generated)"))[:40])
                problems.append(f"differs: {rel}\n{diff}")
        return problems


def write_text_atomically(path: Path, text: str) -> None:
    """One file: written beside `path`, then renamed over it, so a reader never sees half of it."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.new-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
