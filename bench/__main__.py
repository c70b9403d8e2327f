"""`python -m bench [--quick] [--only NAME,...] [--out PATH] [--markdown]`"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import FIGURES, FULL, QUICK, run
from .harness import machine_info, markdown, table, write_results

#: Where a run writes by default: ignored by git, so benchmarking never dirties the tree. The
#: tracked bench/results.json (the figures the README quotes) changes only when asked:
#: `python -m bench --out bench/results.json`.
DEFAULT_OUT = Path(__file__).resolve().parent.parent / ".bench" / "results.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks of the SDK against its baselines.")
    parser.add_argument("--quick", action="store_true", help="fewer rounds: under a minute")
    parser.add_argument("--only", default=None, help=f"comma-separated figures, of: {', '.join(FIGURES)}")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="results file (default: .bench/results.json, untracked)"
    )
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args(argv)

    only = None
    if args.only:
        only = frozenset(n.strip() for n in args.only.split(",") if n.strip())
        unknown = sorted(only - set(FIGURES))
        if unknown:
            parser.error(f"unknown figure(s): {', '.join(unknown)}")
    sizes = QUICK if args.quick else FULL
    info = machine_info()
    print(
        f"mtgox-sdk bench ({sizes.name}): {info['cpu_model']}, {info['cores']} cores, Python {info['python']}, "
        f"httpx {info['httpx']}, {info['platform']}; load average {info['load_average_1_5_15']}",
        flush=True,
    )
    started = time.perf_counter()

    def progress(name: str) -> None:
        print(f"  [{time.perf_counter() - started:5.1f} s] {name}...", file=sys.stderr, flush=True)

    figures = run(sizes, only, progress)
    seconds = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_results(args.out, figures, mode=sizes.name, seconds=seconds, machine_at_start=info)
    print()
    print(table(figures))
    if args.markdown:
        print()
        print(markdown(figures))
    print(f"\n{len(figures)} figures in {seconds:.1f} s; written to {args.out}")
    return 1 if any(f.error for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
