"""Handler modules never import each other: what two of them send lives in `api/handlers/shared.py` (or `api/payloads.py`, pure)."""

from __future__ import annotations

import ast
from pathlib import Path

import mtgox_sandbox.api.handlers

HANDLERS = Path(mtgox_sandbox.api.handlers.__file__).parent
HANDLER_MODULES = {p.stem for p in HANDLERS.glob("*.py")} - {"__init__", "shared"}


def test_handler_modules_import_no_other_handler_module() -> None:
    assert {"account", "funding", "market", "trading"} <= HANDLER_MODULES
    crossings = []
    for name in sorted(HANDLER_MODULES):
        tree = ast.parse((HANDLERS / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                imported = {node.module} if node.module else {alias.name for alias in node.names}
                crossings += [f"{name} -> {other}" for other in imported & HANDLER_MODULES]
    assert crossings == []
