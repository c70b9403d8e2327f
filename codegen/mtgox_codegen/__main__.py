"""`mtgox-codegen` (or `python -m mtgox_codegen`): generate a client package from a catalogue, or check it.

    mtgox-codegen                          # in a checkout: endpoints.yaml -> generated/ (the mtgox package)
    mtgox-codegen --check                  # exit 1 when generated/ differs from the catalogue
    mtgox-codegen --validate               # only validate the catalogue
    mtgox-codegen --catalogue my.yaml --out build/ --package myexchange

Exit status: 0 done, 1 generated/ is out of date (--check), 2 the catalogue or an argument is
invalid, 3 generation failed for another reason (nothing was written).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The checkout this module sits in (`<repo>/codegen/mtgox_codegen`), when it sits in one.
REPO = HERE.parent.parent
#: Extra modules the generator needs beyond the SDK's own dependencies, and where they come from.
NEEDED = {"jinja2": "jinja2", "yaml": "pyyaml"}
INSTALL_HINT = "pip install 'mtgox-sdk[codegen]'"
#: A PEP 440 public version, in the forms people write (1.0, 1.0.0, 2.1rc1, 1.0.post1, 1.0.dev3).
VERSION = re.compile(r"[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?")


def checkout_output_dir() -> Path | None:
    """`generated/` of the mtgox-sdk checkout running this generator; None when it runs from a wheel."""
    if HERE.parent.name == "codegen" and (REPO / "endpoints.yaml").is_file() and (REPO / "generated").is_dir():
        return REPO / "generated"
    return None


def checkout_version() -> str:
    """mtgox-sdk's version, from the checkout's pyproject.toml: the one place it is written."""
    with (REPO / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def missing_dependencies() -> list[str]:
    return [dist for module, dist in NEEDED.items() if importlib.util.find_spec(module) is None]


def main(argv: list[str] | None = None) -> int:
    missing = missing_dependencies()
    if missing:
        print(f"the generator needs {' and '.join(missing)}, which are not installed: {INSTALL_HINT}", file=sys.stderr)
        return 3
    # Imported only now: without jinja2 or pyyaml the message above is all the user should see.
    from mtgox_catalogue import CatalogueError, default_catalogue_path, load_catalogue
    from mtgox_catalogue.naming import package_problem

    from .errors import GenerationError
    from .identity import RuntimeMode
    from .render import render
    from .writer import check, write

    parser = argparse.ArgumentParser(prog="mtgox-codegen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", type=Path, default=None, help="the catalogue (default: endpoints.yaml)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default: generated/ of this checkout; required when installed)",
    )
    parser.add_argument("--package", default=None, help="import name of the generated package (default: api.package)")
    parser.add_argument(
        "--runtime",
        choices=("shared", "vendored"),
        default=None,
        help="shared: import mtgox_runtime (the mtgox package itself); vendored: copy the runtime in and "
        "write a pyproject.toml, so the output is a distribution of its own (default: shared for this "
        "checkout's generated/, vendored with --out)",
    )
    parser.add_argument(
        "--package-version",
        default=None,
        help="version of the distribution (default: mtgox-sdk's own for this checkout's generated/, else 0.1.0)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail when the output differs from what would be generated")
    mode.add_argument("--validate", action="store_true", help="only validate the catalogue")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    catalogue_path: Path = args.catalogue or default_catalogue_path()
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
    out = args.out or checkout_output_dir()
    if out is None:
        # Installed from a wheel there is no generated/ to update: writing next to the installed
        # package would put files into site-packages.
        print("--out DIR is required: this generator is installed, not run from a mtgox-sdk checkout", file=sys.stderr)
        return 2
    runtime: RuntimeMode = args.runtime or ("vendored" if args.out is not None else "shared")
    if args.package_version is None:
        args.package_version = checkout_version() if args.out is None else "0.1.0"
    if not VERSION.fullmatch(args.package_version):
        print(f"--package-version: {args.package_version!r} is not a version like 1.0.0 or 2.1rc1", file=sys.stderr)
        return 2
    files = render(catalogue, package, runtime, args.package_version)
    marker = f"catalogue: {catalogue_path.name}\npackage: {package}\n"  # the sha256 is in _catalogue.py only
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


def run() -> None:
    """The `mtgox-codegen` console command."""
    sys.exit(main())


if __name__ == "__main__":
    run()
