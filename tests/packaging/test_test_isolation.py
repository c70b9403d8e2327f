"""The test run itself never writes into the developer's home cache."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

import mtgox
from mtgox_runtime._config import default_nonce_dir

KEY = "12345678-abcd-1234-abcd-50286e649d5c"
SECRET = "9WkB3zUil6h5pXrqUX7XT57c+g2rxxemeGYv3aBSW4hlkwSIgmul+mC3yxwU8fPtQsR8jTpyI2xo7WznjhTf4g=="


def test_the_default_nonce_directory_is_the_runs_own(session_cache: Path) -> None:
    assert os.environ["XDG_CACHE_HOME"] == str(session_cache)
    assert default_nonce_dir().is_relative_to(session_cache)
    assert not default_nonce_dir().is_relative_to(Path.home() / ".cache")


def test_a_signed_call_with_the_default_store_writes_into_the_runs_cache(session_cache: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"result": "success", "data": {"Login": "alice"}})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with http, mtgox.Client(KEY, SECRET, base_url="http://127.0.0.1:9/api", http_client=http) as client:
        client.v2.call("money/info")  # the default nonce store: a file per key
    assert any(default_nonce_dir().iterdir())
    assert default_nonce_dir().is_relative_to(session_cache)
