"""No import cycle in the hand-written packages, counting every import: module level, under
`TYPE_CHECKING` and inside functions (the interpreter never trips on those; a reader does).

`CHECKED` lists the source roots held to it; a root joins by adding its folder (the sandbox
will, once it is layered).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .imports import REPO, cycles, import_graph

CHECKED = ("runtime", "catalogue", "codegen", "generated")


def test_the_checked_packages_have_no_import_cycle() -> None:
    graph = import_graph(REPO / root for root in CHECKED)
    assert len(graph) > 50, f"only {len(graph)} modules found: the roots moved?"
    assert cycles(graph) == [], "import cycles (every import counted): " + "; ".join(
        " <-> ".join(c) for c in cycles(graph)
    )


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "b_text",
    [
        "from . import a\n",
        "from .a import thing\n",
        "import pkg.a\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import thing\n",
        "def late():\n    from .a import thing\n    return thing\n",
        "class C:\n    def m(self):\n        from pkg import a\n        return a\n",
    ],
    ids=["relative", "from-module", "absolute", "type-checking", "function-local", "method-local"],
)
def test_every_kind_of_import_closes_a_cycle(tmp_path: Path, b_text: str) -> None:
    """The checker itself: a cycle hidden in each kind of import is found."""
    root = _package(tmp_path, {"__init__.py": "", "a.py": "from .b import other\n", "b.py": b_text})
    assert cycles(import_graph([root])) == [["pkg.a", "pkg.b"]]


def test_a_package_importing_its_submodules_is_no_cycle(tmp_path: Path) -> None:
    """`from . import x` names the module x, not the package's `__init__` that re-exports it."""
    root = _package(
        tmp_path,
        {
            "__init__.py": "from .a import thing\n",
            "a.py": "from . import b\nthing = 1\n",
            "b.py": "import os\n",
            "sub/__init__.py": "from ..a import thing\n",
        },
    )
    graph = import_graph([root])
    assert graph["pkg"] == {"pkg.a"} and graph["pkg.a"] == {"pkg.b"} and graph["pkg.sub"] == {"pkg.a"}
    assert cycles(graph) == []
