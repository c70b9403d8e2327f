"""The README's "Add or change an endpoint", done as written: edit a copy of the catalogue, regenerate
into a package, import it, call the new method, and serve it from the sandbox."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from mtgox_catalogue import load_catalogue_text
from mtgox_sandbox.api import registry
from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.core.db import connect, transaction
from mtgox_sandbox.fixture import Sandbox
from mtgox_sandbox.server.app import App

from .conftest import REPO, mypy_strict
from .readme_snippet import readme_snippets, with_readme_endpoint

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="


@pytest.fixture(scope="module")
def edited_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    catalogue = tmp_path_factory.mktemp("readme") / "endpoints.yaml"
    catalogue.write_text(with_readme_endpoint((REPO / "endpoints.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    return catalogue


@pytest.fixture(scope="module")
def clone_package(edited_catalogue: Path) -> Path:
    out = edited_catalogue.parent / "out"
    command = [sys.executable, "-m", "mtgox_codegen", "--catalogue", str(edited_catalogue), "--out", str(out)]
    result = subprocess.run([*command, "--package", "cloneex"], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "def order_estimate(" in (out / "cloneex" / "v2.py").read_text(encoding="utf-8")
    return out


@pytest.fixture
def cloneex(clone_package: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(clone_package))
    try:
        yield importlib.import_module("cloneex")
    finally:
        sys.path.remove(str(clone_package))
        for name in [m for m in sys.modules if m == "cloneex" or m.startswith("cloneex.")]:
            del sys.modules[name]


def test_the_snippets_are_valid_catalogue_text(edited_catalogue: Path) -> None:
    model, endpoint = readme_snippets()
    assert "FeeEstimate:" in model and "returns: FeeEstimate" in endpoint
    catalogue = load_catalogue_text(edited_catalogue.read_bytes())
    assert catalogue.endpoint("v2.order_estimate").returns.name == "FeeEstimate"


def test_applying_the_readme_twice_changes_nothing(edited_catalogue: Path) -> None:
    """A catalogue that already holds the example (the user followed the README) is left as it is."""
    text = edited_catalogue.read_text(encoding="utf-8")
    assert with_readme_endpoint(text) == text


def test_the_new_method_is_generated_typed_and_callable(cloneex: ModuleType, clone_package: Path) -> None:
    body = {
        "result": "success",
        "data": {"fee": {"value": "0.60000", "value_int": "60000", "currency": "USD"}, "rate": "0.6"},
    }
    with respx.mock() as router:
        route = router.post("https://clone.test/api/2/BTCUSD/money/order/estimate").mock(
            return_value=httpx.Response(200, json=body)
        )
        with cloneex.Client(KEY, SECRET, base_url="https://clone.test/api", nonce_store="memory") as client:
            estimate = client.v2.order_estimate(pair="BTCUSD", amount=Decimal("0.5"))
    sent = dict(parse_qsl(route.calls.last.request.content.decode()))
    assert sent["amount_int"] == "50000000"
    assert type(estimate).__name__ == "FeeEstimate"
    assert (estimate.fee.value, estimate.fee.value_int, estimate.rate) == (Decimal("0.60000"), 60000, Decimal("0.6"))
    assert "order_estimate" in (clone_package / "API.md").read_text(encoding="utf-8")


@pytest.mark.integration
def test_the_sandbox_serves_the_new_route_shape_only(
    cloneex: ModuleType, edited_catalogue: Path, tmp_path: Path
) -> None:
    with Sandbox(tmp_path / "ex.db", catalogue=edited_catalogue) as sandbox:
        key, secret = sandbox.add_account({"BTC": "1", "USD": "100"})
        with cloneex.Client(key, secret, base_url=sandbox.base_url, nonce_store="memory") as client:
            estimate = client.v2.order_estimate(pair="BTCEUR", amount=Decimal("0.5"))
    assert type(estimate).__name__ == "FeeEstimate"
    assert estimate.fee.currency == "EUR"  # the pair's quote currency, from the catalogue


def test_the_new_package_passes_mypy_strict(clone_package: Path) -> None:
    result = mypy_strict(clone_package, "cloneex")
    assert result.returncode == 0, result.stdout[-3000:]


def docs_handler_snippet() -> str:
    """The handler example of docs/generator.md's "Give it behaviour in the sandbox"."""
    guide = (REPO / "docs" / "generator.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Give it behaviour in the sandbox") :].split("\n## ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    return "".join(line[3:] for line in block.splitlines(True))


async def test_the_documented_handler_gives_the_route_behaviour(
    cloneex: ModuleType, edited_catalogue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/generator.md's steps, done: the handler registered, the endpoint marked stateful."""
    # the sandbox's own handlers are registered (importing `handlers` did); the example's is undone after
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    namespace = {
        "__name__": "mtgox_sandbox.api.handlers.order_estimate_example",
        "__package__": "mtgox_sandbox.api.handlers",
    }
    exec(compile(docs_handler_snippet(), "docs/generator.md", "exec"), namespace)  # noqa: S102 - our own docs
    catalogue = load(edited_catalogue)
    endpoints = tuple(
        dataclasses.replace(e, sandbox="stateful") if e.key == "v2.order_estimate" else e for e in catalogue.endpoints
    )
    app = App(dataclasses.replace(catalogue, endpoints=endpoints), tmp_path / "ex.db")
    await app.startup()
    try:
        conn = connect(app.services.worker.path)
        with transaction(conn) as tx:
            creds = ledger.create_account(tx)
        conn.close()
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with (
            http,
            cloneex.AsyncClient(
                creds.key, creds.secret, base_url="http://127.0.0.1/api", http_client=http, nonce_store="memory"
            ) as client,
        ):
            estimate = await client.v2.order_estimate(pair="BTCUSD", amount=Decimal("0.5"))
    finally:
        await app.shutdown()
    assert (estimate.fee.value, estimate.fee.currency, estimate.rate) == (Decimal("0.00300000"), "BTC", Decimal("0.6"))
