"""`python -m mtgox.docs`: the reference and the clone example, from the package itself."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mtgox import docs
from mtgox_catalogue import EXAMPLES_DIR, SCHEMA_PATH
from mtgox_runtime.docs import SUFFIXES, collect, directories
from mtgox_sandbox.fixture import Sandbox, sandbox

__all__ = ["sandbox"]

REPO = Path(__file__).resolve().parents[2]
NAMES = ["readme", "api", "stream", "architecture", "catalogue", "cli", "dashboard", "generator", "sandbox"]


def test_the_list_names_every_reference_and_the_clone_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main([]) == 0
    listed = [
        line.split()[0] for line in capsys.readouterr().out.splitlines() if line and not line.startswith("python")
    ]
    assert listed == [*NAMES, "goxclone.yaml", "endpoints.schema.json"]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("api", REPO / "generated" / "API.md"),
        ("sandbox", REPO / "docs" / "sandbox.md"),
        ("README", REPO / "README.md"),
        ("goxclone.yaml", EXAMPLES_DIR / "goxclone.yaml"),
        ("endpoints.schema.json", SCHEMA_PATH),
    ],
)
def test_a_name_prints_the_document_or_where_it_is(name: str, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main([name]) == 0
    assert capsys.readouterr().out == path.read_text(encoding="utf-8")
    assert docs.main(["--path", name]) == 0
    assert Path(capsys.readouterr().out.strip()) == path.resolve()


def test_an_unknown_name_is_exit_2_listing_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main(["quickstart"]) == 2
    err = capsys.readouterr().err
    assert "no document 'quickstart'" in err and "goxclone.yaml" in err


def test_import_mtgox_does_not_load_the_docs() -> None:
    code = "import sys, mtgox; print(sorted(m for m in sys.modules if m.endswith('docs')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_wheel_carries_the_same_documents_as_the_checkout() -> None:
    """pyproject's force-include into mtgox/_docs and the generated module's checkout places agree."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    force = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    in_wheel = set()
    for source, destination in force.items():
        if destination == "mtgox/_docs":
            in_wheel |= {p.name for p in (REPO / source).iterdir() if p.suffix in SUFFIXES}
        elif destination.startswith("mtgox/_docs/"):
            in_wheel.add(destination.removeprefix("mtgox/_docs/"))
    places = directories(REPO / "generated" / "mtgox", docs.CHECKOUT)
    in_checkout = {doc.path.name for doc in collect(places).values()}
    assert in_wheel == in_checkout


# -- the README, as the package index shows it ---------------------------------------------------

README = (REPO / "README.md").read_text(encoding="utf-8")
REPOSITORY = "https://github.com/mtgox-sdk/mtgox-sdk"


def test_every_link_of_the_readme_works_off_the_repository() -> None:
    """The package index shows the README alone: a relative link there leads nowhere."""
    links = re.findall(r"\]\(([^)]+)\)", README)
    assert links, "the README links to the docs"
    relative = [link for link in links if not link.startswith(("https://", "#"))]
    assert relative == []
    for link in links:
        if link.startswith(REPOSITORY + "/blob/main/") or link.startswith(REPOSITORY + "/raw/main/"):
            target = link.split("/main/", 1)[1].split("#")[0]
            assert (REPO / target).exists(), link


def test_the_project_urls_point_at_the_repository() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Source"] == urls["Homepage"] == REPOSITORY
    assert all(url.startswith(REPOSITORY) for url in urls.values())


def test_the_readme_leads_with_pip_for_users_and_keeps_make_for_contributors() -> None:
    sections = [line for line in README.splitlines() if line.startswith("## ")]
    assert sections[:2] == ["## Install", "## Quick start"]
    install = README[README.index("## Install") : README.index("## Quick start")]
    assert "pip install mtgox-sdk" in install and "make " not in install
    assert "pip install 'mtgox-sdk[testing]'" in install and "pytest-asyncio" in install
    assert README.index("make demo") > README.index("## Contributing")


def test_the_readme_quick_start_runs_against_a_sandbox(sandbox: Sandbox) -> None:
    """The Quick start's Python block, as written, against the sandbox the block before it starts."""
    section = README[README.index("## Quick start") : README.index("\n## ", README.index("## Quick start") + 1)]
    shell, python = re.findall(r"```(?:sh|python)\n(.*?)```", section, re.DOTALL)
    assert "mtgox-sandbox serve --db ex.db --port 8080" in shell
    assert 'url = "http://127.0.0.1:8080/api"' in python
    key, secret = sandbox.add_account(fund={"BTC": "10", "USD": "10000"})
    sandbox.seed_market()
    code = python.replace("http://127.0.0.1:8080/api", sandbox.base_url)
    namespace: dict[str, object] = {"key": key, "secret": secret}
    exec(compile(code, "README.md (Quick start)", "exec"), namespace)  # noqa: S102 - the README's own code
    assert isinstance(namespace["anything"], dict) and namespace["anything"]["lag"] == 0
