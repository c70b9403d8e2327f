"""Run the mutation tool (mutmut) over the modules of modules.toml, in scratch copies, and judge it.

    make mutation                                  # every group
    .venv/bin/python tests/mutation/tool.py --group auth --keep

mutmut imports the code it mutates from `mutants/src/<package>`, so each group runs in a scratch
directory laid out that way: the five packages under `src/`, the tests, the catalogue, and a
pyproject.toml holding the repository's pytest settings plus the group's `[tool.mutmut]`
section. The repository itself is never touched. A mutant counts as killed when a test failed
(or the run timed out); one no test reaches counts as a survivor. Every survivor must be listed
in equivalents.toml with the reason it cannot change behaviour; the run fails on any other, and
prints its diff. The score per file is printed at the end: killed / total, equivalents named.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MODULES = HERE / "modules.toml"
EQUIVALENTS = HERE / "equivalents.toml"
#: Where each package lives in the repository; in the scratch copy they all sit under src/.
PACKAGES = {
    "mtgox_runtime": "runtime",
    "mtgox": "generated",
    "mtgox_catalogue": "catalogue",
    "mtgox_codegen": "codegen",
    "mtgox_sandbox": "sandbox",
}
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", ".ruff_cache")
#: mutmut's exit codes per mutant (mutmut/stats.py): a failing test or a timeout kills it.
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}
SURVIVED = {0}
NO_TESTS = {5, 33}


@dataclass(frozen=True)
class Group:
    name: str
    files: tuple[str, ...]
    tests: tuple[str, ...]
    #: Regular expressions of lines whose statements are not mutated (mutmut's do_not_mutate_patterns).
    skip_lines: tuple[str, ...] = ()


def load_groups() -> list[Group]:
    data = tomllib.loads(MODULES.read_text(encoding="utf-8"))
    groups = [
        Group(g["name"], tuple(g["files"]), tuple(g["tests"]), tuple(g.get("skip_lines", ()))) for g in data["group"]
    ]
    for group in groups:
        for path in (*group.files, *group.tests):
            if not (REPO / path).exists():
                raise SystemExit(f"{MODULES.name}: group {group.name}: {path} does not exist")
    return groups


def load_equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour."""
    data = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8"))
    return {name: str(reason) for name, reason in data.get("equivalent", {}).items()}


def staged(path: str) -> str:
    """A repository path as it is in the scratch copy: runtime/mtgox_runtime/x.py -> src/mtgox_runtime/x.py."""
    parts = Path(path).parts
    if len(parts) > 1 and PACKAGES.get(parts[1]) == parts[0]:
        return str(Path("src", *parts[1:]))
    return path


def toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def stage(group: Group, into: Path) -> None:
    for package, folder in PACKAGES.items():
        shutil.copytree(REPO / folder / package, into / "src" / package, ignore=IGNORED)
    shutil.copytree(REPO / "tests", into / "tests", ignore=IGNORED)
    shutil.copy2(REPO / "endpoints.yaml", into / "endpoints.yaml")
    generated = into / "generated"  # the reference docs some tests read beside the catalogue
    generated.mkdir()
    for doc in (REPO / "generated").glob("*.md"):
        shutil.copy2(doc, generated / doc.name)
    settings = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    settings += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {toml_list([staged(f) for f in group.files])}\n"
        'also_copy = ["endpoints.yaml", "generated"]\n'
        f"pytest_add_cli_args_test_selection = {toml_list(group.tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]\n'
        f"do_not_mutate_patterns = {toml_list(group.skip_lines)}\n"
    )
    (into / "pyproject.toml").write_text(settings, encoding="utf-8")
    # Made before Python starts, so the PYTHONPATH entry below is a real directory then (a missing
    # one is cached as such and would never be searched): child processes import the mutants too.
    (into / "mutants" / "src").mkdir(parents=True)


def results(into: Path) -> dict[str, dict[str, int | None]]:
    """Per mutated file (repository path): mutant name -> exit code."""
    out: dict[str, dict[str, int | None]] = {}
    for meta in sorted((into / "mutants" / "src").rglob("*.py.meta")):
        relative = meta.relative_to(into / "mutants" / "src").with_suffix("")
        package = relative.parts[0]
        path = str(Path(PACKAGES[package], *relative.parts))
        out[path] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return out


def show(into: Path, name: str) -> str:
    shown = subprocess.run(  # our interpreter, a mutant name mutmut gave us
        [sys.executable, "-m", "mutmut", "show", name], cwd=into, capture_output=True, text=True, check=False
    )
    lines = [line for line in shown.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    return "\n".join("      " + line for line in lines)


@dataclass
class Score:
    path: str
    total: int
    killed: int
    equivalent: list[str]
    survivors: list[str]
    other: Counter[str]


def judge(group: Group, into: Path, equivalents: dict[str, str]) -> list[Score]:
    scores = []
    for path, codes in results(into).items():
        score = Score(path, len(codes), 0, [], [], Counter())
        for name, code in sorted(codes.items()):
            if code in KILLED:
                score.killed += 1
            elif code in SURVIVED or code in NO_TESTS:
                (score.equivalent if name in equivalents else score.survivors).append(name)
            else:
                score.other["not checked" if code is None else f"exit {code}"] += 1
        scores.append(score)
    return scores


def run_group(group: Group, scratch: Path, children: int, budget: float, equivalents: dict[str, str]) -> bool:
    into = scratch / group.name
    into.mkdir()
    stage(group, into)
    env = dict(os.environ, PYTHONPATH=str(into / "mutants" / "src"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    started = time.monotonic()
    log = into / "mutmut.log"
    with log.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run(  # our interpreter and arguments
                [sys.executable, "-m", "mutmut", "run", "--max-children", str(children)],
                cwd=into,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=budget,
                check=False,
            )
            code: int | None = done.returncode
        except subprocess.TimeoutExpired:
            code = None
    seconds = time.monotonic() - started
    print(
        f"== {group.name}: mutmut {'ran out of its ' + f'{budget:g} s' if code is None else f'exit {code}'}"
        f" in {seconds:.0f} s ({len(group.tests)} test paths)",
        flush=True,
    )
    if code is None or code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").replace("\r", "\n").strip().splitlines()[-15:]
        print("\n".join("   " + line for line in tail), file=sys.stderr)
        return False
    scores = judge(group, into, equivalents)
    clean = True
    for s in scores:
        extra = "".join(f", {n} {k}" for k, n in s.other.items())
        print(
            f"   {s.path}: {s.killed} killed of {s.total}, {len(s.equivalent)} equivalent (named), "
            f"{len(s.survivors)} surviving{extra}",
            flush=True,
        )
        if s.other:
            clean = False
        for name in s.survivors:
            clean = False
            print(f"   SURVIVED {name}\n{show(into, name)}", flush=True)
    return clean


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run mutmut over the modules of modules.toml.")
    parser.add_argument("--group", action="append", default=[], help="run this group only (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="mutants run at once")
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds one group may take")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    groups = load_groups()
    if args.list:
        for g in groups:
            print(f"{g.name:16} {', '.join(g.files)}\n{'':16} tests: {', '.join(g.tests)}")
        return 0
    unknown = set(args.group) - {g.name for g in groups}
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")
    chosen = [g for g in groups if not args.group or g.name in args.group]
    equivalents = load_equivalents()
    scratch = Path(tempfile.mkdtemp(prefix="mtgox-mutmut-"))
    try:
        verdicts = [run_group(g, scratch, args.max_children, args.budget, equivalents) for g in chosen]
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"{sum(verdicts)} of {len(verdicts)} groups without an unexplained survivor", flush=True)
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
