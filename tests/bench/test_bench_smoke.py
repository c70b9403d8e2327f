"""The benchmark harness at tiny sizes: every figure is produced with its full structure.

Nothing here asserts a speed: only that each measurement runs, and yields positive numbers in
the shape `bench/results.json` promises.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bench import FIGURES, TINY, Figure, run
from bench import payloads as pl
from bench.__main__ import DEFAULT_OUT, main
from bench.harness import markdown, table, write_results
from bench.server import answer, bench_server
from mtgox import types

KEYS = {"value", "unit", "baseline", "baseline_label", "ratio", "target", "target_on", "pass", "repeats", "method"}


@pytest.fixture(scope="module")
def figures() -> list[Figure]:
    return run(TINY)


def test_canned_bodies_parse_into_the_sdk_models() -> None:
    ticker = types.Ticker.from_wire(json.loads(pl.TICKER_BODY, parse_float=Decimal)["data"])
    info = types.Info.from_wire(json.loads(pl.INFO_BODY, parse_float=Decimal)["data"])
    assert ticker.last.value == Decimal("5.5594")
    assert set(info.wallets) == {"BTC", "USD"}
    assert answer(b"/api/2/money/info").endswith(pl.INFO_BODY)
    assert answer(b"/api/2/BTCUSD/money/ticker?x=1").endswith(pl.TICKER_BODY)
    assert answer(b"/nowhere").startswith(b"HTTP/1.1 404")


def test_depth_body_has_the_requested_orders_in_v2_shape() -> None:
    body = json.loads(pl.depth_body(101))
    assert body["result"] == "success"
    data = body["data"]
    assert len(data["asks"]) + len(data["bids"]) == 101
    entry = data["asks"][0]
    assert set(entry) == {"price", "amount", "price_int", "amount_int", "stamp"}
    assert Decimal(str(entry["price"])) * 100_000 == int(entry["price_int"])
    depth = types.Depth.from_wire(json.loads(pl.depth_body(101), parse_float=Decimal)["data"])
    assert depth.asks[0].price_int == int(entry["price_int"])
    assert [e.price for e in depth.bids] == sorted(e.price for e in depth.bids)


@pytest.mark.integration
def test_bench_server_answers_keep_alive_requests() -> None:
    with bench_server() as base, httpx.Client() as http:
        for _ in range(3):
            response = http.get(base + "/api/" + pl.TICKER_PATH)
            assert response.status_code == 200
            assert response.json()["result"] == "success"
        response = http.post(base + "/api/" + pl.INFO_PATH, content=b"nonce=1", headers={"Content-Type": pl.FORM})
        assert response.json()["data"]["Login"] == "deadbeef"


def measured(names: set[str]) -> set[str]:
    """The FIGURES entries these figures measure: one entry may give several figures, each named
    after it (`fixture_ms`, `fixture_ms.p95`; `history`: `history_order_add_ratio`, ...)."""
    return {key for key in FIGURES if any(n == key or n.startswith((f"{key}.", f"{key}_")) for n in names)}


def test_every_figure_is_measured(figures: list[Figure]) -> None:
    names = {f.name for f in figures}
    assert measured(names) == set(FIGURES)
    for f in figures:
        assert f.error is None, f"{f.name}: {f.error}"
        assert f.repeats >= 1
        assert f.method
        assert math.isfinite(f.value)
        if f.name != "import_ms_over_httpx":  # a difference of two medians may be negative
            assert f.value > 0, f.name
        if f.baseline is not None:
            assert f.baseline > 0, f.name
            assert f.ratio is not None
            if f.name != "import_ms_over_httpx":
                assert f.ratio > 0, f.name


def test_headline_call_figures_are_the_worse_of_private_and_public(figures: list[Figure]) -> None:
    by_name = {f.name: f for f in figures}
    for name in ("sdk_vs_httpx_sync", "sdk_vs_httpx_async"):
        parts = [by_name[f"{name}.private"].ratio, by_name[f"{name}.public"].ratio]
        assert all(r is not None for r in parts)
        assert by_name[name].ratio == pytest.approx(max(r for r in parts if r is not None))
        assert by_name[name].target == 1.10


def test_fixture_and_sandbox_figures_carry_their_parts(figures: list[Figure]) -> None:
    by_name = {f.name: f for f in figures}
    fixture = by_name["fixture_ms"]
    assert set(fixture.extra) == {"median_ms", "p95_ms", "baseline_median_ms", "baseline_p95_ms"}
    assert fixture.extra["p95_ms"] >= fixture.extra["median_ms"] > 0
    assert by_name["fixture_ms.p95"].value >= fixture.value
    assert (fixture.target, fixture.target_on) == (50.0, "value")
    rps = by_name["sandbox_rps"]
    assert set(rps.extra["rounds_rps"]) == {"sandbox", "bare_uvicorn", "canned"}
    assert rps.extra["client_ceiling_rps"] > 0
    assert (rps.target, rps.target_on, rps.higher_is_better) == (0.45, "ratio", True)


def test_results_file_and_table(figures: list[Figure], tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_results(path, figures, mode="tiny", seconds=1.0)
    doc = json.loads(path.read_text())
    machine = doc["machine"]
    for key in ("cpu_model", "cores", "python", "httpx", "platform"):
        assert machine[key]
    assert measured(set(doc["figures"])) == set(FIGURES)
    for name, entry in doc["figures"].items():
        assert set(entry) >= KEYS, name
        if entry["target"] is not None:
            assert isinstance(entry["pass"], bool), name
    text = table(figures)
    assert all(name in text for name in FIGURES)
    assert markdown(figures).startswith("| figure |")


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []

    def fake_run(sizes: object, only: object = None, progress: object = None) -> list[Figure]:
        calls.append(only)
        return [Figure("sign_us", "us", 3.0, 2.0, "raw", 1, "m", target=5.0, target_on="value")]

    monkeypatch.setattr("bench.__main__.run", fake_run)
    return calls


def test_cli_writes_the_results_file(no_run: list[object], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    assert main(["--quick", "--only", "sign_us", "--out", str(out), "--markdown"]) == 0
    assert json.loads(out.read_text())["figures"]["sign_us"]["pass"] is True
    assert "| `sign_us` |" in capsys.readouterr().out
    assert no_run == [frozenset({"sign_us"})]


def _git_status(repo: Path) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run(
        [git, "-C", str(repo), "status", "--porcelain", "--untracked-files=all", "--ignored=no"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def test_a_default_run_leaves_the_tree_clean(no_run: list[object], capsys: pytest.CaptureFixture[str]) -> None:
    """`make bench` writes its results where git does not look (bench/results.json is tracked)."""
    repo = Path(__file__).resolve().parents[2]
    before = _git_status(repo)
    if before is None:
        pytest.skip("not a git checkout")
    kept = DEFAULT_OUT.read_bytes() if DEFAULT_OUT.exists() else None
    try:
        assert main(["--quick", "--only", "sign_us"]) == 0
        assert json.loads(DEFAULT_OUT.read_text())["figures"]["sign_us"]["value"] == 3.0
        assert str(DEFAULT_OUT) in capsys.readouterr().out
        assert _git_status(repo) == before
    finally:
        if kept is None:
            DEFAULT_OUT.unlink(missing_ok=True)
        else:
            DEFAULT_OUT.write_bytes(kept)
