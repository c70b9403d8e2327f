"""The wheel, installed into new virtualenvs outside the repository, does what the README promises.

One venv gets the mtgox-sdk wheel: bare first (each command names its extra), then with the
sandbox and codegen extras: the SDK calls a sandbox started from the wheel's own console
command. From the same venv, `mtgox-codegen` generates a clone from a small catalogue of
another exchange; a second venv installs that clone alone (nothing of Mt. Gox in it) and
calls a sandbox serving the clone's catalogue. Dependencies come from the package index,
cached in `.pytest_cache/wheel-e2e-pip` between runs.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLONE_CATALOGUE = REPO / "catalogue" / "mtgox_catalogue" / "examples" / "goxclone.yaml"
NAMESPACED = {"mtgox", "mtgox_runtime", "mtgox_catalogue", "mtgox_sandbox", "mtgox_codegen"}

pytestmark = pytest.mark.slow


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    env["PIP_CACHE_DIR"] = str(REPO / ".pytest_cache" / "wheel-e2e-pip")
    return env


def run(venv: Path, *command: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    program = command[0] if "/" in command[0] else str(venv / "bin" / command[0])
    result = subprocess.run(
        [program, *command[1:]], cwd=cwd, env=_env(venv), capture_output=True, text=True, check=False, timeout=600
    )
    if check:
        assert result.returncode == 0, (
            f"{command}: exit {result.returncode}\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
        )
    return result


def new_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True, timeout=300)
    return path


@contextmanager
def serving(venv: Path, cwd: Path, *args: str) -> Iterator[str]:
    """`mtgox-sandbox serve ...` from the venv; yields the base URL a client takes."""
    command = [str(venv / "bin" / "mtgox-sandbox"), "serve", "--port", "0", *args]
    process = subprocess.Popen(
        command, cwd=cwd, env=_env(venv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=120)
        line = process.stdout.readline().strip() if ready else ""
        assert line.startswith("listening on http://127.0.0.1:"), (line, process.poll())
        yield line.removeprefix("listening on ") + "/api"
    finally:
        process.terminate()
        process.wait(timeout=60)


@dataclass(frozen=True)
class Installed:
    work: Path
    wheel: Path
    sdk: Path  # the venv holding the mtgox-sdk wheel
    bare_sandbox: subprocess.CompletedProcess[str]
    bare_codegen: subprocess.CompletedProcess[str]
    bare_cli: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel-e2e")
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("mtgox_sdk-*.whl")
    sdk = new_venv(work / "sdk-venv")
    run(sdk, "pip", "install", "-q", str(wheel), cwd=work)
    bare_sandbox = run(sdk, "mtgox-sandbox", "routes", cwd=work, check=False)
    bare_codegen = run(sdk, "mtgox-codegen", "--validate", cwd=work, check=False)
    bare_cli = run(sdk, "mtgox", "ticker", cwd=work, check=False)
    run(sdk, "pip", "install", "-q", f"{wheel}[sandbox,codegen,cli]", cwd=work)
    return Installed(work, wheel, sdk, bare_sandbox, bare_codegen, bare_cli)


def test_the_wheel_installs_only_namespaced_packages(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        top = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in top if not t.endswith(".dist-info")} == NAMESPACED


def test_the_installed_metadata_has_the_version_licence_and_typed_classifier(installed: Installed) -> None:
    result = run(
        installed.sdk,
        "python",
        "-c",
        "import importlib.metadata as md, mtgox; meta = md.metadata('mtgox-sdk'); "
        "print(mtgox.__version__, md.version('mtgox-sdk'), meta['License-Expression']); "
        "print('Typing :: Typed' in meta.get_all('Classifier')); "
        "print(any(f.name == 'LICENSE' for f in md.files('mtgox-sdk')))",
        cwd=installed.work,
    )
    with (REPO / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]
    assert result.stdout.split() == [version, version, "MIT", "True", "True"]


def test_each_command_of_the_bare_wheel_names_its_extra(installed: Installed) -> None:
    assert installed.bare_sandbox.returncode == 3
    assert "pip install 'mtgox-sdk[sandbox]'" in installed.bare_sandbox.stderr
    assert installed.bare_codegen.returncode == 3
    assert "pip install 'mtgox-sdk[codegen]'" in installed.bare_codegen.stderr
    assert installed.bare_cli.returncode == 3
    assert "pip install 'mtgox-sdk[cli]'" in installed.bare_cli.stderr
    for result in (installed.bare_sandbox, installed.bare_codegen, installed.bare_cli):
        assert "Traceback" not in result.stderr


def test_the_sdk_calls_a_sandbox_started_from_the_wheels_command(installed: Installed) -> None:
    work, sdk = installed.work, installed.sdk
    db = work / "exchange.db"
    account = run(sdk, "mtgox-sandbox", "add-account", "--db", str(db), "--fund", "USD=1000", cwd=work)
    creds = json.loads(account.stdout)
    script = f"""
