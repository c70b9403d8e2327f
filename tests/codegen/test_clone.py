"""A clone of the API is one command away from a package of its own, served by the sandbox from its catalogue."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mtgox_catalogue import EXAMPLES_DIR, load_catalogue_text
from mtgox_codegen import GenerationError, vendor
from mtgox_codegen.render import render
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.server.process import _pythonpath

from .conftest import mypy_strict

CLONE = EXAMPLES_DIR / "goxclone.yaml"

#: Run in a child whose imports of anything named mtgox* fail: the package must not need them.
NO_MTGOX = """
import importlib.abc, sys
class NoMtGox(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0].startswith("mtgox"):
            raise ImportError(f"{name} must not be imported by a clone")
sys.meta_path.insert(0, NoMtGox())
"""


@pytest.fixture(scope="module")
def clone_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clone") / "goxclone-dist"
    result = subprocess.run(
        [sys.executable, "-m", "mtgox_codegen", "--catalogue", str(CLONE), "--out", str(out), "--package", "goxclone"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def run_clone(clone_dir: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NO_MTGOX + script],
        cwd=clone_dir,
        env={"PYTHONPATH": str(clone_dir), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_clone_is_a_distribution_of_its_own(clone_dir: Path) -> None:
    project = tomllib.loads((clone_dir / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (project["name"], project["version"]) == ("goxclone", "0.1.0")
    assert [d.split(">")[0] for d in project["dependencies"]] == ["httpx", "msgspec"]
    assert (clone_dir / "goxclone" / "_runtime" / "_call_flow.py").is_file()
    readme = (clone_dir / "README.md").read_text(encoding="utf-8")
    assert "GOXCLONE_API_KEY" in readme and 'client.v2.ticker(pair="GOXEUR")' in readme
    assert "MTGOX" not in readme and "BTCUSD" not in readme
    for path in (clone_dir / "goxclone").glob("*.py"):  # generated modules; the runtime keeps its history
        text = path.read_text(encoding="utf-8")
        for word in ("MTGOX", "MtGoxError", "BTCUSD", "import mtgox", "mtgox_runtime"):
            assert word not in text, f"{path.name} says {word}"


#: Names of Mt. Gox's distribution that a clone's users must never be told about (the API's
#: own wire strings, such as `/mtgox` and `mtgox.subscribe`, are the protocol and stay).
FOREIGN = ("MTGOX", "MtGox", "mtgox-sandbox", "mtgox_runtime", "mtgox-sdk", "mtgox_sandbox", "mtgox_catalogue")


def test_nothing_in_the_clone_tree_names_mtgox_sdk(clone_dir: Path) -> None:
    """Every file of the distribution, the vendored runtime's docstrings and messages included."""
    found = []
    for path in sorted(p for p in clone_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(clone_dir)}:{number}: {word}" for word in FOREIGN if word in line]
    assert found == []


