"""A package's reference documents, listed and printed from the installed copy.

    python -m <package>.docs              # what there is, one line each
    python -m <package>.docs NAME         # print one (Markdown, or the example catalogue)
    python -m <package>.docs --path NAME  # where it is: to open in an editor, or copy

An installed wheel carries them in the package's `_docs/` directory (the build puts them there);
run from a source checkout, the generated module names the checkout's directories instead. Only
the standard library is used, and nothing imports this module but `python -m <package>.docs`,
so `import <package>` does not pay for it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: What counts as a document: the references, and example catalogues with their schema.
SUFFIXES = (".md", ".yaml", ".json")


@dataclass(frozen=True)
class Doc:
    name: str  # what to type: `api`, `sandbox`, `goxclone.yaml`
    path: Path
    title: str


def _title(path: Path) -> str:
    """A Markdown file's first heading; a YAML file's first comment that is not an editor directive."""
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                text = line.strip()
                if path.suffix == ".md" and text.startswith("# "):
                    return text[2:]
                if path.suffix == ".yaml" and text.startswith("#") and "yaml-language-server" not in text:
                    return text.lstrip("# ")
                if path.suffix == ".json":
                    return "JSON Schema of the catalogue format" if "schema" in path.name else path.name
    except OSError:
        pass
    return path.name


def _name(path: Path) -> str:
    return path.stem.lower() if path.suffix == ".md" else path.name


def collect(places: Sequence[Path]) -> dict[str, Doc]:
    """The documents of `places` (directories, or single files), in order; a name seen twice keeps
    its first place's file."""
    found: dict[str, Doc] = {}
    for place in places:
        paths = sorted(place.iterdir()) if place.is_dir() else [place]
        for path in paths:
            if path.suffix in SUFFIXES and path.is_file() and _name(path) not in found:
                found[_name(path)] = Doc(_name(path), path, _title(path))
    return found


def directories(package_dir: Path, checkout: Sequence[str]) -> list[Path]:
    """`<package>/_docs` when installed; else the checkout's directories and files, relative to the package."""
    shipped = package_dir / "_docs"
    if shipped.is_dir():
        return [shipped]
    return [(package_dir / relative).resolve() for relative in checkout]


def main(package_file: str, checkout: Sequence[str], *, prog: str, argv: Sequence[str] | None = None) -> int:
    """List, print or locate the documents of the package of `package_file` (a module's `__file__`);
    0, or 2 for a name that is not one (saying which are)."""
    package_dir = Path(package_file).resolve().parent
    parser = argparse.ArgumentParser(prog=prog, description="The reference documents of this package.")
    parser.add_argument("name", nargs="?", help="a document to print (without one: the list)")
    parser.add_argument("--path", action="store_true", help="print where the document is instead of its text")
    args = parser.parse_args(argv)
    docs = collect(directories(package_dir, checkout))
    if not docs:
        print(f"{prog}: no documents found (looked in {package_dir / '_docs'})", file=sys.stderr)
        return 3
    if args.name is None:
        width = max(len(name) for name in docs)
        for doc in docs.values():
            print(f"{doc.name:<{width}}  {doc.title}")
        print(f"\n{prog} NAME prints one; {prog} --path NAME says where it is.")
        return 0
    found = docs.get(args.name) or docs.get(args.name.lower())
    if found is None:
        print(f"{prog}: no document {args.name!r}; there are: {', '.join(docs)}", file=sys.stderr)
        return 2
    if args.path:
        print(found.path)
    else:
        sys.stdout.write(found.path.read_text(encoding="utf-8"))
    return 0
