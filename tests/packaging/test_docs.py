"""`python -m mtgox.docs`: the reference and the clone example, from the package itself."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mtgox import docs
from mtgox_catalogue import EXAMPLES_DIR, SCHEMA_PATH
from mtgox_runtime.docs import SUFFIXES, collect, directories

REPO = Path(__file__).resolve().parents[2]
NAMES = ["readme", "api", "stream", "architecture", "catalogue", "cli", "dashboard", "generator", "sandbox"]


def test_the_list_names_every_reference_and_the_clone_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main([]) == 0
    listed = [
        line.split()[0] for line in capsys.readouterr().out.splitlines() if line and not line.startswith("python")
    ]
    assert listed == [*NAMES, "goxclone.yaml", "endpoints.schema.json"]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("api", REPO / "generated" / "API.md"),
        ("sandbox", REPO / "docs" / "sandbox.md"),
        ("README", REPO / "README.md"),
        ("goxclone.yaml", EXAMPLES_DIR / "goxclone.yaml"),
        ("endpoints.schema.json", SCHEMA_PATH),
    ],
)
def test_a_name_prints_the_document_or_where_it_is(name: str, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main([name]) == 0
    assert capsys.readouterr().out == path.read_text(encoding="utf-8")
    assert docs.main(["--path", name]) == 0
    assert Path(capsys.readouterr().out.strip()) == path.resolve()


def test_an_unknown_name_is_exit_2_listing_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main(["quickstart"]) == 2
    err = capsys.readouterr().err
    assert "no document 'quickstart'" in err and "goxclone.yaml" in err


def test_import_mtgox_does_not_load_the_docs() -> None:
    code = "import sys, mtgox; print(sorted(m for m in sys.modules if m.endswith('docs')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_wheel_carries_the_same_documents_as_the_checkout() -> None:
    """pyproject's force-include into mtgox/_docs and the generated module's checkout places agree."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    force = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    in_wheel = set()
    for source, destination in force.items():
        if destination == "mtgox/_docs":
            in_wheel |= {p.name for p in (REPO / source).iterdir() if p.suffix in SUFFIXES}
        elif destination.startswith("mtgox/_docs/"):
            in_wheel.add(destination.removeprefix("mtgox/_docs/"))
    places = directories(REPO / "generated" / "mtgox", docs.CHECKOUT)
    in_checkout = {doc.path.name for doc in collect(places).values()}
    assert in_wheel == in_checkout
