from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fakeserver import FakeStreamServer


@pytest.fixture
def fake() -> Iterator[FakeStreamServer]:
    server = FakeStreamServer().start()
    try:
        yield server
    finally:
        server.stop()


from mtgox_sandbox.fixture import sandbox, sandbox_session  # noqa: E402

__all__ = ["fake", "sandbox", "sandbox_session"]