def test_help_and_messages_name_the_clone(clone_dir: Path) -> None:
    result = run_clone(
        clone_dir,
        """
import pydoc, goxclone
text = pydoc.render_doc(goxclone.Client, renderer=pydoc.plaintext)
print("GOXCLONE_API_KEY" in text, "GOXCLONE_BASE_URL" in text, "~/.cache/goxclone/nonces" in text)
try:
    goxclone.Client(base_url="ftp://nowhere")
except goxclone.ConfigurationError as exc:
    print(exc)
""",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "True True True"
    assert "ftp://nowhere" in lines[1] and "mtgox" not in lines[1].lower()


def test_the_clone_has_its_own_command_line(clone_dir: Path, tmp_path: Path) -> None:
    project = tomllib.loads((clone_dir / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"] == {"goxclone": "goxclone.cli:run"}
    assert set(project["optional-dependencies"]) == {"stream", "cli"}
    usage = run_clone(clone_dir, "from goxclone.cli import main; raise SystemExit(main(['--help']))")
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout.startswith("usage: goxclone") and "$GOXCLONE_BASE_URL" in usage.stdout
    with Sandbox(tmp_path / "gox.db", catalogue=CLONE) as sandbox:
        key, _secret = sandbox.add_account({"GOX": "10"})
        ticker = run_clone(
            clone_dir,
            "from goxclone.cli import main; raise SystemExit(main(['--json', 'v2', 'ticker', '--pair', 'GOXEUR']))",
            GOXCLONE_BASE_URL=sandbox.base_url,
        )
        unsigned = run_clone(
            clone_dir,
            "from goxclone.cli import main; raise SystemExit(main(['v2', 'info']))",
            GOXCLONE_BASE_URL=sandbox.base_url,
            GOXCLONE_API_KEY=key,
        )
    assert ticker.returncode == 0, ticker.stderr
    assert json.loads(ticker.stdout)["last"]["currency"] == "EUR"
    assert unsigned.returncode == 3, unsigned.stderr  # a key without its secret: configuration
    assert unsigned.stderr.startswith("goxclone: ") and "GOXCLONE_API_SECRET" in unsigned.stderr


def test_names_come_from_the_clone_catalogue(clone_dir: Path) -> None:
    result = run_clone(
        clone_dir,
        """
import goxclone
from goxclone._runtime import _config
client = goxclone.Client()  # credentials from the environment
assert client.base_url == "https://api.goxclone.example/api", client.base_url
print(goxclone.GoxCloneError.__name__, issubclass(goxclone.APIError, goxclone.GoxCloneError))
print(_config.default_nonce_dir(goxclone.Client._catalogue.distribution).parent.name)
print(goxclone.Client._catalogue.user_agent)
print(goxclone._runtime._logging.logger.name)
""",
        GOXCLONE_API_KEY="12345678-abcd-1234-abcd-50286e649d5c",
        GOXCLONE_API_SECRET="9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g==",
        MTGOX_BASE_URL="http://127.0.0.1:9/not-this-one",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == ["GoxCloneError True", "goxclone", "goxclone-python", "goxclone"]


def test_the_clone_calls_a_sandbox_serving_its_catalogue(clone_dir: Path, tmp_path: Path) -> None:
    with Sandbox(tmp_path / "gox.db", catalogue=CLONE) as sandbox:
        key, secret = sandbox.add_account({"GOX": "10", "EUR": "100"})
        result = run_clone(
            clone_dir,
            f"""
import goxclone
with goxclone.Client({key!r}, {secret!r}, base_url={sandbox.base_url!r}, nonce_store="memory") as client:
    ticker = client.v2.ticker(pair="GOXEUR")
    info = client.v2.info()
    print(ticker.last.currency, sorted(info.wallets), info.wallets["GOX"].balance.value)
    print(client.v2.order_quote().fee.currency)  # shape-only, in the clone's own currencies
    try:
        client.v2.call("money/no/such/path")
    except goxclone.GoxCloneError as exc:
        print(type(exc).__name__)
""",
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["EUR ['EUR', 'GOX'] 10.00000000", "EUR", "NotFoundError"]


def test_the_clone_passes_mypy_strict_on_its_own(clone_dir: Path) -> None:
    result = mypy_strict(clone_dir, "goxclone")
    assert result.returncode == 0, result.stdout[-3000:]


def test_vendoring_refuses_a_runtime_whose_names_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A runtime that no longer creates its logger as the copy expects is an error, not a silent Mt. Gox name."""
    runtime = tmp_path / "mtgox_runtime"
    shutil.copytree(vendor.runtime_source(), runtime, ignore=shutil.ignore_patterns("__pycache__"))
    logging_module = runtime / "_logging.py"
    logging_module.write_text(
        logging_module.read_text(encoding="utf-8").replace('getLogger("mtgox")', 'getLogger("mtgox.sdk")'),
        encoding="utf-8",
    )
    monkeypatch.setattr(vendor, "runtime_source", lambda: runtime)
    with pytest.raises(GenerationError, match="no longer has"):
        vendor.vendored_runtime("goxclone", "GoxCloneError", "GOXCLONE", "goxclone")


def test_the_clone_is_lint_clean(clone_dir: Path) -> None:
    """Imports sorted after the runtime's renames, none unused for a catalogue that uses few helpers."""
    settings = ["--isolated", "--no-cache", "--line-length", "120", "--target-version", "py311"]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "E,F,W,I,UP", *settings, str(clone_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize(
    ("api_name", "expected"),
    [
        ("Mt. Gox", "MtGoxError"),
        ("Gox Clone", "GoxCloneError"),
        ("API", "GoxcloneError"),
        ("Rate Limited", "GoxcloneError"),
    ],
)
def test_the_base_exception_never_takes_a_name_the_package_defines(
    api_name: str, expected: str, tmp_path: Path
) -> None:
    text = CLONE.read_text(encoding="utf-8").replace("name: Gox Clone", f'name: "{api_name}"')
    catalogue = load_catalogue_text(text.encode())
    files = render(catalogue, "goxclone", "vendored")
    assert f"class {expected}(Exception):" in files["goxclone/_runtime/_errors.py"]
    assert f"    {expected},\n" in files["goxclone/__init__.py"]


CLONE_TESTS = """
from decimal import Decimal

import goxclone


def test_my_clone_bot_trades_on_its_own_exchange(sandbox):
    key, secret = sandbox.add_account(fund={"GOX": "10", "EUR": "100"})
    with goxclone.Client(key, secret, base_url=sandbox.base_url) as client:
        assert client.v2.ticker(pair="GOXEUR").last.currency == "EUR"
        assert client.v2.info().wallets["GOX"].balance.value == Decimal("10")
"""


def test_the_clones_own_tests_run_on_the_fixture_with_its_catalogue(clone_dir: Path, tmp_path: Path) -> None:
    """A clone author's suite: the sandbox fixture serving the clone's catalogue (`--mtgox-catalogue`),
    the generated package calling it; its default nonce store is kept out of the home directory."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text('pytest_plugins = ["mtgox_sandbox.fixture"]\n', encoding="utf-8")
    (suite / "test_clone_bot.py").write_text(CLONE_TESTS, encoding="utf-8")
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(clone_dir), _pythonpath()]), HOME=str(home))
    env.pop("GOXCLONE_NONCE_STORE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--mtgox-catalogue={CLONE}"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=suite, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert not (home / ".cache").exists()  # no nonce file per throwaway key
