"""`GET /openapi.json`: the sandbox serves its catalogue's OpenAPI document with itself as the server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from mtgox_catalogue import EXAMPLES_DIR, load_catalogue
from mtgox_catalogue.openapi import openapi_document
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.fixture import Sandbox, sandbox
from mtgox_sandbox.server.app import App
from mtgox_sandbox.web.openapi import MAX_KEPT, OpenApi, authority

__all__ = ["sandbox"]

CATALOGUE = load()


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = App(CATALOGUE, tmp_path / "app.db")
    await app.startup()
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8123") as client:
        yield client
    await app.shutdown()


async def test_the_document_names_the_sandbox_the_client_reached_first(http: httpx.AsyncClient) -> None:
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    assert document == openapi_document(CATALOGUE, server="http://127.0.0.1:8123")
    assert document["servers"][0] == {
        "url": "http://127.0.0.1:8123",
        "description": "This sandbox, serving this catalogue",
    }
    assert document["servers"][1]["url"] == "https://data.mtgox.com"
    other = (await http.get("/openapi.json", headers={"Host": "localhost:9"})).json()
    assert other["servers"][0]["url"] == "http://localhost:9"


async def test_a_malformed_host_header_is_never_written_into_the_document(http: httpx.AsyncClient) -> None:
    for host in ('evil"}, {"url": "x', "a b", "user@127.0.0.1", "127.0.0.1/path", "h:99999x", ""):
        document = (await http.get("/openapi.json", headers={"Host": host})).json()
        assert document["servers"][0]["url"] == "http://127.0.0.1:8123", host  # the socket's address


def test_the_fallback_is_the_bound_address_with_ipv6_in_brackets() -> None:
    assert authority({"headers": [], "server": ("::1", 8080)}) == "[::1]:8080"
    assert authority({"headers": [(b"host", b"[::1]:81")], "server": ("::1", 8080)}) == "[::1]:81"
    assert authority({"headers": [(b"host", b"[::1]]:81")], "server": ("127.0.0.1", 5)}) == "127.0.0.1:5"
    assert authority({"headers": []}) == "127.0.0.1"


def test_the_encoded_documents_kept_are_bounded() -> None:
    served = OpenApi(CATALOGUE)
    for port in range(MAX_KEPT * 3):
        assert json.loads(served.body(f"http://h:{port}"))["servers"][0]["url"] == f"http://h:{port}"
    assert len(served._encoded) == MAX_KEPT


async def test_head_has_no_body_and_other_methods_are_refused(http: httpx.AsyncClient) -> None:
    head = await http.head("/openapi.json")
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 100_000
    post = await http.post("/openapi.json", content=b"{}")
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"
    assert "GET /openapi.json" in post.json()["error"]


async def test_the_description_at_the_root_says_where_the_document_is(http: httpx.AsyncClient) -> None:
    assert (await http.get("/")).json()["openapi"] == "/openapi.json"


async def test_a_clone_sandbox_serves_its_own_document(tmp_path: Path) -> None:
    clone = load_catalogue(EXAMPLES_DIR / "goxclone.yaml")
    app = App(clone, tmp_path / "clone.db")
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:7000") as client:
            document = (await client.get("/openapi.json")).json()
    finally:
        await app.shutdown()
    assert document["info"]["title"] == "Gox Clone API"
    assert [s["url"] for s in document["servers"]] == ["http://localhost:7000", "https://api.goxclone.example"]


def test_a_running_sandbox_serves_it_over_its_socket(sandbox: Sandbox) -> None:
    document = httpx.get(sandbox.url + "/openapi.json", timeout=10).json()
    assert document["servers"][0]["url"] == sandbox.url
    assert len(document["paths"]) == len({f"{e.version.prefix}{e.path}" for e in CATALOGUE.endpoints})


def test_the_document_holds_mt_gox_s_api_and_none_of_the_sandbox_s_own_paths() -> None:
    """Tools pointed at the document (Schemathesis above all) call Mt. Gox's API only: never the
    control surface (`/_sandbox/`: faults, the clock, replays), the dashboard or PubNub's paths,
    which are no part of Mt. Gox's HTTP API. v2's stream/private_get is, with its answer."""
    document = openapi_document(CATALOGUE)
    paths = document["paths"]
    assert all(path.startswith("/api/") for path in paths), [p for p in paths if not p.startswith("/api/")]
    assert not any(word in path for path in paths for word in ("_sandbox", "_dashboard", "subscribe", "openapi"))
    private_get = paths["/api/2/stream/private_get"]
    assert list(private_get) == ["post"] and private_get["post"]["operationId"] == "v2_stream_private_get"
    answer = private_get["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["data"] == {"$ref": "#/components/schemas/StreamPrivate"}
    assert document["components"]["schemas"]["StreamPrivate"]["required"] == ["sub", "channel", "auth", "cipher"]
