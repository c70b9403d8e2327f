"""The house's import graph, counting every import: module level, under `TYPE_CHECKING` and
inside functions (the interpreter never trips on those; a reader does).

- no import cycle anywhere in the hand-written packages;
- every sandbox module is in one of its five layers, but for the package's entry points (the
  layers' order itself is import-linter's contract in pyproject.toml, run by `make lint`).
"""

from __future__ import annotations

import ast
from collections.abc import Container, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "mtgox_sandbox": ROOT / "sandbox" / "mtgox_sandbox",
    "mtgox_runtime": ROOT / "runtime" / "mtgox_runtime",
    "mtgox_catalogue": ROOT / "catalogue" / "mtgox_catalogue",
    "mtgox_codegen": ROOT / "codegen" / "mtgox_codegen",
    "mtgox": ROOT / "generated" / "mtgox",
}
SANDBOX_LAYERS = ("core", "api", "stream", "web", "server")
SANDBOX_ENTRY_POINTS = {"__init__", "__main__", "command", "fixture"}


def modules(package: str, root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([package, *parts])] = path
    return found


def imports_of(name: str, path: Path, known: Container[str]) -> Iterator[str]:
    """Every module `name` imports (absolute names), wherever the import statement stands:
    `from pkg import x` imports the module `pkg.x` when there is one, else `pkg` (as grimp,
    import-linter's graph, reads it)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            for alias in node.names:
                target = f"{stem}.{alias.name}"
                yield target if target in known else stem


def graph() -> dict[str, set[str]]:
    known: dict[str, Path] = {}
    for package, root in PACKAGES.items():
        known.update(modules(package, root))
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        edges[name] = {target for target in imports_of(name, path, known) if target in known and target != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycle_anywhere() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function() -> None:
    # the check itself can fail: a function-local import that closes a loop is one
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_function_local_and_type_checking_imports_count(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .x import Y\ndef f():\n    from . import z\n",
        encoding="utf-8",
    )
    assert {"pkg.x", "pkg.z"} <= set(imports_of("pkg.m", module, {"pkg.x", "pkg.z"}))


def test_every_sandbox_module_is_in_a_layer_or_an_entry_point() -> None:
    root = PACKAGES["mtgox_sandbox"]
    loose = sorted(p.stem for p in root.glob("*.py") if p.stem not in SANDBOX_ENTRY_POINTS)
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert loose == []
    assert folders == sorted(SANDBOX_LAYERS)


def test_data_flows_one_way_nothing_at_run_time_imports_the_generator() -> None:
    """catalogue -> generator -> generated code -> runtime; the sandbox reads the catalogue, never
    the generator (the OpenAPI document it serves is the catalogue's)."""
    edges = graph()
    for name, targets in edges.items():
        if name.startswith("mtgox_codegen"):
            continue
        assert not {t for t in targets if t.startswith("mtgox_codegen")}, name
        if name.startswith("mtgox_catalogue"):
            assert all(t.startswith("mtgox_catalogue") for t in targets), (name, targets)
