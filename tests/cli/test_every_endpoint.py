"""Every generated subcommand parses, calls the sandbox over a real socket, and prints its answer.

One test per catalogued endpoint, with the sample arguments the SDK's own per-method test uses:
the call succeeds (exit 0, human output, and `--json` that reads back into the method's return
type), or the sandbox's typed API error comes back as exit 1, never a usage, transport or
response error.
"""

from __future__ import annotations

import importlib
import json
import typing
from decimal import Decimal
from typing import Any

import pytest

import mtgox
import mtgox.cli
from mtgox_catalogue import load_catalogue
from mtgox_catalogue import model as m
from mtgox_runtime.cli import ExitStatus
from mtgox_runtime.cli._jsonio import from_json, to_json

from ..codegen.conftest import REPO
from ..generated.samples import sample_kwargs
from .conftest import Cli

CATALOGUE = load_catalogue(REPO / "endpoints.yaml")
ENDPOINTS = list(CATALOGUE.endpoints)
#: What an APIError of the SDK calls itself (`kind`), as printed by the command.
API_ERROR_KINDS = {
    cls.kind
    for cls in (
        mtgox.APIError,
        mtgox.AuthenticationError,
        mtgox.NonceError,
        mtgox.PermissionDeniedError,
        mtgox.InsufficientFundsError,
        mtgox.OrderNotFoundError,
        mtgox.RateLimitedError,
        mtgox.ServerError,
    )
}


def argv_for(e: m.Endpoint) -> list[str]:
    argv = [e.version.key, e.name.replace("_", "-")]
    for name, value in sample_kwargs(e).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        else:
            argv += [flag, format(value, "f") if isinstance(value, Decimal) else str(value)]
    return argv


def return_hint(e: m.Endpoint) -> Any:
    module = importlib.import_module(f"mtgox.{e.version.key}")
    namespace = getattr(module, e.version.key.upper())
    return typing.get_type_hints(getattr(namespace, e.name))["return"]


def test_the_table_has_every_endpoint_with_its_parameters() -> None:
    table = {c.key: c for c in mtgox.cli.COMMANDS}
    assert set(table) == {e.key for e in ENDPOINTS}
    for e in ENDPOINTS:
        options = {o.name: o for o in table[e.key].options}
        assert set(options) == {p.python for p in e.params}
        for p in e.params:
            assert options[p.python].kind == p.type
            assert options[p.python].required == p.required
            assert options[p.python].choices == p.values
        assert e.description.split()[0] in table[e.key].description


@pytest.mark.parametrize("e", ENDPOINTS, ids=[e.key for e in ENDPOINTS])
def test_every_subcommand_calls_the_sandbox(e: m.Endpoint, cli: Cli) -> None:
    argv = argv_for(e)
    human = cli(*argv)
    assert human.status in (ExitStatus.OK, ExitStatus.API_ERROR), human.err
    if human.status == ExitStatus.API_ERROR:
        kind = human.err.split(" error: ")[0].removeprefix("mtgox: ")
        assert kind in API_ERROR_KINDS, human.err
        return
    assert human.out.strip(), "an answer is printed"
    machine = cli("--json", *argv)
    assert machine.status in (ExitStatus.OK, ExitStatus.API_ERROR), machine.err
    if machine.status == ExitStatus.OK:
        data = json.loads(machine.out)
        value = from_json(return_hint(e), data)
        assert to_json(value) == data


def test_every_help_page_renders(capsys: pytest.CaptureFixture[str]) -> None:
    """Catalogue text reaches argparse, whose help is a %-format: "about ±10 %" once broke `mtgox v2 --help`."""
    pages = [["--help"]] + [[v, "--help"] for v in CATALOGUE.versions]
    pages += [[e.version.key, e.name.replace("_", "-"), "--help"] for e in ENDPOINTS]
    for argv in pages:
        assert mtgox.cli.main(argv) == ExitStatus.OK, argv
        assert "usage: mtgox" in capsys.readouterr().out
