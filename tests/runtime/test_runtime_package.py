"""The public face of the runtime package and small helpers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mtgox_runtime
from mtgox_runtime import _errors
from mtgox_runtime._config import default_nonce_dir, is_loopback_url_host, package_version
from mtgox_runtime._request import form_encode

CONTRACT = [
    "SyncClientBase",
    "AsyncClientBase",
    "SyncTransport",
    "AsyncTransport",
    "SyncNamespace",
    "AsyncNamespace",
    "RawResponse",
    "sync_raw",
    "async_raw",
    "RateLimit",
    "NonceStore",
    "FileNonceStore",
    "MemoryNonceStore",
    "pack_call",
    "unpack_call",
    "sign",
    "Money",
    "Model",
    "Endpoint",
    "CatalogueInfo",
    "VersionInfo",
    "CurrencyInfo",
    "ErrorRule",
]


def test_public_names() -> None:
    errors = [name for name, value in vars(_errors).items() if isinstance(value, type) and issubclass(value, Exception)]
    assert len(errors) == 20
    for name in CONTRACT + errors:
        assert name in mtgox_runtime.__all__, name
        assert getattr(mtgox_runtime, name) is not None
    assert len(mtgox_runtime.__all__) == len(set(mtgox_runtime.__all__))


def test_py_typed_marker() -> None:
    assert (Path(mtgox_runtime.__file__).parent / "py.typed").exists()


def test_errors_have_response_and_attempts_defaults() -> None:
    error = _errors.ServerError("x", endpoint="v2.ticker", status=503)
    assert error.response is None and error.attempts is None
    assert str(error) == "x [v2.ticker, HTTP 503]"


def test_package_version() -> None:
    assert package_version().count(".") >= 2  # the installed version, or 0.0.0 from a source tree


@given(st.lists(st.tuples(st.text(), st.text())))
def test_form_encode_is_urlencode(params: list[tuple[str, str]]) -> None:
    try:
        expected = urlencode(params)
    except UnicodeEncodeError:  # lone surrogates cannot be sent at all
        with pytest.raises(UnicodeEncodeError):
            form_encode(params)
        return
    assert form_encode(params) == expected


def test_default_nonce_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_nonce_dir() == tmp_path / "x" / "mtgox-sdk" / "nonces"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_nonce_dir() == tmp_path / "home" / ".cache" / "mtgox-sdk" / "nonces"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("[::1]", True),
        ("::1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("128.0.0.1", False),
        # The suffix-matching mutant (`endswith("localhost")`) passes these; the rule refuses them.
        ("x.localhost", False),
        ("evil.localhost", False),
        ("notlocalhost", False),
        ("localhost.localdomain", False),
        ("ip6-localhost", False),
        ("localhost.example.com", False),
        ("::2", False),
        ("data.mtgox.com", False),
    ],
)
def test_is_loopback_url_host(host: str, loopback: bool) -> None:
    assert is_loopback_url_host(host) is loopback


def test_import_mtgox_leaves_httpcore_and_the_extras_unloaded() -> None:
    """httpx loads httpcore with its first client; the SDK must not load it (and whatever it
    pulls in: trio when installed cost 90 ms) at import, nor the stream extra. (httpx itself
    imports rich when it is installed, for its own command line.)"""
    code = "import sys, mtgox; print(sorted(m for m in ('httpcore', 'trio', 'websockets') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
