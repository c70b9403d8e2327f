"""Benchmarks of the SDK against its baselines, each measured in the same run.

    python -m bench            # full run (a few minutes), writes .bench/results.json (untracked)
    python -m bench --quick    # under a minute
    make bench [BENCH=quick]

Figures (see `run()`): per-call cost against bare httpx (sync and async, signed and public),
a 1,000-call async fan-out, building and signing one request, `import mtgox` over
`import httpx`, catalogue generation, parsing a 50,000-order book, parsing 10,000 stream
messages against `json.loads`, the sandbox's throughput over HTTP and in its matching engine,
what the `sandbox` fixture costs a test, the stream's fan-out latency, and what 200,000
trades of history cost an order and a public trade list.
and what the `sandbox` fixture costs a test, and the stream's fan-out latency (websocket and
PubNub subscribers).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .harness import FULL, QUICK, TINY, Figure, Sizes, failed

__all__ = ["FIGURES", "FULL", "QUICK", "TINY", "Figure", "Sizes", "run"]

#: name -> (unit, module, function); the calls.* figures share one canned server process.
FIGURES: dict[str, tuple[str, str, str]] = {
    "sdk_vs_httpx_sync": ("us", "calls", "sdk_vs_httpx_sync"),
    "sdk_vs_httpx_async": ("us", "calls", "sdk_vs_httpx_async"),
    "async_fanout_vs_httpx": ("ms", "calls", "async_fanout_vs_httpx"),
    "sign_us": ("us", "micro", "sign_us"),
    "import_ms_over_httpx": ("ms", "process", "import_ms_over_httpx"),
    "generate_s": ("s", "process", "generate_s"),
    "fulldepth_parse_vs_json": ("ms", "micro", "fulldepth_parse_vs_json"),
    "stream_parse_vs_json": ("ms", "stream_parse", "stream_parse_vs_json"),
    "sandbox_rps": ("req/s", "sandbox_load", "sandbox_rps"),
    "sandbox_orders_per_s": ("orders/s", "sandbox_load", "sandbox_orders_per_s"),
    "fixture_ms": ("ms", "fixture", "fixture_ms"),
    "stream_fanout_p99_ms": ("ms", "stream_fanout", "stream_fanout_p99_ms"),
    "history_order_add_ratio": ("ms", "history", "history_order_add_ratio"),
    "history_trades_fetch_ratio": ("ms", "history", "history_trades_fetch_ratio"),
    "stream_fanout_pubnub_p99_ms": ("ms", "stream_fanout", "stream_fanout_pubnub_p99_ms"),
}


def _function(name: str) -> Callable[..., list[Figure]]:
    """The measuring function of a figure, imported only when it runs (a runtime refactor that
    breaks one module's imports then costs that figure, not the whole run)."""
    _, module, function = FIGURES[name]
    fn: Callable[..., list[Figure]] = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return fn


def run(
    sizes: Sizes,
    only: frozenset[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Figure]:
    """Measure every figure (or those in `only`); a figure that raises is recorded as an error."""
    from .server import bench_server

    wanted = [n for n in FIGURES if only is None or n in only]
    out: list[Figure] = []

    def measure(name: str, *args: object) -> None:
        if progress is not None:
            progress(name)
        try:
            out.extend(_function(name)(*args, sizes))
        except Exception as exc:  # one broken figure must not lose the others
            out.append(failed(name, FIGURES[name][0], exc))

    served = [n for n in wanted if FIGURES[n][1] == "calls"]
    if served:
        try:
            with bench_server() as base:
                for name in served:
                    measure(name, base)
        except RuntimeError as exc:  # the server did not start
            out.extend(failed(n, FIGURES[n][0], exc) for n in served if not any(f.name == n for f in out))
    for name in wanted:
        if name not in served:
            measure(name)
    return out
