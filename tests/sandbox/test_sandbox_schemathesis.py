"""Schemathesis against the sandbox: property-based requests, drawn from the OpenAPI document the
sandbox serves, to every HTTP endpoint of every version.

Public endpoints get what the document allows and what it does not (query and path values of
every kind, bodies on POST); signed ones are also signed, as Mt. Gox required, by a funded key
with every right: the form body's `nonce` (or `tonce`) drawn by Schemathesis is replaced by the
key's next one, and `Rest-Key` / `Rest-Sign` are computed over the bytes that go on the wire by
the runtime's own `Signer` (the body in v0 and v1; the path after `/api/2/`, a NUL and the body
in v2). So the examples reach the handlers, not only the signature check.

What must hold for every example: no 5xx, an answer whose status, content type and body the
document describes (`response_schema_conformance` and friends), and an answer within the
request timeout (no hang). Not checked: that invalid data gets a 4xx (`negative_data_rejection`)
and valid data a 2xx (`positive_data_acceptance`): v0 and v1 sent their errors with 200, and a
well-formed order can still be refused for its funds; the document says so.

Examples are bounded (`MAX_EXAMPLES` per operation, drawn the same way on every run, so that a
CI failure is the failure one reproduces), and each operation gets a fresh exchange (the
`sandbox` fixture) with a funded account and a seeded book. A deeper, random run:
`SCHEMATHESIS_EXAMPLES=200 pytest tests/sandbox/test_sandbox_schemathesis.py`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    CheckContext,
    allow_header_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    unsupported_method,
)
from schemathesis.core.result import Ok

from mtgox_catalogue.model import Endpoint
from mtgox_catalogue.openapi import openapi_document
from mtgox_runtime._auth import Credentials
from mtgox_runtime._catalogue_info import AuthStyle
from mtgox_runtime._nonce import MemoryNonceStore
from mtgox_runtime._signer import Signer
from mtgox_sandbox.core import ledger
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.fixture import Sandbox, sandbox

__all__ = ["sandbox"]

CATALOGUE = load()
DOCUMENT = openapi_document(CATALOGUE)
ENDPOINTS: dict[str, Endpoint] = {f"{e.version.key}_{e.name}": e for e in CATALOGUE.endpoints}
#: Examples per operation: enough for every parameter to take odd values, bounded for CI's 2 cores
#: (a larger number given in the environment also draws them at random).
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
#: Seconds an answer may take before the example fails as a hang.
TIMEOUT = 10.0
FUNDS = {"BTC": "1000", "USD": "1000000", "EUR": "1000000", "JPY": "100000000"}

schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic="SCHEMATHESIS_EXAMPLES" not in os.environ,
)
schema.config.update(request_timeout=TIMEOUT)


class MtGoxAuth(requests.auth.AuthBase):
    """Signs a prepared request as Mt. Gox required, over the exact bytes sent."""

    def __init__(self, key: str, secret: str, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.style: AuthStyle = (
            "path_body_hmac" if CATALOGUE.auth_styles[endpoint.auth].message == "path_nul_body" else "body_hmac"
        )
        self.nonces = Signer(Credentials(key, secret), MemoryNonceStore(), use_tonce=False)
        self.tonces = Signer(Credentials(key, secret), MemoryNonceStore(), use_tonce=True)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body
        raw = body.encode("utf-8") if isinstance(body, str) else body if isinstance(body, bytes) else b""
        fields = [f for f in raw.split(b"&") if f and not f.startswith((b"nonce=", b"tonce="))]
        # a drawn tonce stays a tonce (the other way to authenticate), anything else a nonce
        signer = self.tonces if b"tonce=" in raw and b"nonce=" not in raw else self.nonces
        form = b"&".join(fields).decode("ascii")
        prefix = self.endpoint.version.prefix
        path = (request.path_url or "").split("?", 1)[0].removeprefix(f"/api/{prefix}")
        signed, signature = signer.sign_form(self.style, path.encode("ascii"), signer.form_prefix(form))
        request.body = signed
        request.prepare_content_length(signed)
        request.headers["Content-Type"] = "application/x-www-form-urlencoded"
        # a header the example left out stays out (Schemathesis checks that it is then refused)
        for name, value in (("Rest-Key", signer.key), ("Rest-Sign", signature)):
            if name in request.headers:
                request.headers[name] = value
        return request


def methods_as_mtgox_took_them(
    ctx: CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    """Instead of Schemathesis's `unsupported_method` and `allow_header_conformance`, which take the
    document's one method per endpoint as all it answers: Mt. Gox answered public calls on POST (a
    form body) as on GET, and so does the sandbox (the document lists the GET the SDK sends, and
    says so). Any other method gets 405 with `Allow` naming exactly what the endpoint takes (or
    404, when the path itself is unknown)."""
    endpoint = ENDPOINTS[case.operation.definition.raw["operationId"]]
    taken = ("POST",) if endpoint.signed else ("GET", "POST")
    method = response.request.method
    if method in taken:
        return
    assert response.status_code in (404, 405), f"{method} answered {response.status_code}: {response.text[:200]}"
    if response.status_code == 405:
        assert response.headers.get("allow") == [", ".join(taken)], response.headers


@pytest.fixture
def account(sandbox: Sandbox) -> Iterator[tuple[str, str]]:
    """A funded key with every right on a fresh exchange with a seeded book."""
    key, secret = sandbox.add_account(fund=FUNDS, rights=ledger.ALL_RIGHTS)
    sandbox.seed_market(("BTCUSD", "BTCEUR"))
    yield key, secret
    assert sandbox.check_invariants() == []  # whatever was sent, the books balance


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_endpoint_answers_every_example_as_documented(
    case: schemathesis.Case[Any], sandbox: Sandbox, account: tuple[str, str]
) -> None:
    endpoint = ENDPOINTS[case.operation.definition.raw["operationId"]]
    kwargs: dict[str, Any] = {"base_url": sandbox.url}
    if endpoint.signed:
        kwargs["auth"] = MtGoxAuth(*account, endpoint)
    started = time.monotonic()
    case.call_and_validate(
        excluded_checks=[
            negative_data_rejection,
            positive_data_acceptance,
            unsupported_method,
            allow_header_conformance,
        ],
        additional_checks=[methods_as_mtgox_took_them],
        **kwargs,
    )
    assert time.monotonic() - started < TIMEOUT


def test_every_endpoint_of_every_version_is_an_operation_schemathesis_tests() -> None:
    results = list(schema.get_all_operations())
    tested = {result.ok().definition.raw["operationId"] for result in results if isinstance(result, Ok)}
    assert len(results) == len(tested)  # none the document holds was left out as invalid
    assert tested == set(ENDPOINTS) and len(tested) == len(CATALOGUE.endpoints) == 93
    assert {e.version.key for e in CATALOGUE.endpoints} == {"v0", "v1", "v2"}


def test_the_sandbox_serves_the_document_the_examples_were_drawn_from(sandbox: Sandbox) -> None:
    served = httpx.get(sandbox.url + "/openapi.json", timeout=10).json()
    assert served == {**DOCUMENT, "servers": served["servers"]}
    assert served["servers"][0]["url"] == sandbox.url
