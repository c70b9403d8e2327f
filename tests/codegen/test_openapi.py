"""`mtgox-codegen openapi`: the catalogue as an OpenAPI 3.1 document that tools accept and the sandbox keeps."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate

from mtgox_catalogue import EXAMPLES_DIR, default_catalogue_path, load_catalogue, load_catalogue_text
from mtgox_catalogue import model as m
from mtgox_codegen.__main__ import main
from mtgox_codegen.openapi import openapi_document, openapi_json
from mtgox_runtime import sign
from mtgox_sandbox.fixture import Sandbox, sandbox

__all__ = ["sandbox"]

CATALOGUE = load_catalogue(default_catalogue_path())
DOCUMENT = openapi_document(CATALOGUE)


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (path, method, operation)."""
    return {
        op["operationId"]: (path, method, op) for path, item in document["paths"].items() for method, op in item.items()
    }


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)  # raises on the first problem
    assert DOCUMENT["openapi"] == "3.1.0"


def test_the_clone_catalogue_gives_a_valid_document_in_its_own_names() -> None:
    document = openapi_document(load_catalogue(EXAMPLES_DIR / "goxclone.yaml"))
    validate(document)
    assert document["info"]["title"] == "Gox Clone API"
    assert set(operations(document)) == {"v2_ticker", "v2_info", "v2_order_quote"}
    assert document["servers"][1]["url"] == "https://api.goxclone.example"
    text = json.dumps(document)
    assert "mtgox.com" not in text and "BTCUSD" not in text and '"GOXEUR"' in text


def test_every_endpoint_of_every_version_is_one_operation_under_api_and_its_prefix() -> None:
    ops = operations(DOCUMENT)
    assert len(ops) == len(CATALOGUE.endpoints) == 93
    for e in CATALOGUE.endpoints:
        path, method, op = ops[f"{e.version.key}_{e.name}"]
        assert path == f"/api/{e.version.prefix}{e.path}"
        assert method == e.http_method.lower()
        assert op["tags"] == [e.version.key]
    assert {v.key for v in CATALOGUE.versions.values()} == {t["name"] for t in DOCUMENT["tags"]}


def test_signed_calls_are_form_posts_with_a_nonce_and_the_rest_headers() -> None:
    path, method, op = operations(DOCUMENT)["v2_order_add"]
    assert (path, method) == ("/api/2/{pair}/money/order/add", "post")
    assert op["security"] == [{"Rest-Key": [], "Rest-Sign.path_body_hmac": []}]
    body = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert body["required"] == ["type", "amount_int"]
    assert body["anyOf"] == [{"required": ["nonce"]}, {"required": ["tonce"]}]
    amount = body["properties"]["amount_int"]
    assert amount["type"] == "integer" and amount["minimum"] == 1_000_000  # 0.01 BTC in satoshi
    assert amount["x-money"] == {"encoding": "int", "unit": "fixed", "currency": "BTC", "divisor": 100_000_000}
    assert body["properties"]["price_int"]["x-money"] == {"encoding": "int", "unit": "quote"}
    assert op["parameters"][0]["schema"]["enum"][0] == "BTCUSD"
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["Rest-Key"] == {**schemes["Rest-Key"], "type": "apiKey", "in": "header", "name": "Rest-Key"}
    assert schemes["Rest-Sign.body_hmac"]["name"] == schemes["Rest-Sign.path_body_hmac"]["name"] == "Rest-Sign"
    assert "path after /api/2/" in schemes["Rest-Sign.path_body_hmac"]["description"]
    v1 = operations(DOCUMENT)["v1_info"][2]
    assert v1["security"] == [{"Rest-Key": [], "Rest-Sign.body_hmac": []}]


def test_public_calls_take_query_parameters_and_no_security() -> None:
    _path, method, op = operations(DOCUMENT)["v2_trades_fetch"]
    assert method == "get" and "security" not in op and "requestBody" not in op
    assert {p["in"] for p in op["parameters"]} == {"path", "query"}


def test_decimal_money_parameters_have_the_currency_places() -> None:
    for path, _method, op in operations(DOCUMENT).values():
        for content in op.get("requestBody", {}).get("content", {}).values():
            for prop in content["schema"]["properties"].values():
                money = prop.get("x-money")
                if money and money["encoding"] == "decimal" and money["unit"] == "fixed":
                    places = CATALOGUE.currencies[money["currency"]].decimals
                    assert prop["pattern"] == rf"^[0-9]+(\.[0-9]{{1,{places}}})?$", path


