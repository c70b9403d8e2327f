"""`sandbox_rps` of an older revision beside this tree's, on the same load in the same run.

    python -m bench.revisions REV [--rounds 5] [--seconds 3]

The sandbox of REV (checked out into a temporary git worktree, removed afterwards), this tree's
sandbox and the bare uvicorn app of `sandbox_rps` take turns under the same load
(bench/sandbox_load.py: 8 keep-alive clients sending signed v2 money/info). Each sandbox gets
its accounts from its own `add-account`, so the revision's schema is its own. It answers
"faster or slower than before?" with both measured side by side, not against an old figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from .harness import median
from .sandbox_load import _load
from .server import server_process

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8


def _package_folders(tree: Path) -> str:
    """The folders that hold the revision's packages, as its pyproject lists them for the wheel."""
    project = tomllib.loads((tree / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    return os.pathsep.join(dict.fromkeys(str((tree / p).parent) for p in packages))


def _accounts(db: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for _ in range(CLIENTS):
        command = [sys.executable, "-m", "mtgox_sandbox", "add-account", "--db", str(db)]
        command += ["--fund", "BTC=10", "--fund", "USD=10000"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=db.parent)
        created = json.loads(done.stdout.strip().splitlines()[0])
        out.append((created["key"], created["secret"]))
    return out


def compare(revision: str, rounds: int, seconds: float) -> dict[str, list[float]]:
    rps: dict[str, list[float]] = {revision: [], "this tree": [], "bare uvicorn": []}
    with tempfile.TemporaryDirectory(prefix="mtgox-bench-revision-") as tmp:
        work = Path(tmp)
        old_tree = work / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(old_tree), revision],
            check=True,
        )
        try:
            old_env = {**os.environ, "PYTHONPATH": _package_folders(old_tree)}
            new_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            old_db, new_db = work / "old.db", work / "new.db"
            accounts = {revision: _accounts(old_db, old_env), "this tree": _accounts(new_db, new_env)}
            accounts["bare uvicorn"] = accounts["this tree"]
            serve = [sys.executable, "-m", "mtgox_sandbox", "serve", "--port", "0", "--db"]
            bare_app = [sys.executable, "-m", "bench.uvicorn_app", "--port", "0"]
            with (
                server_process([*serve, str(old_db)], log=work / "old.log", pythonpath=old_env["PYTHONPATH"]) as old,
                server_process([*serve, str(new_db)], log=work / "new.log") as new,
                server_process(bare_app, log=work / "bare.log") as bare,
            ):
                bases = {revision: old, "this tree": new, "bare uvicorn": bare}
                for r in range(rounds):
                    order = list(bases) if r % 2 == 0 else list(reversed(bases))
                    for name in order:
                        ok, bad, elapsed = asyncio.run(_load(bases[name], accounts[name], seconds))
                        if bad:
                            raise RuntimeError(f"{name}: {bad} refused requests")
                        rps[name].append(ok / elapsed)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old_tree)],
                check=False,
            )
    return rps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.revisions", description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="a git revision of this repository (a commit, tag or branch)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    rps = compare(args.revision, args.rounds, args.seconds)
    bare = median(rps["bare uvicorn"])
    print(f"{'server':<14} {'median req/s':>12} {'vs bare':>8}  rounds")
    for name, values in rps.items():
        print(f"{name:<14} {median(values):>12,.0f} {median(values) / bare:>8.3f}  {[round(v) for v in values]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
