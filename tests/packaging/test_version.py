"""`mtgox.__version__` is the distribution's version, written once in pyproject.toml."""

import tomllib
from pathlib import Path

import mtgox

REPO = Path(__file__).resolve().parents[2]


def test_the_package_version_is_pyprojects() -> None:
    with (REPO / "pyproject.toml").open("rb") as f:
        assert mtgox.__version__ == tomllib.load(f)["project"]["version"]
    assert "__version__" in mtgox.__all__
