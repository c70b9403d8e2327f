"""The mutation lists stay applicable: each hand-written edit still matches once, each group's files exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import run, tool

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("mutant", run.MUTANTS, ids=[m.name for m in run.MUTANTS])
def test_every_hand_written_mutant_applies_exactly_once(mutant: run.Mutant) -> None:
    for edit in mutant.edits:
        assert (REPO / edit.path).read_text(encoding="utf-8").count(edit.old) == 1, edit.path
        assert edit.new != edit.old
    for tests in mutant.tests:
        assert (REPO / tests).exists(), tests


def test_the_groups_name_existing_files_and_tests() -> None:
    groups = tool.load_groups()  # exits when a path is missing
    assert {"auth", "stream-session", "call-encoding", "exchange"} <= {g.name for g in groups}
    assert tool.staged("runtime/mtgox_runtime/_auth.py") == "src/mtgox_runtime/_auth.py"
    assert tool.staged("generated/mtgox/v2.py") == "src/mtgox/v2.py"
    assert tool.staged("tests/contract") == "tests/contract"


def test_every_equivalent_names_a_mutated_module_and_a_reason() -> None:
    modules = {".".join(Path(tool.staged(f)).with_suffix("").parts[1:]) for g in tool.load_groups() for f in g.files}
    for name, reason in tool.load_equivalents().items():
        module = name.split(".x")[0]
        assert module in modules, name
        assert len(reason) > 20, name
