"""Timing helpers, the Figure record, machine information, the table and results.json.

Every comparison is made in one run: the SDK and its baseline take turns round by round
(A B, B A, A B, ...), so drift (thermal, other load, the page cache) hits both alike, and each
side's figure is the median of its rounds.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does: `full`, `quick`, or `tiny` (the smoke test)."""

    name: str
    call_rounds: int  # rounds per side for per-call latency
    calls_per_round: int
    fanout_rounds: int
    fanout_calls: int
    sign_loops: int  # iterations per round of the signing micro-benchmark
    sign_rounds: int
    depth_orders: int
    depth_rounds: int
    process_runs: int  # fresh-interpreter runs per side for imports
    generate_runs: int
    sandbox_rounds: int
    sandbox_seconds: float
    sandbox_clients: int
    engine_orders: int
    fixture_tests: int  # fresh exchanges from the `sandbox` fixture's reset
    fixture_baseline_runs: int  # sandbox processes started and stopped (the baseline, ~0.8 s each)
    fixture_rounds: int


FULL = Sizes("full", 9, 300, 7, 1000, 20_000, 7, 50_000, 7, 15, 5, 5, 3.0, 8, 5_000, 200, 30, 5)
QUICK = Sizes("quick", 5, 150, 2, 1000, 5_000, 5, 50_000, 3, 7, 2, 2, 1.0, 8, 1_500, 100, 10, 5)
TINY = Sizes("tiny", 2, 5, 1, 20, 50, 2, 200, 1, 1, 1, 1, 0.2, 2, 30, 4, 2, 2)


@dataclass
class Figure:
    """One benchmark figure: the SDK's value beside its baseline, measured in the same run.

    `target_on` says what the target bounds: "ratio" (value / baseline) or "value".
    `higher_is_better` flips the comparison (throughputs).
    """

    name: str
    unit: str
    value: float
    baseline: float | None
    baseline_label: str
    repeats: int
    method: str
    target: float | None = None
    target_on: str = "ratio"
    higher_is_better: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.error is not None:
            return False
        if self.target is None:
            return None
        measured = self.ratio if self.target_on == "ratio" else self.value
        if measured is None:
            return None
        return measured >= self.target if self.higher_is_better else measured <= self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": _round(self.value),
            "unit": self.unit,
            "baseline": _round(self.baseline),
            "baseline_label": self.baseline_label,
            "ratio": _round(self.ratio),
            "target": self.target,
            "target_on": self.target_on if self.target is not None else None,
            "pass": self.passed,
            "repeats": self.repeats,
            "method": self.method,
            "extra": self.extra,
            "error": self.error,
        }


def failed(name: str, unit: str, exc: BaseException) -> Figure:
    """A figure whose measurement raised: recorded as an error, not a crash of the whole run."""
    return Figure(name, unit, float("nan"), None, "", 0, "", error=f"{type(exc).__name__}: {exc}")


def _round(x: float | None) -> float | None:
    if x is None:
        return None
    if x != x:  # NaN
        return None
    return float(f"{x:.4g}") if abs(x) < 1000 else round(x, 1)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def interleave(sides: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run each side's batch `rounds` times, alternating the order each round; collect samples."""
    names = list(sides)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            gc.collect()
            samples[name].append(sides[name]())
    return samples


async def ainterleave(sides: Mapping[str, Callable[[], Awaitable[float]]], rounds: int) -> dict[str, list[float]]:
    """`interleave` for coroutine batches, on the running event loop."""
    names = list(sides)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            gc.collect()
            samples[name].append(await sides[name]())
    return samples


def per_call(fn: Callable[[], object], n: int) -> float:
    """Seconds per call of `fn`, over `n` calls."""
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


def process_seconds(command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> float:
    """Wall time of one whole child process (start to exit); raises when it fails."""
    started = time.perf_counter()
    done = subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-800:]
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {tail}")
    return elapsed


# -- machine -------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "httpx": httpx.__version__,
        "platform": platform.platform(),
        "executable": sys.executable,
        "load_average_1_5_15": [round(x, 2) for x in load] if load is not None else None,
    }


# -- output --------------------------------------------------------------------------------------


def fmt(x: float | None, unit: str = "") -> str:
    if x is None or x != x:
        return "-"
    text = f"{x:,.0f}" if abs(x) >= 1000 else (f"{x:.1f}" if abs(x) >= 100 else f"{x:.3g}")
    return f"{text} {unit}".rstrip()


def target_text(f: Figure) -> str:
    if f.target is None:
        return "report"
    op = ">=" if f.higher_is_better else "<="
    return f"{op} {f.target:g}{' x' if f.target_on == 'ratio' else ' ' + f.unit}"


def verdict(f: Figure) -> str:
    if f.error is not None:
        return "ERROR"
    p = f.passed
    return "-" if p is None else ("pass" if p else "FAIL")


ROW_HEADER = ("figure", "value", "baseline", "ratio", "target", "result", "n")


def rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for f in figures:
        ratio = f.ratio
        out.append(
            (
                f.name,
                fmt(f.value, f.unit),
                f"{fmt(f.baseline, f.unit)}" if f.baseline is not None else "-",
                f"{ratio:.3f}" if ratio is not None else "-",
                target_text(f),
                verdict(f),
                str(f.repeats),
            )
        )
    return out


def table(figures: Sequence[Figure]) -> str:
    body = rows(figures)
    widths = [max(len(r[i]) for r in [ROW_HEADER, *body]) for i in range(len(ROW_HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(ROW_HEADER, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    errors = [f"{f.name}: {f.error}" for f in figures if f.error]
    return "\n".join(lines + errors)


def markdown(figures: Sequence[Figure]) -> str:
    lines = ["| figure | value | baseline | ratio | target | result |", "|---|---|---|---|---|---|"]
    for r in rows(figures):
        lines.append(f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} |")
    return "\n".join(lines)


def write_results(
    path: Path,
    figures: Sequence[Figure],
    *,
    mode: str,
    seconds: float,
    machine_at_start: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write results.json (through a .tmp file, renamed into place) and return what was written."""
    machine = machine_info()
    if machine_at_start is not None:
        machine["load_average_at_start"] = machine_at_start.get("load_average_1_5_15")
    doc = {
        "mode": mode,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "duration_s": round(seconds, 1),
        "machine": machine,
        "figures": {f.name: f.as_dict() for f in figures},
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return doc
