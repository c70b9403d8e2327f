"""The JSON Schema of the catalogue format: what editors check endpoints.yaml against."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from mtgox_catalogue import EXAMPLES_DIR, SCHEMA_PATH, CatalogueError, load_catalogue_text
from mtgox_catalogue import model as m

from .conftest import DATA, REPO

SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CATALOGUES = [REPO / "endpoints.yaml", EXAMPLES_DIR / "goxclone.yaml", DATA / "mini.yaml"]
LANGUAGE_SERVER = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")


def problems(text: str) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(yaml.safe_load(text))]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_every_catalogue_we_ship_is_valid_under_the_schema(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", CATALOGUES[:2], ids=lambda p: p.name)
def test_the_shipped_catalogues_name_the_schema_for_their_editor(path: Path) -> None:
    match = LANGUAGE_SERVER.match(path.read_text(encoding="utf-8"))
    assert match is not None, "the first line tells yaml-language-server which schema to use"
    assert (path.parent / match[1]).resolve() == SCHEMA_PATH


def test_the_schema_knows_the_same_names_as_the_loader() -> None:
    defs = SCHEMA["$defs"]
    assert defs["param"]["properties"]["type"]["enum"] == list(m.PARAM_TYPES)
    assert defs["type"]["anyOf"][0]["enum"][: len(m.SCALAR_FIELD_TYPES)] == list(m.SCALAR_FIELD_TYPES)
    assert defs["endpoint"]["properties"]["rights"]["items"]["enum"] == list(m.RIGHTS)
    classes = SCHEMA["properties"]["errors"]["items"]["properties"]["class"]["enum"]
    mini = (DATA / "mini.yaml").read_text(encoding="utf-8")
    for cls in classes:  # each is a class the loader accepts
        load_catalogue_text(mini.replace("class: NonceError", f"class: {cls}").encode())
    with pytest.raises(CatalogueError):
        load_catalogue_text(mini.replace("class: NonceError", "class: TimeoutError").encode())


#: Edits of mini.yaml that the loader refuses; the schema must refuse each too.
BAD = {
    "an unknown top-level key": ("schema: 1\n", "schema: 1\nendpoint_defaults: {}\n"),
    "a schema version it does not read": ("schema: 1\n", "schema: 2\n"),
    "an HTTP method that is not GET or POST": ("http: GET", "http: PUT"),
    "an unknown parameter type": ("type: enum, values: [bid, ask]", "type: choice, values: [bid, ask]"),
    "an enum without values": ("type: enum, values: [bid, ask], required: true", "type: enum, required: true"),
    "money without an encoding": ("unit: BTC, encoding: int, ", "unit: BTC, "),
    "a money minimum that is not a quoted decimal": ('minimum: "0.01"', "minimum: 0.01"),
    "a lower-case currency code": ("  JPY: {name: Yen", "  jpy: {name: Yen"),
    "a symbol position that is neither": ("symbol_position: before}", "symbol_position: left}"),
    "an endpoint without returns": ("      returns: Quote\n", "\n"),
    "an unknown endpoint key": (
        "      idempotent: true\n      description: Ticker.",
        "      idempotent: true\n      retry: 3\n      description: Ticker.",
    ),
    "an error rule without a matcher": ("{token: login_error_invalid_nonce, class: NonceError}", "{class: NonceError}"),
    "an unknown error class": ("class: NonceError", "class: TimeoutError"),
    "a version key that is not vN": ("  v2:\n    prefix", "  version2:\n    prefix"),
    "an unknown envelope": ("envelope: data", "envelope: wrapped"),
    "a model name that is not CamelCase": ("  Quote:\n", "  quote_model:\n"),
    "a model named like a generated type": ("  Wallet:\n", "  Money:\n"),
    "a field type that is not a type": ("      amount: decimal", "      amount: float"),
    "a path with a leading slash": ('- path: "{pair}/money/order/add"', '- path: "/{pair}/money/order/add"'),
    "a path parameter that is optional": (
        "pair: {type: pair, in: path}\n      returns: Quote",
        "pair: {type: pair, in: path, required: false}\n      returns: Quote",
    ),
    "a nonce parameter": (
        "        pair: {type: pair, in: path}\n      returns: Quote",
        "        pair: {type: pair, in: path}\n        nonce: {type: integer}\n      returns: Quote",
    ),
    "an unknown right": ("rights: [trade]", "rights: [trading]"),
}


@pytest.mark.parametrize("edit", list(BAD), ids=list(BAD))
def test_the_schema_refuses_what_the_loader_refuses(edit: str) -> None:
    old, new = BAD[edit]
    mini = (DATA / "mini.yaml").read_text(encoding="utf-8")
    assert old in mini, edit
    text = mini.replace(old, new, 1)
    with pytest.raises(CatalogueError):
        load_catalogue_text(text.encode())
    assert problems(text), f"the schema accepts {edit}"
