"""Generated code reads like hand-written code: modules imported under their own names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GENERATED = Path(__file__).resolve().parents[2] / "generated" / "mtgox"
MODULES = sorted(GENERATED.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_no_module_is_imported_under_another_name(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    renamed = [
        f"{alias.name} as {alias.asname}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if alias.asname is not None
        and alias.asname != alias.name
        # `from x import y as _y`: a private handle on a public name, never a short alias
        and alias.asname != "_" + alias.name
    ]
    assert renamed == []


def test_version_modules_use_the_runtime_and_model_modules_by_name() -> None:
    source = (GENERATED / "v2.py").read_text(encoding="utf-8")
    assert "from mtgox_runtime import AsyncNamespace, SyncNamespace, _encode, _parse, async_raw, sync_raw" in source
    assert "from . import _endpoints, types" in source
    assert '_encode.money_int(amount, 8, "amount", "BTC"' in source
    assert "-> types.Ticker:" in source
