"""Whole-process figures: `import mtgox` against `import httpx`, and generating the catalogue.

Each run is a fresh interpreter (the same executable and flags for both sides), timed from
spawn to exit; the sides alternate run by run, after one untimed warm-up run each.

Bytecode: an installed package has its `.pyc` files (pip compiles them), but a source checkout
run with PYTHONDONTWRITEBYTECODE=1 (as on the CI machine) recompiles `mtgox` on every import while
httpx, from site-packages, is cached: not a fair comparison. So the children run with
PYTHONPYCACHEPREFIX set to a temp directory (and bytecode writing on): the warm-up run fills it
for both sides, nothing is written into the source tree. `extra` keeps the figure with the source
tree's modules compiled at each import (httpx still cached), as a checkout without bytecode runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from functools import partial
from pathlib import Path

from .harness import Figure, Sizes, interleave, median, process_seconds

REPO = Path(__file__).resolve().parent.parent
IMPORT_TARGET_MS = 50.0
GENERATE_TARGET_S = 2.0


def child_env(pycache: Path | None) -> dict[str, str]:
    """The environment of a timed child: every module's bytecode cached under `pycache`; or (None)
    no bytecode written and the usual `__pycache__` dirs read: site-packages cached, the source
    tree's modules compiled at each import."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def import_ms_over_httpx(sizes: Sizes) -> list[Figure]:
    py = sys.executable
    commands = {
        "mtgox": [py, "-c", "import mtgox"],
        "httpx": [py, "-c", "import httpx"],
        "bare": [py, "-c", "pass"],
    }
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-pycache-") as tmp:
        cached, uncached = child_env(Path(tmp)), child_env(None)
        sides = {k: partial(process_seconds, c, cwd=REPO, env=cached) for k, c in commands.items()}
        sides["mtgox_uncached"] = partial(process_seconds, commands["mtgox"], cwd=REPO, env=uncached)
        for side in sides.values():
            side()
        samples = interleave(sides, sizes.process_runs)
    ms = {k: median(v) * 1e3 for k, v in samples.items()}
    return [
        Figure(
            "import_ms_over_httpx",
            "ms",
            ms["mtgox"] - ms["httpx"],
            ms["httpx"],
            "`python -c 'import httpx'`, whole process",
            sizes.process_runs,
            f"median whole-process time of `python -c 'import mtgox'` minus that of `import httpx`, "
            f"{sizes.process_runs} interleaved fresh interpreters each, bytecode cached (in a temp "
            f"PYTHONPYCACHEPREFIX); baseline column: import httpx",
            target=IMPORT_TARGET_MS,
            target_on="value",
            extra={
                "medians_ms": {k: round(v, 1) for k, v in ms.items()},
                "over_httpx_source_tree_uncached_ms": round(ms["mtgox_uncached"] - ms["httpx"], 1),
            },
        )
    ]


def generate_s(sizes: Sizes) -> list[Figure]:
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-gen-") as tmp:
        out = Path(tmp) / "out"
        env = child_env(Path(tmp) / "pycache")
        commands = {
            "generate": [py, "-m", "mtgox_codegen", "--out", str(out), "--runtime", "shared"],
            "bare": [py, "-c", "pass"],
        }
        sides = {k: partial(process_seconds, c, cwd=REPO, env=env) for k, c in commands.items()}
        for side in sides.values():
            side()
        samples = interleave(sides, sizes.generate_runs)
        written = sum(1 for p in out.rglob("*") if p.is_file())
    s = {k: median(v) for k, v in samples.items()}
    return [
        Figure(
            "generate_s",
            "s",
            s["generate"],
            s["bare"],
            "`python -c pass` (interpreter start-up)",
            sizes.generate_runs,
            f"whole process `python -m mtgox_codegen --out <tmpdir>` (endpoints.yaml -> {written} files), "
            f"median of {sizes.generate_runs} runs interleaved with bare interpreter start-ups, bytecode cached",
            target=GENERATE_TARGET_S,
            target_on="value",
            extra={"files_written": written},
        )
    ]
