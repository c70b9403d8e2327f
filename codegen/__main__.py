"""`python -m codegen`: generate the client package from a catalogue, or check that it is up to date.

    python -m codegen                      # endpoints.yaml -> generated/ (the mtgox package)
    python -m codegen --check              # exit 1 when generated/ differs from the catalogue
    python -m codegen --validate           # only validate the catalogue
    python -m codegen --catalogue my.yaml --out build/ --package myexchange

Exit status: 0 done, 1 generated/ is out of date (--check), 2 the catalogue is invalid,
3 generation failed for another reason (nothing was written).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mtgox_catalogue import CatalogueError, default_catalogue_path, load_catalogue
from mtgox_catalogue.naming import package_problem

from .errors import GenerationError
from .render import render
from .writer import check, write

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", type=Path, default=None, help="the catalogue (default: endpoints.yaml)")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: generated/)")
    parser.add_argument("--package", default=None, help="import name of the generated package (default: api.package)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail when the output differs from what would be generated")
    mode.add_argument("--validate", action="store_true", help="only validate the catalogue")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    catalogue_path: Path = args.catalogue or default_catalogue_path()
    out: Path = args.out or REPO / "generated"
    try:
        catalogue = load_catalogue(catalogue_path)
    except CatalogueError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {catalogue_path}; nothing was written", file=sys.stderr)
        return 2
    package = args.package or catalogue.api.package
    unusable = package_problem(package)
    if unusable is not None:
        print(f"--package: {unusable}", file=sys.stderr)
        return 2
    if args.validate:
        print(f"{catalogue_path}: valid ({len(catalogue.endpoints)} endpoints, {len(catalogue.models)} models)")
        return 0
    files = render(catalogue, package)
    marker = f"catalogue: {catalogue_path.name}\nsha256: {catalogue.source_hash}\npackage: {package}\n"
    try:
        if args.check:
            problems = check(files, marker, out)
            if problems:
                print("\n".join(problems), file=sys.stderr)
                print(f"{out} is out of date with {catalogue_path}: run `make generate`", file=sys.stderr)
                return 1
            print(f"{out} is up to date with {catalogue_path.name} ({len(files)} files)")
            return 0
        write(files, marker, out)
    except GenerationError as exc:
        print(f"generation failed, nothing was written: {exc}", file=sys.stderr)
        return 3
    per_version = ", ".join(
        f"{key}: {len(catalogue.endpoints_of(key))}" for key in sorted(catalogue.versions, key=lambda k: int(k[1:]))
    )
    elapsed = time.perf_counter() - started
    print(f"generated {len(files)} files into {out} ({per_version} endpoints) in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
