"""`binds_loopback_only`: the sandbox refuses a --host other machines can reach unless told.

It reads a bind address, not a URL host (the SDK's `is_loopback_url_host` does that): no
brackets, and a name other than `localhost` is not trusted.
"""

from __future__ import annotations

import pytest

from mtgox_sandbox.server.serve import binds_loopback_only


@pytest.mark.parametrize(
    ("host", "loopback_only"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("0.0.0.0", False),  # noqa: S104 - the address under test, never bound
        ("::", False),
        ("192.168.1.5", False),
        ("[::1]", False),  # URL spelling: bind() would not take it either
        ("evil.localhost", False),
        ("localhost.localdomain", False),
        ("", False),
    ],
)
def test_binds_loopback_only(host: str, loopback_only: bool) -> None:
    assert binds_loopback_only(host) is loopback_only
