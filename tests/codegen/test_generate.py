"""Generation: deterministic, atomic, drift-checked, and safe whatever text the catalogue holds."""

from __future__ import annotations

import ast
import difflib
import subprocess
import sys
from pathlib import Path

import pytest

from mtgox_catalogue import load_catalogue_text
from mtgox_codegen import GenerationError
from mtgox_codegen.__main__ import main
from mtgox_codegen.render import render
from mtgox_codegen.writer import MARKER, check, write

from .conftest import REPO


def generate(text: str, out: Path, package: str = "miniex") -> dict[str, str]:
    files = render(load_catalogue_text(text.encode()), package)
    write(files, "marker\n", out)
    return files


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generation_is_deterministic(mini_text: str, tmp_path: Path) -> None:
    generate(mini_text, tmp_path / "a")
    generate(mini_text, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    files = tree(tmp_path / "a")
    assert {"miniex/__init__.py", "miniex/v1.py", "miniex/v2.py", "miniex/types.py", "API.md", MARKER} <= set(files)


def test_every_file_says_it_is_generated(mini_text: str, tmp_path: Path) -> None:
    generate(mini_text, tmp_path / "out")
    for rel, content in tree(tmp_path / "out").items():
        if rel.endswith((".py", ".md")):
            head = content.decode().splitlines()[:3]
            assert any("Do not edit" in line for line in head), rel


def test_the_catalogue_hash_is_in_one_file_only(mini_text: str, tmp_path: Path) -> None:
    digest = load_catalogue_text(mini_text.encode()).source_hash
    generate(mini_text, tmp_path / "out")
    holding = sorted(rel for rel, content in tree(tmp_path / "out").items() if digest.encode() in content)
    assert holding == ["miniex/_catalogue.py"]


def test_a_one_word_description_edit_changes_only_what_shows_that_description(mini_text: str, tmp_path: Path) -> None:
    """A reviewer of a catalogue change sees the change, not a rewrite of every generated file."""
    before = tree_after(mini_text, tmp_path / "before")
    assert "description: Place an order." in mini_text
    after = tree_after(
        mini_text.replace("description: Place an order.", "description: Place an offer."), tmp_path / "after"
    )
    changed = sorted(rel for rel in before if before[rel] != after[rel])
    # The method's docstring (v2.py), its reference (API.md), its command's help (cli.py), and the
    # hash line of _catalogue.py.
    assert changed == ["API.md", "miniex/_catalogue.py", "miniex/cli.py", "miniex/v2.py"]
    catalogue_diff = [
        line
        for line in difflib.unified_diff(
            before["miniex/_catalogue.py"].decode().splitlines(),
            after["miniex/_catalogue.py"].decode().splitlines(),
            n=0,
        )
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert len(catalogue_diff) == 2 and all("CATALOGUE_SHA256 = " in line for line in catalogue_diff)


def tree_after(text: str, out: Path) -> dict[str, bytes]:
    generate(text, out)
    return tree(out)


def test_generated_python_compiles(mini_text: str, tmp_path: Path) -> None:
    generate(mini_text, tmp_path / "out")
    for path in (tmp_path / "out").rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_check_mode_finds_every_kind_of_drift(mini_text: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = generate(mini_text, out)
    assert check(files, "marker\n", out) == []
    (out / "miniex" / "v2.py").write_text("# edited by hand\n", encoding="utf-8")
    (out / "miniex" / "extra.py").write_text("x = 1\n", encoding="utf-8")
    (out / "API.md").unlink()
    problems = check(files, "marker\n", out)
    assert any(p.startswith("differs: miniex/v2.py") for p in problems)
    assert "not generated (remove it or regenerate): miniex/extra.py" in problems
    assert "missing: API.md" in problems


def test_an_invalid_catalogue_leaves_the_output_untouched(
    mini_text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "endpoints.yaml"
    good.write_text(mini_text, encoding="utf-8")
    out = tmp_path / "generated"
    assert main(["--catalogue", str(good), "--out", str(out)]) == 0
    before = tree(out)
    good.write_text(mini_text.replace("http: GET", "http: PUT"), encoding="utf-8")
    assert main(["--catalogue", str(good), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "endpoints.yaml:" in err and "nothing was written" in err
    assert tree(out) == before


def test_a_failed_render_or_format_leaves_the_output_untouched(mini_text: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = generate(mini_text, out)
    before = tree(out)
    broken = dict(files, **{"miniex/v2.py": "def broken(:\n"})  # ruff cannot format this
    with pytest.raises(GenerationError):
        write(broken, "marker\n", out)
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "temporary directories were left behind"


def test_a_directory_not_written_by_the_generator_is_never_replaced(mini_text: str, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(GenerationError, match="not written by this generator"):
        generate(mini_text, precious)
    assert (precious / "thesis.tex").read_text(encoding="utf-8") == "years of work"


INJECTIONS = [
    'Evil."""\nimport os\nos.system("echo pwned")\n"""',
    "Backslash at the end \\",
    'Ends with a quote"',
    "Triple single ''' and \\x00-free \\N{BULLET} text",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_catalogue_text_cannot_escape_into_code(mini_text: str, tmp_path: Path, payload: str) -> None:
    quoted = payload.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    text = mini_text.replace("description: Place an order.", f'description: "{quoted}"')
    text = text.replace("    description: A quote.", f'    description: "{quoted}"')
    generate(text, tmp_path / "out")
    for path in (tmp_path / "out").rglob("*.py"):
        module = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(module) if isinstance(n, ast.Name)}
        assert "os" not in names, f"{path.name}: catalogue text became code"
        calls = [n for n in ast.walk(module) if isinstance(n, ast.Attribute) and n.attr == "system"]
        assert not calls, path.name


def test_cli_check_against_the_committed_tree() -> None:
    """What `make check-generated` runs: generated/ matches endpoints.yaml byte for byte."""
    result = subprocess.run(
        [sys.executable, "-m", "mtgox_codegen", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "up to date" in result.stdout
