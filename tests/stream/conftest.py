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