import mtgox
print(mtgox.__file__)
with mtgox.Client({creds["key"]!r}, {creds["secret"]!r}, base_url=BASE_URL, nonce_store="memory") as client:
    print(client.v2.ticker(pair="BTCUSD").last.currency)
    print(client.v2.info().wallets["USD"].balance.value)
"""
    with serving(sdk, work, "--db", str(db)) as base_url:
        result = run(sdk, "python", "-c", f"BASE_URL = {base_url!r}\n" + script, cwd=work)
        lag = run(sdk, "mtgox", "--base-url", base_url, "--json", "v2", "order-lag", cwd=work)
    assert json.loads(lag.stdout)["lag"] == 0, "the wheel's mtgox command, with the cli extra"
    where, currency, balance = result.stdout.split()
    assert Path(where).is_relative_to(sdk)
    assert (currency, balance) == ("USD", "1000.00000")


def test_the_reference_and_the_clone_example_come_from_the_wheel(installed: Installed) -> None:
    """A pip user reaches the docs without the repository: `python -m mtgox.docs`."""
    work, sdk = installed.work, installed.sdk
    listing = run(sdk, "python", "-m", "mtgox.docs", cwd=work)
    names = [line.split()[0] for line in listing.stdout.splitlines() if line and not line.startswith("python")]
    assert {"readme", "api", "stream", "sandbox", "catalogue", "generator", "goxclone.yaml"} <= set(names)
    example = Path(run(sdk, "python", "-m", "mtgox.docs", "--path", "goxclone.yaml", cwd=work).stdout.strip())
    assert example.is_relative_to(sdk) and example.read_bytes() == CLONE_CATALOGUE.read_bytes()
    api = run(sdk, "python", "-m", "mtgox.docs", "api", cwd=work).stdout
    assert api == (REPO / "generated" / "API.md").read_text(encoding="utf-8")
    readme = run(sdk, "python", "-m", "mtgox.docs", "readme", cwd=work).stdout
    assert "pip install mtgox-sdk" in readme


def test_the_wheels_generator_writes_the_openapi_document(installed: Installed) -> None:
    work, sdk = installed.work, installed.sdk
    out = work / "openapi.json"
    run(sdk, "mtgox-codegen", "openapi", "-o", str(out), cwd=work)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["openapi"] == "3.1.0" and len(document["paths"]) == 93


def test_the_installed_generator_needs_out(installed: Installed) -> None:
    work, sdk = installed.work, installed.sdk
    result = run(sdk, "mtgox-codegen", "--catalogue", str(CLONE_CATALOGUE), cwd=work, check=False)
    assert result.returncode == 2 and "--out DIR is required" in result.stderr
    (site,) = (sdk / "lib").glob("python3*/site-packages")
    assert not (site / "generated").exists()


def test_a_clone_generated_by_the_wheel_installs_and_works_alone(installed: Installed) -> None:
    work, sdk = installed.work, installed.sdk
    out = work / "goxclone-dist"
    run(sdk, "mtgox-codegen", "--catalogue", str(CLONE_CATALOGUE), "--out", str(out), "--package", "goxclone", cwd=work)
    clone = new_venv(work / "clone-venv")
    run(clone, "pip", "install", "-q", str(out), cwd=work)
    listing = run(clone, "pip", "list", "--format", "json", cwd=work)
    assert {p["name"] for p in json.loads(listing.stdout)} >= {"goxclone", "httpx"}
    assert not any(p["name"].startswith("mtgox") for p in json.loads(listing.stdout))

    db = work / "gox.db"
    catalogue = ("--catalogue", str(CLONE_CATALOGUE))
    account = run(sdk, "mtgox-sandbox", "add-account", "--db", str(db), "--fund", "GOX=5", *catalogue, cwd=work)
    creds = json.loads(account.stdout)
    script = f"""
import importlib.metadata, importlib.util
import goxclone
assert not [m for m in ("mtgox", "mtgox_runtime") if importlib.util.find_spec(m)]
print(importlib.metadata.version("goxclone"), goxclone.__version__, goxclone.GoxCloneError.__name__)
from goxclone._runtime import _config
print(_config.user_agent(goxclone.Client._catalogue.user_agent, goxclone.Client._catalogue.distribution).split()[0])
with goxclone.Client({creds["key"]!r}, {creds["secret"]!r}, base_url=BASE_URL, nonce_store="memory") as client:
    print(client.v2.ticker(pair="GOXEUR").last.currency)
    print(client.v2.info().wallets["GOX"].balance.value)
"""
    with serving(sdk, work, "--db", str(db), *catalogue) as base_url:
        result = run(clone, "python", "-c", f"BASE_URL = {base_url!r}\n" + script, cwd=work)
    assert result.stdout.split() == ["0.1.0", "0.1.0", "GoxCloneError", "goxclone-python/0.1.0", "EUR", "5.00000000"]