def test_envelopes_are_the_response_schemas_and_errors_the_version_error() -> None:
    ops = operations(DOCUMENT)
    v2 = ops["v2_ticker"][2]["responses"]
    assert v2["200"]["content"]["application/json"]["schema"]["properties"]["data"] == {
        "$ref": "#/components/schemas/Ticker"
    }
    assert v2["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/v2.error"}
    v1 = ops["v1_ticker"][2]["responses"]["200"]["content"]["application/json"]["schema"]
    assert v1["anyOf"][1] == {"$ref": "#/components/schemas/v1.error"}, "v1 sent errors with 200"
    assert v1["anyOf"][0]["properties"]["return"] == {"$ref": "#/components/schemas/Ticker"}
    v0 = ops["v0_ticker"][2]["responses"]["200"]["content"]["application/json"]["schema"]
    assert v0["anyOf"][1] == {"$ref": "#/components/schemas/v0.error"}
    csv = ops["v0_history_csv"][2]["responses"]["200"]["content"]
    assert set(csv) == {"text/csv", "application/json"}
    assert "403" in ops["v0_info"][2]["responses"] and "403" not in ops["v0_ticker"][2]["responses"]


def test_the_document_is_deterministic_and_written_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert openapi_json(CATALOGUE) == openapi_json(load_catalogue(default_catalogue_path()))
    out = tmp_path / "openapi.json"
    assert main(["openapi", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == openapi_json(CATALOGUE)
    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out) == DOCUMENT


def test_the_command_reports_a_bad_catalogue_and_writes_nothing(tmp_path: Path, mini_text: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(mini_text.replace("http: GET", "http: PUT", 1), encoding="utf-8")
    out = tmp_path / "openapi.json"
    result = subprocess.run(
        [sys.executable, "-m", "mtgox_codegen", "openapi", "--catalogue", str(bad), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "bad.yaml:" in result.stderr and "PUT" in result.stderr
    assert not out.exists()


def test_a_models_optional_fields_may_be_null_and_maps_may_be_php_empty_arrays() -> None:
    text = (EXAMPLES_DIR / "goxclone.yaml").read_text(encoding="utf-8")
    document = openapi_document(load_catalogue_text(text.encode()))
    info = document["components"]["schemas"]["Info"]
    assert info["required"] == ["Login", "Wallets"]
    wallets = info["properties"]["Wallets"]["anyOf"]
    assert {"type": "array", "maxItems": 0} in wallets
    ticker = CATALOGUE.models["Ticker"]
    optional = next(f for f in ticker.fields if f.optional)
    schema = DOCUMENT["components"]["schemas"]["Ticker"]["properties"][optional.wire]
    assert {"type": "null"} in schema["anyOf"]


# -- the document against the sandbox's answers ------------------------------------------------


def _example(p: m.Param) -> str:
    """A wire value of the right type for each parameter: enough to reach the handler."""
    if p.type == "pair":
        return "BTCUSD"
    if p.type == "currency":
        return "USD"
    if p.type == "enum":
        return p.values[0]
    if p.type == "boolean":
        return "1"
    if p.type == "integer":
        return p.minimum or "1"
    if p.type == "money":
        divisor = CATALOGUE.currencies[p.unit.currency].divisor if p.unit and p.unit.currency else 100_000
        amount = Decimal(p.minimum or "1")
        return str(int(amount * divisor)) if p.encoding == "int" else str(amount)
    return "1"


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    # The components beside the schema, so its `#/components/...` references resolve.
    return jsonschema.Draft202012Validator({**schema, "components": DOCUMENT["components"]})


def _call(client: httpx.Client, e: m.Endpoint, key: str, secret: str, nonce: int) -> httpx.Response:
    path = e.path
    for p in e.path_params:
        path = path.replace("{" + p.wire + "}", _example(p))
    url = f"/api/{e.version.prefix}{path}"
    values = {p.wire: _example(p) for p in e.wire_params if p.required}
    if not e.signed:
        return client.request(e.http_method, url, params=values)
    body = urlencode({**values, "nonce": str(nonce)}).encode()
    message = (f"{path}\0".encode() + body) if CATALOGUE.auth_styles[e.auth].message == "path_nul_body" else body
    headers = {"Rest-Key": key, "Rest-Sign": sign(secret, message), "Content-Type": "application/x-www-form-urlencoded"}
    return client.post(url, content=body, headers=headers)


def test_every_answer_of_the_sandbox_fits_the_documented_schema(sandbox: Sandbox) -> None:
    """Each endpoint called once (public ones bare, signed ones by a funded key): the answer, success
    or error, is valid under the schema the document gives for its status."""
    key, secret = sandbox.add_account(fund={"BTC": "10", "USD": "10000"})
    sandbox.seed_market()
    ops = operations(DOCUMENT)
    checked: dict[str, int] = {}
    with httpx.Client(base_url=sandbox.url, timeout=30) as client:
        for e in CATALOGUE.endpoints:
            op = ops[f"{e.version.key}_{e.name}"][2]
            response = _call(client, e, key, secret, time.time_ns() // 1000)
            documented = op["responses"].get(str(response.status_code), op["responses"]["default"])
            media = response.headers["content-type"].split(";")[0]
            assert media in documented["content"], (e.key, response.status_code, media)
            if media == "application/json":
                errors = sorted(
                    _validator(documented["content"][media]["schema"]).iter_errors(response.json()), key=str
                )
                assert not errors, (e.key, response.status_code, response.text[:300], [e.message for e in errors[:3]])
            checked[e.key] = response.status_code
    assert len(checked) == 93
    assert sum(status == 200 for status in checked.values()) >= 70, checked  # most reached their handler
