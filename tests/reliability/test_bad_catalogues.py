"""Bad catalogues: hundreds of mutations of the real `endpoints.yaml` through `python -m mtgox_codegen`.

Each must be refused with `endpoints.yaml:LINE: message` lines (exit 2, nothing written), or,
when harmless, generate code that compiles, holds no injected statement and imports. Never a
traceback, never exit 1 or 3. (`catmut.py` makes the mutants, `mutrun.py` judges them.)
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from mtgox_catalogue import CatalogueError, Problem, load_catalogue_text

from . import catmut, mutrun
from .support import REPO, record

#: The loader is pure-Python YAML (~0.12 s a catalogue) and this machine has about one core's
#: throughput, so the default run judges a sample of every family; `-m stress` judges 900 more.
DEFAULT_MUTANTS = 48
STRESS_MUTANTS = 900


def judge_all(mutants: list[catmut.Mutant], root: Path) -> list[mutrun.Outcome]:
    workspace = mutrun.Workspace(root)
    return [mutrun.judge(mutant, workspace) for mutant in mutants]


def report(outcomes: list[mutrun.Outcome], prefix: str) -> list[str]:
    by_outcome = Counter(o.label for o in outcomes)
    by_expectation = Counter(f"{o.mutant.expect} -> {o.label}" for o in outcomes)
    by_category = Counter(f"{o.mutant.category.split(' (')[0]} -> {o.label}" for o in outcomes)
    record(f"{prefix}: tried", len(outcomes))
    for label, n in by_outcome.items():
        record(f"{prefix}: {label}", n)
    record(f"{prefix}: by expectation", dict(sorted(by_expectation.items())))
    record(f"{prefix}: by category", dict(sorted(by_category.items())))
    return [f"{catmut.describe(o.mutant)[:150]} -> {o.label}: {p}" for o in outcomes for p in o.problems]


def test_catalogue_mutations(tmp_path: Path) -> None:
    outcomes = judge_all(catmut.generate(DEFAULT_MUTANTS, seed=20240601), tmp_path)
    problems = report(outcomes, "catalogue mutations")
    assert {o.label for o in outcomes} <= {"refused (exit 2)", "accepted (exit 0)"}
    assert problems == [], "\n".join(problems[:30])


@pytest.mark.stress
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_catalogue_mutations_long(tmp_path: Path, seed: int) -> None:
    outcomes = judge_all(catmut.generate(STRESS_MUTANTS // 3, seed=seed), tmp_path)
    problems = report(outcomes, "catalogue mutations (stress)")
    assert problems == [], "\n".join(problems[:30])


@pytest.fixture
def workspace(tmp_path: Path) -> mutrun.Workspace:
    return mutrun.Workspace(tmp_path)


def text_with(old: str, new: str) -> bytes:
    assert old in catmut.ORIGINAL
    return catmut.ORIGINAL.replace(old, new, 1).encode()


def test_every_text_payload_at_once(workspace: mutrun.Workspace) -> None:
    """Each injection payload in its own description, note, model or field description: one run."""
    src = catmut.Source()
    targets = src.select(catmut.is_text)
    step = len(targets) // len(catmut.TEXT_PAYLOADS)
    picks = [(targets[i * step], payload) for i, payload in enumerate(catmut.TEXT_PAYLOADS)]
    text = src.text
    for pair, payload in sorted(picks, key=lambda pick: -pick[0].value.start_mark.index):
        start, end = src.value_span(pair)
        text = text[:start] + catmut.yaml_quote(payload) + text[end:]
    outcome = mutrun.judge(catmut.Mutant("text payloads", "all", text.encode(), catmut.HARMLESS), workspace)
    record("catalogue mutations: text payloads (all in one catalogue)", len(picks))
    assert outcome.label == "accepted (exit 0)" and outcome.problems == [], outcome.problems


# -- the command line, for real ------------------------------------------------------------------------


def cli(catalogue: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "mtgox_codegen",
        "--catalogue",
        str(catalogue),
        "--out",
        str(out),
        "--runtime",
        "shared",
    ]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("old", "new", "status"),
    [
        ("      http: GET\n", "      http: GET\n      http: POST\n", 2),
        ("  v1:\n    prefix:", "  v1:\n\tprefix:", 2),
        (
            "description: USD and BTC balances (deprecated by Mt. Gox for info.php).",
            'description: "\\"\\"\\" import os; \\\\ balances"',
            0,
        ),
    ],
    ids=["duplicate key", "tab", "injected description"],
)
def test_the_command_line(tmp_path: Path, old: str, new: str, status: int) -> None:
    workspace = mutrun.Workspace(tmp_path)
    workspace.catalogue.write_bytes(text_with(old, new))
    result = cli(workspace.catalogue, workspace.out)
    record("catalogue mutations: subprocess runs", 1)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    if status == 2:
        lines = result.stderr.strip().split("\n")
        assert all(mutrun.PROBLEM_LINE.match(line) for line in lines[:-1]), result.stderr
        assert mutrun.SUMMARY_LINE.match(lines[-1])
        assert mutrun.tree_hash(workspace.out) == workspace.pristine_hash
    else:
        mutant = catmut.Mutant("cli", old, text_with(old, new), catmut.HARMLESS)
        assert mutrun.check_output(mutant, workspace) == []


# -- regressions ------------------------------------------------------------------------------------------
# Bugs this suite found, fixed in 519d598 ("Codegen: refuse catalogue names that broke the generated
# package"): each was accepted (exit 0) with a broken or wrong package, or crashed.

ORDER_ADD = (
    '        type: {type: enum, values: [bid, ask], required: true, description: "bid buys BTC; ask sells BTC."}\n'
)
TICKER = (
    "  Ticker:\n    description: Ticker of one pair (v1, v2); every price in the pair's quote currency.\n    fields:\n"
)
INFO_DESCRIPTION = "description: USD and BTC balances (deprecated by Mt. Gox for info.php)."


def refused_by_the_loader(text: bytes) -> list[Problem]:
    with pytest.raises(CatalogueError) as info:
        load_catalogue_text(text)
    assert all(p.line > 0 for p in info.value.problems)
    return info.value.problems


def test_a_lone_surrogate_is_refused_with_its_line(workspace: mutrun.Workspace) -> None:
    """It used to crash the writer with UnicodeEncodeError (a traceback, exit 1)."""
    refused_by_the_loader(text_with(INFO_DESCRIPTION, 'description: "a \\ud800 b"'))
    text = text_with(INFO_DESCRIPTION, 'description: "\\udc80"')
    outcome = mutrun.judge(catmut.Mutant("surrogate", "", text, catmut.INVALID), workspace)
    assert outcome.label == "refused (exit 2)" and outcome.problems == []


@pytest.mark.parametrize(
    "param",
    [
        "        path: {type: string, description: injected}\n",
        "        params: {type: string, description: injected}\n",
        "        injected_param: {type: string, python: QUOTE}\n",
        "        injected_param: {type: string, python: DECIMALS}\n",
        "        injected_param: {type: string, python: PAIRS}\n",
        "        injected_param: {type: string, python: CURRENCIES}\n",
    ],
    ids=["path", "params", "QUOTE", "DECIMALS", "PAIRS", "CURRENCIES"],
)
def test_a_parameter_cannot_shadow_the_generated_code(param: str) -> None:
    """`path` used to send the URL path instead of the caller's value, `params` was always refused, the
    upper-case names broke every call of the method."""
    refused_by_the_loader(text_with(ORDER_ADD, ORDER_ADD + param))


def test_a_parameter_named_path_is_refused_and_nothing_written(workspace: mutrun.Workspace) -> None:
    text = text_with(ORDER_ADD, ORDER_ADD + "        path: {type: string, description: injected}\n")
    outcome = mutrun.judge(catmut.Mutant("inject a parameter name", "path", text, catmut.INVALID), workspace)
    assert outcome.label == "refused (exit 2)" and outcome.problems == []


@pytest.mark.parametrize(
    "field",
    ["      self: string?\n", "      injected_field: {type: string, optional: true, python: FIELDS}\n"],
    ids=["self", "FIELDS"],
)
def test_a_field_cannot_break_the_model_class(field: str) -> None:
    """`self` made __init__ a SyntaxError, python: FIELDS a slots conflict: the package did not import."""
    refused_by_the_loader(text_with(TICKER, TICKER + field))


@pytest.mark.parametrize("name", ["None", '"True"', '"False"', "ClassVar"])
def test_a_model_cannot_be_named_like_a_keyword_or_an_import(name: str) -> None:
    """Keywords ended in exit 3 (ruff could not parse the output); ClassVar broke mypy strict."""
    refused_by_the_loader(text_with("  Ticker:\n", f"  {name}:\n    fields: {{a: string}}\n  Ticker:\n"))


@pytest.mark.parametrize("package", ["mtgox_runtime", "httpx", "x" * 300])
def test_the_package_cannot_shadow_the_runtime_or_be_unbounded(package: str) -> None:
    """The runtime's names gave a package that could not import; 300 characters crashed the writer."""
    refused_by_the_loader(text_with("  package: mtgox\n", f"  package: {package}\n"))
