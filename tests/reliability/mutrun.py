"""Run `python -m mtgox_codegen` (in process: `mtgox_codegen.__main__.main`) on mutated catalogues and judge the outcome.

Refused (exit 2): every stderr line but the summary is `endpoints.yaml:LINE: message` with a real
line, and the output directory is byte-for-byte what it was. Accepted (exit 0): only for a
harmless or either-way mutant; the code compiles, holds no injected statement (harmless: the
same syntax tree as the committed package, strings aside), imports, and an injected parameter
or field still carries the caller's value. Anything else (a traceback, exit 1 or 3) is a crash.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib
import io
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import respx

from mtgox_catalogue import load_catalogue_text
from mtgox_catalogue import model as m
from mtgox_codegen.__main__ import main

from ..generated.samples import sample_kwargs, sample_value
from .catmut import HARMLESS, INVALID, Mutant
from .support import KEY, REPO, SECRET

PROBLEM_LINE = re.compile(r"^endpoints\.yaml:(\d+): \S")
SUMMARY_LINE = re.compile(r"^\d+ problem\(s\) in .*; nothing was written$")
ALLOWED_IMPORTS = frozenset(
    {
        "__future__",
        "collections.abc",
        "decimal",
        "functools",
        "typing",
        "datetime",
        "mtgox_runtime",
        "mtgox_runtime._read",  # the version modules' Readers
        "mtgox_runtime._wire",  # the models' wire aliases (WireInt, UnixMicros, ...)
        "mtgox_runtime.stream",
        "mtgox_runtime.cli",  # cli.py: the command table's driver
        "mtgox_runtime.docs",  # docs.py: `python -m mtgox.docs`
    }
)
DENIED_NAMES = frozenset({"os", "sys", "system", "eval", "exec", "__import__", "subprocess", "open", "compile"})
SENTINEL = "SENTINEL-7f3a"


@dataclass
class Outcome:
    mutant: Mutant
    exit: int | None
    label: str
    problems: list[str] = field(default_factory=list)


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def normalized(tree: ast.AST) -> str:
    """The syntax tree with every string constant blanked: what is left is the code's structure."""

    class Blank(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.AST:
            if isinstance(node.value, str):
                return ast.copy_location(ast.Constant(value=""), node)
            return node

    return ast.dump(Blank().visit(tree), include_attributes=False)


@functools.cache
def committed_structure() -> dict[str, str]:
    """The normalized syntax tree of each module of the committed package."""
    package = REPO / "generated" / "mtgox"
    return {p.name: normalized(ast.parse(p.read_text(encoding="utf-8"))) for p in package.glob("*.py")}


class Workspace:
    """A catalogue file, a copy of generated/ to write into, and the committed package's structure."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.catalogue = root / "cat" / "endpoints.yaml"
        self.catalogue.parent.mkdir(parents=True, exist_ok=True)
        self.pristine = root / "pristine"
        shutil.copytree(REPO / "generated", self.pristine, ignore=shutil.ignore_patterns("__pycache__"))
        self.out = root / "out"
        self.reset_out()
        self.pristine_hash = tree_hash(self.pristine)
        self.structure = committed_structure()

    def reset_out(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)
        shutil.copytree(self.pristine, self.out)


def run_main(argv: list[str]) -> tuple[int | None, str, str, str | None]:
    """(exit status, stdout, stderr, crash) of an in-process `python -m mtgox_codegen`."""
    out, err = io.StringIO(), io.StringIO()
    crash = None
    code: int | None = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:
        crash = f"{type(exc).__name__}: {exc}"
    return code, out.getvalue(), err.getvalue(), crash


def judge(mutant: Mutant, ws: Workspace) -> Outcome:
    ws.catalogue.write_bytes(mutant.content)
    code, _, err, crash = run_main(["--catalogue", str(ws.catalogue), "--out", str(ws.out), "--runtime", "shared"])
    if crash is not None:
        ws.reset_out()
        return Outcome(mutant, None, "crash (traceback)", [f"traceback: {crash}"])
    if code == 2:
        problems = check_refusal(mutant, err)
        if tree_hash(ws.out) != ws.pristine_hash:
            problems.append("the output directory changed")
            ws.reset_out()
        return Outcome(mutant, 2, "refused (exit 2)", problems)
    if code != 0:
        ws.reset_out()
        return Outcome(mutant, code, f"crash (exit {code})", [f"exit {code}: {err.strip()[-300:]}"])
    problems = []
    if mutant.expect == INVALID:
        problems.append("an invalid catalogue was accepted")
    problems += check_output(mutant, ws)
    ws.reset_out()
    return Outcome(mutant, 0, "accepted (exit 0)", problems)


def check_refusal(mutant: Mutant, err: str) -> list[str]:
    lines = err.rstrip("\n").split("\n")
    n_lines = mutant.content.count(b"\n") + 1
    problems = []
    if len(lines) < 2 or not SUMMARY_LINE.match(lines[-1]):
        problems.append(f"no summary line: {err[-200:]!r}")
    for line in lines[:-1]:
        found = PROBLEM_LINE.match(line)
        if found is None:
            problems.append(f"not a FILE:LINE: message line: {line[:150]!r}")
        elif not 0 < int(found.group(1)) <= n_lines:
            problems.append(f"line {found.group(1)} is not a line of the file ({n_lines} lines): {line[:150]!r}")
    if "Traceback" in err:
        problems.append("a traceback was printed")
    return problems


def check_output(mutant: Mutant, ws: Workspace) -> list[str]:
    problems: list[str] = []
    package_dirs = [p for p in ws.out.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    if len(package_dirs) != 1:
        return [f"expected one package in the output, found {[p.name for p in package_dirs]}"]
    package = package_dirs[0]
    for path in sorted(package.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source, filename=str(path))
            compile(tree, str(path), "exec")
        except SyntaxError as exc:
            problems.append(f"{path.name} does not compile: {exc}")
            continue
        problems += [f"{path.name}: {p}" for p in injected(tree)]
        if mutant.expect == HARMLESS and normalized(tree) != ws.structure.get(path.name):
            problems.append(f"{path.name}: the code's structure changed, not only its strings")
    if problems:
        return problems
    with imported(ws.out, package.name) as module:
        if isinstance(module, str):
            return [f"the package does not import: {module}"]
        problems += probe(mutant, module)
    return problems


def injected(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.append(f"imports {[a.name for a in node.names]}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module not in ALLOWED_IMPORTS:
            out.append(f"imports from {node.module}")
        elif isinstance(node, ast.Name) and node.id in DENIED_NAMES:
            out.append(f"uses the name {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in DENIED_NAMES:
            out.append(f"uses the attribute {node.attr}")
    return out


@contextlib.contextmanager
def imported(out: Path, package: str) -> Iterator[Any]:
    """Import the generated package from `out` in this process, then put the real one back."""
    saved = {k: v for k, v in sys.modules.items() if k == package or k.startswith(package + ".")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        try:
            module = importlib.import_module(package)
            for path in sorted((out / package).glob("*.py")):
                if path.stem != "__init__":
                    importlib.import_module(f"{package}.{path.stem}")
        except Exception as exc:
            yield f"{type(exc).__name__}: {exc}"
        else:
            assert Path(module.__file__ or "").is_relative_to(out)
            yield module
    finally:
        sys.dont_write_bytecode = dont_write
        sys.path.remove(str(out))
        for name in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
            del sys.modules[name]
        sys.modules.update(saved)
        importlib.invalidate_caches()


def probe(mutant: Mutant, module: Any) -> list[str]:
    """An injected parameter still sends the caller's value; an injected field still reads its own."""
    if mutant.category not in ("inject a parameter name", "inject a field name"):
        return []
    catalogue = load_catalogue_text(mutant.content)
    if mutant.category == "inject a parameter name":
        return [p for e in catalogue.endpoints for p in _probe_params(e, catalogue, module)]
    return [p for model in catalogue.models.values() for p in _probe_fields(model, catalogue, module)]


def _probe_params(e: m.Endpoint, catalogue: m.Catalogue, module: Any) -> list[str]:
    params = [p for p in e.params if p.description == "injected" or p.wire == "injected_param"]
    problems = []
    for p in params:
        kwargs = sample_kwargs(e)
        kwargs[p.python] = SENTINEL
        with respx.mock(assert_all_mocked=True) as router:
            route = router.route().mock(return_value=_answer_in_format_of(e))
            api = module.Client(KEY, SECRET, base_url="https://x.invalid/api", nonce_store="memory", rate_limit=None)
            try:
                getattr(getattr(api, e.version.key), e.name)(**kwargs)
            except module.MtGoxError:
                pass
            except Exception as exc:
                problems.append(f"{e.key}({p.python}=...) raised {type(exc).__name__}: {exc}")
                continue
            finally:
                api.close()
            if route.call_count != 1:
                problems.append(f"{e.key}({p.python}=...) sent {route.call_count} requests")
                continue
            request = route.calls.last.request
            sent = request.content.decode() + "&" + request.url.query.decode()
            if f"{p.wire}={SENTINEL}" not in sent:
                problems.append(f"{e.key}: parameter {p.python!r} did not send the caller's value: {sent[:200]}")
    return problems


def _answer_in_format_of(e: m.Endpoint) -> httpx.Response:
    """An answer the endpoint's format reads (a JSON `{}` to a CSV endpoint is a broken answer,
    rightly retried on an idempotent call: that would measure the retry, not the parameter)."""
    if e.response_format == "csv":
        return httpx.Response(200, text="Index,Date,Type,Info,Value,Balance\n", headers={"content-type": "text/csv"})
    if e.response_format == "text":
        return httpx.Response(200, text="ok\n", headers={"content-type": "text/plain"})
    return httpx.Response(200, json={})


def _probe_fields(model: m.Model, catalogue: m.Catalogue, module: Any) -> list[str]:
    fields = [f for f in model.fields if f.wire == "injected_field" or f.type == m.TypeRef("scalar", "string")]
    fields = [
        f
        for f in fields
        if f.optional and f.description == "" and f.wire not in _ORIGINAL_WIRES.get(model.name, frozenset())
    ]
    problems = []
    for f in fields:
        raw = sample_value(m.TypeRef("model", model.name), catalogue)
        raw[f.wire] = SENTINEL
        try:
            parsed = getattr(module.types, model.name).from_wire(raw)
        except Exception as exc:
            problems.append(f"{model.name}.from_wire raised {type(exc).__name__}: {exc}")
            continue
        if getattr(parsed, f.python, None) != SENTINEL:
            problems.append(f"{model.name}.{f.python} does not hold the value of {f.wire!r}")
    return problems


def _original_wires() -> dict[str, frozenset[str]]:
    catalogue = load_catalogue_text((REPO / "endpoints.yaml").read_bytes())
    return {name: frozenset(f.wire for f in model.fields) for name, model in catalogue.models.items()}


_ORIGINAL_WIRES: dict[str, frozenset[str]] = _original_wires()
