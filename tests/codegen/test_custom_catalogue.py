"""A user edits a copy of the catalogue, regenerates into their own package, imports it and calls the new method."""

from __future__ import annotations

import importlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from .conftest import REPO

NEW_ENDPOINT = """
    - path: "{pair}/money/order/estimate"
      http: POST
      auth: path_body_hmac
      rights: [trade]
      idempotent: true
      description: Estimate the fee of an order (added by a user for a clone exchange).
      params:
        pair: {type: pair, in: path}
        amount_int: {type: money, unit: BTC, encoding: int, python: amount, required: true}
        price_int: {type: money, unit: quote, encoding: int, python: price, required: true}
      returns: FeeEstimate
"""

NEW_MODEL = """
  FeeEstimate:
    description: A fee estimate.
    fields:
      fee: money
      rate: decimal
"""


@pytest.fixture(scope="module")
def clone_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("clone")
    text = (REPO / "endpoints.yaml").read_text(encoding="utf-8")
    text = text.replace("\nmodels:\n", "\nmodels:\n" + NEW_MODEL.lstrip("\n"), 1)
    anchor = "\n  v2:\n"
    assert anchor in text
    head, tail = text.rsplit(anchor, 1)
    text = head + anchor + NEW_ENDPOINT.lstrip("\n") + "\n" + tail
    catalogue = work / "clone.yaml"
    catalogue.write_text(text, encoding="utf-8")
    out = work / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mtgox_codegen",
            "--catalogue",
            str(catalogue),
            "--out",
            str(out),
            "--package",
            "cloneex",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "v2: 53" in result.stdout
    return out


def test_the_new_method_is_generated_typed_and_callable(clone_package: Path) -> None:
    sys.path.insert(0, str(clone_package))
    try:
        cloneex = importlib.import_module("cloneex")
        key = "12345678-abcd-1234-abcd-50286e649d5c"
        secret = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="
        body = {
            "result": "success",
            "data": {"fee": {"value": "0.60000", "value_int": "60000", "currency": "USD"}, "rate": "0.6"},
        }
        with respx.mock() as router:
            route = router.post("https://clone.test/api/2/BTCUSD/money/order/estimate").mock(
                return_value=httpx.Response(200, json=body)
            )
            with cloneex.Client(key, secret, base_url="https://clone.test/api", nonce_store="memory") as client:
                estimate = client.v2.order_estimate(pair="BTCUSD", amount=Decimal("0.5"), price=Decimal("100.25"))
        sent = dict(parse_qsl(route.calls.last.request.content.decode()))
        assert (sent["amount_int"], sent["price_int"]) == ("50000000", "10025000")
        assert type(estimate).__name__ == "FeeEstimate"
        assert (estimate.fee.value, estimate.fee.value_int, estimate.rate) == (
            Decimal("0.60000"),
            60000,
            Decimal("0.6"),
        )
        assert "order_estimate" in (clone_package / "API.md").read_text(encoding="utf-8")
    finally:
        sys.path.remove(str(clone_package))
        for name in [m for m in sys.modules if m == "cloneex" or m.startswith("cloneex.")]:
            del sys.modules[name]


def test_the_new_package_passes_mypy_strict(clone_package: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "cloneex"],
        cwd=clone_package,
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(REPO / "runtime"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout[-3000:]
