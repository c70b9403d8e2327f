"""The `mtgox-codegen` command as an installed tool: where it writes, what it says when a dependency is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mtgox_codegen
from mtgox_codegen.__main__ import checkout_output_dir, main

from .conftest import DATA, REPO


def test_in_a_checkout_the_default_output_is_generated() -> None:
    assert checkout_output_dir() == REPO / "generated"


def test_installed_without_out_refuses_instead_of_writing_into_site_packages(tmp_path: Path) -> None:
    # The package copied alone into a directory, as a wheel lays it out in site-packages.
    site = tmp_path / "site-packages"
    shutil.copytree(Path(mtgox_codegen.__file__).parent, site / "mtgox_codegen")
    before = sorted(p.name for p in site.iterdir())
    result = subprocess.run(
        [sys.executable, "-m", "mtgox_codegen", "--catalogue", str(DATA / "mini.yaml")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "--out DIR is required" in result.stderr
    assert sorted(p.name for p in site.iterdir()) == before
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize(("module", "distribution"), [("jinja2", "jinja2"), ("yaml", "pyyaml")])
def test_without_a_dependency_it_names_the_extra_to_install(
    module: str, distribution: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what importing it would find in a bare venv
    assert main(["--validate"]) == 3
    err = capsys.readouterr().err
    assert distribution in err
    assert "pip install 'mtgox-sdk[codegen]'" in err


@pytest.mark.parametrize("runtime", ["shared", "vendored"])
def test_check_exits_1_on_drift_and_0_when_up_to_date(
    runtime: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["--catalogue", str(DATA / "mini.yaml"), "--out", str(out), "--runtime", runtime]
    assert main(args) == 0
    assert main([*args, "--check"]) == 0
    capsys.readouterr()
    v2 = out / "miniex" / "v2.py"
    v2.write_text(v2.read_text(encoding="utf-8").replace("Place an order.", "Place an order!"), encoding="utf-8")
    assert main([*args, "--check"]) == 1
    err = capsys.readouterr().err
    assert "differs: miniex/v2.py" in err and "is out of date" in err
    v2.unlink()
    assert main([*args, "--check"]) == 1
    assert "missing: miniex/v2.py" in capsys.readouterr().err


@pytest.mark.parametrize("version", ["1.0; rm -rf /", "", "v1", '1.0"\n[x]'])
def test_a_package_version_that_is_not_one_is_refused(
    version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["--catalogue", str(DATA / "mini.yaml"), "--out", str(out), "--package-version", version]
    assert main(args) == 2
    assert "--package-version" in capsys.readouterr().err
    assert not out.exists()


def test_the_package_version_reaches_the_pyproject(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["--catalogue", str(DATA / "mini.yaml"), "--out", str(out), "--package-version", "2.1rc1"]) == 0
    assert 'version = "2.1rc1"' in (out / "pyproject.toml").read_text(encoding="utf-8")
