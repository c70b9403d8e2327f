"""Packaging facts of the stream client: an extra, loaded only when used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mtgox
from mtgox_runtime.stream import StreamSession, StreamSettings

from .parser import SPEC


def test_import_mtgox_and_its_stream_module_do_not_load_websockets() -> None:
    code = "import sys, mtgox, mtgox.stream, mtgox_runtime.stream; print('websockets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_missing_websockets_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "websockets", None)  # what an install without the extra sees
    with (
        mtgox.Client(base_url="http://127.0.0.1:1/api") as c,
        pytest.raises(mtgox.ConfigurationError, match=r"pip install 'mtgox-sdk\[stream\]'"),
    ):
        c.stream()


def test_the_generated_client_hands_over_its_stream_and_checks_settings() -> None:
    with mtgox.Client(base_url="http://127.0.0.1:1/api") as c:
        stream = c.stream(transport="socketio", currency="EUR")
        spec = stream.session.spec
        assert len(spec.info.channels) == 61 and spec.depth_endpoint is not None and stream.calls is not None
        assert stream.session.handshake_url() == "http://127.0.0.1:1/socket.io/1/?Currency=EUR"
        with pytest.raises(mtgox.ConfigurationError, match="transport must be one of"):
            c.stream(transport="pigeon")
        with pytest.raises(mtgox.ConfigurationError, match="not loopback"):
            c.stream(stream_url="ws://example.com/mtgox")


def test_unread_messages_are_bounded() -> None:
    s = StreamSession(SPEC, StreamSettings(max_queued=3), base_url="http://127.0.0.1:1/api")
    s.opened(0.0)
    for n in range(5):
        s.received(f'{{"op":"subscribe","channel":"c{n}"}}', 0.0)
    assert len(s.events) == 3 and s.dropped == 2


def test_stream_calls_need_a_key() -> None:
    with mtgox.Client(base_url="http://127.0.0.1:1/api") as c:
        session = c.stream(spec=SPEC).session
    session.opened(0.0)
    with pytest.raises(mtgox.ConfigurationError, match="needs an API key"):
        session.begin_call("private/info", None, 0.0)


def test_iterating_a_stream_never_opened_says_how_to_open_it_instead_of_waiting_for_ever() -> None:
    import mtgox

    with mtgox.Client(base_url="http://127.0.0.1:9/api") as client:
        stream = client.stream()
        with pytest.raises(RuntimeError, match=r"not open: use `with client.stream\(\) as stream:`"):
            next(iter(stream))


async def test_an_async_stream_never_opened_says_so_too() -> None:
    import mtgox

    async with mtgox.AsyncClient(base_url="http://127.0.0.1:9/api") as client:
        stream = client.stream()
        with pytest.raises(RuntimeError, match="not open"):
            await stream.__anext__()
