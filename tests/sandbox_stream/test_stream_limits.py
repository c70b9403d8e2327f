"""The sandbox's connection limits (limits.py) are for HTTP requests: a stream connection, once
upgraded, outlives the header and idle deadlines."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .streams import Raw, private


@pytest.mark.integration
def test_a_stream_outlives_the_header_and_idle_deadlines(tmp_path: Path) -> None:
    limits = ("--header-timeout", "0.5", "--idle-timeout", "0.5")
    with Sandbox(tmp_path / "limits.db", extra_args=limits) as sandbox:
        key, secret = sandbox.add_account(fund={"USD": "1000"})
        stream = Raw(sandbox, query="Channel=depth.BTCUSD")
        try:
            time.sleep(2.0)  # four times either deadline: a 408 used to be written into the socket here
            api = Api(sandbox.base_url, key, secret)
            api.ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 100_000_000, "price_int": 1_000_000})
            depth = stream.until(private("depth"), timeout=10)
            assert depth["depth"]["price_int"] == "1000000"
            api.close()
        finally:
            stream.close()
