"""`mtgox-codegen` (or `python -m mtgox_codegen`): generate a client package from a catalogue, or check it.

    mtgox-codegen                          # in a checkout: endpoints.yaml -> generated/ (the mtgox package)
    mtgox-codegen --check                  # exit 1 when generated/ differs from the catalogue
    mtgox-codegen --validate               # only validate the catalogue
    mtgox-codegen --catalogue my.yaml --out build/ --package myexchange
    mtgox-codegen openapi [-o openapi.json]  # the catalogue as an OpenAPI 3.1 document (stdout without -o)

Exit status: 0 done, 1 generated/ is out of date (--check), 2 the catalogue or an argument is
invalid, 3 generation failed for another reason, or an extra is missing (nothing was written).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import time
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from .writer import write_text_atomically

if TYPE_CHECKING:
    from mtgox_catalogue.model import Catalogue

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


def _missing(modules: dict[str, str]) -> int | None:
    """Exit status 3, saying what to install, when a module the command needs is missing."""
    missing = [dist for module, dist in modules.items() if importlib.util.find_spec(module) is None]
    if not missing:
        return None
    print(f"the generator needs {' and '.join(missing)}, which are not installed: {INSTALL_HINT}", file=sys.stderr)
    return 3


def _load(path: Path) -> Catalogue | None:
    """The catalogue, or None after printing every problem in it."""
    from mtgox_catalogue import CatalogueError, load_catalogue

    try:
        return load_catalogue(path)
    except CatalogueError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}; nothing was written", file=sys.stderr)
        return None


def openapi_main(argv: list[str]) -> int:
    """`mtgox-codegen openapi`: needs the catalogue's pyyaml only, not the templates' jinja2."""
    missing = _missing({"yaml": "pyyaml"})
    if missing is not None:
        return missing
    from mtgox_catalogue import default_catalogue_path
    from mtgox_catalogue.openapi import openapi_json

    parser = argparse.ArgumentParser(
        prog="mtgox-codegen openapi",
        description="Write the catalogue's HTTP endpoints, every version, as an OpenAPI 3.1 document.",
    )
    parser.add_argument("--catalogue", type=Path, default=None, help="the catalogue (default: endpoints.yaml)")
    parser.add_argument("-o", "--output", type=Path, default=None, help="the file to write (default: stdout)")
    args = parser.parse_args(argv)
    catalogue_path: Path = args.catalogue or default_catalogue_path()
    catalogue = _load(catalogue_path)
    if catalogue is None:
        return 2
    text = openapi_json(catalogue)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_text_atomically(args.output, text)
    except OSError as exc:
        print(f"cannot write {args.output}: {exc.strerror or exc}; nothing was written", file=sys.stderr)
        return 3
    print(f"wrote {args.output} ({len(catalogue.endpoints)} operations)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["openapi"]:
        return openapi_main(argv[1:])
    missing = _missing(NEEDED)
    if missing is not None:
        return missing
    # Imported only now: without jinja2 or pyyaml the message above is all the user should see.
    from mtgox_catalogue import default_catalogue_path
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
    catalogue = _load(catalogue_path)
    if catalogue is None:
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
