"""`fixture_ms`: what the `sandbox` pytest fixture costs each test, for a fresh exchange.

The fixture resets one running `serve --resettable` process to a new, empty database per test
(`Sandbox.reset`, exactly what the fixture calls; it returns once the new exchange serves).
Baseline, in the same run: the fixture as it was before, a `mtgox-sandbox serve` subprocess
started for the test (catalogue loaded, uvicorn listening) and stopped after it (SIGTERM, wait).
Batches of both alternate round by round; each figure is over all its per-test samples.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mtgox_sandbox import Sandbox

from .harness import Figure, Sizes, interleave, median

TARGET_MS = 50.0


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] if len(samples) > 1 else samples[0]


def fixture_ms(sizes: Sizes) -> list[Figure]:
    rounds = sizes.fixture_rounds
    per_round = max(1, sizes.fixture_tests // rounds)
    baseline_per_round = max(1, sizes.fixture_baseline_runs // rounds)
    samples: dict[str, list[float]] = {"reset": [], "process": []}
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-fixture-") as tmp:
        root = Path(tmp)
        server = Sandbox(root / "first.db", resettable=True).start()
        made = iter(range(1 << 30))

        def batch(side: str, count: int, one: Callable[[Path], object]) -> Callable[[], float]:
            def run() -> float:
                for _ in range(count):
                    db = root / f"test-{next(made)}" / "sandbox.db"
                    db.parent.mkdir()  # pytest's tmp_path exists before the fixture runs
                    started = time.perf_counter()
                    one(db)
                    samples[side].append((time.perf_counter() - started) * 1e3)
                return median(samples[side][-count:])

            return run

        def fresh_process(db: Path) -> None:
            with Sandbox(db):
                pass

        try:
            interleave(
                {
                    "reset": batch("reset", per_round, server.reset),
                    "process": batch("process", baseline_per_round, fresh_process),
                },
                rounds,
            )
        finally:
            server.stop()
    reset, process = samples["reset"], samples["process"]
    method = (
        f"per test: `Sandbox.reset(new db)` on one `serve --resettable` process (what the `sandbox` fixture "
        f"does), {len(reset)} tests; baseline: `serve` subprocess started and stopped per test (the fixture "
        f"before), {len(process)} tests; {rounds} interleaved rounds"
    )
    extra = {
        "median_ms": round(median(reset), 2),
        "p95_ms": round(p95(reset), 2),
        "baseline_median_ms": round(median(process), 1),
        "baseline_p95_ms": round(p95(process), 1),
    }
    return [
        Figure(
            "fixture_ms",
            "ms",
            median(reset),
            median(process),
            "a `serve` subprocess per test, started and stopped (the fixture before)",
            len(reset),
            "median; " + method,
            target=TARGET_MS,
            target_on="value",
            extra=extra,
        ),
        Figure(
            "fixture_ms.p95",
            "ms",
            p95(reset),
            p95(process),
            "p95 of the same subprocess starts and stops",
            len(reset),
            "95th percentile; " + method,
        ),
    ]
