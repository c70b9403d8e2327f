"""Pieces of the sandbox stream without a server: idkeys, the hub's bounded queues."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from mtgox_sandbox.db import connect, transaction
from mtgox_sandbox.stream import idkey
from mtgox_sandbox.stream.hub import Hub
from mtgox_sandbox.stream.messages import Outgoing, dumps, raw_number


def test_an_idkey_opens_its_account_channel_until_it_expires(tmp_path: Path) -> None:
    conn = connect(tmp_path / "k.db")
    account = str(uuid.uuid4())
    with transaction(conn) as tx:
        key = idkey.issue(tx, account)
        assert len(key) == 75 and "=" not in key
        assert idkey.verify(tx, key, 86_400) == account
        assert idkey.verify(tx, key, -1) is None  # expired
        forged = key[:40] + ("A" if key[40] != "A" else "B") + key[41:]
        assert idkey.verify(tx, forged, 86_400) is None
        assert idkey.verify(tx, "not base64!", 86_400) is None
    conn.close()


def test_a_full_queue_cuts_its_subscriber_off_and_no_one_else() -> None:
    async def scenario() -> None:
        hub = Hub(limit=3)
        slow, fast = hub.join(), hub.join()
        for sub in (slow, fast):
            hub.subscribe(sub, "c")
        for n in range(5):
            hub.publish([Outgoing("c", str(n))])
            fast.drain()
        assert slow.overflowed.is_set() and not slow.queue and slow not in hub.subscribers
        assert not fast.overflowed.is_set() and hub.wants("c")
        hub.publish([Outgoing("c", "after")])
        assert fast.drain() == ["after"] and slow.high_water == 3
        hub.unsubscribe(fast, "c")
        assert not hub.wants("c")

    asyncio.run(scenario())


def test_json_numbers_are_written_from_their_exact_decimal_text() -> None:
    text = dumps({"amount": raw_number("12345678.12345678"), "price": raw_number("0.1"), "s": "x"})
    assert text == '{"amount":12345678.12345678,"price":0.1,"s":"x"}'
