"""An order book kept from the stream's depth messages alone (level = total_volume_int) equals
the sandbox's own full depth after thousands of random orders, cancels and fills, placed over
HTTP v0, v1, v2 and stream calls; every non-zero delta satisfies previous total + delta = total."""

from __future__ import annotations

import random
import threading

from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .streams import Raw, packed_call, private

OPERATIONS = 1500
SENTINEL_PRICE = 1


def test_a_book_kept_from_depth_messages_equals_the_full_depth(sandbox: Sandbox) -> None:
    rng = random.Random(11)
    apis = [Api(sandbox.base_url, *sandbox.add_account(fund={"BTC": "100000", "USD": "100000000"})) for _ in range(3)]
    raw = Raw(sandbox, query="Channel=depth.BTCUSD")
    assert raw.recv()["op"] == "subscribe"
    book: dict[tuple[str, str], int] = {}
    broken: list[str] = []
    done = threading.Event()
    caller = Raw(sandbox, query="Channel=trade.lag")  # carries stream calls
    assert caller.recv()["op"] == "subscribe"

    def follow() -> None:
        while True:
            message = raw.until(private("depth"), timeout=120)
            depth = message["depth"]
            level = (depth["type_str"], depth["price_int"])
            delta, total = int(depth["volume_int"]), int(depth["total_volume_int"])
            if delta and book.get(level, 0) + delta != total:
                broken.append(f"{level}: {book.get(level, 0)} + {delta} != {total}")
            if total:
                book[level] = total
            else:
                book.pop(level, None)
            if depth["price_int"] == str(SENTINEL_PRICE):
                done.set()
                return

    follower = threading.Thread(target=follow)
    follower.start()
    open_oids: list[tuple[Api, str]] = []
    for n in range(OPERATIONS):
        api = rng.choice(apis)
        roll = rng.random()
        if roll < 0.2 and open_oids:
            owner, oid = open_oids.pop(rng.randrange(len(open_oids)))
            owner.post(2, "BTCUSD/money/order/cancel", {"oid": oid})  # may be filled already: a remark
            continue
        side = rng.choice(("bid", "ask"))
        amount = rng.randrange(1_000_000, 300_000_000)
        price = rng.randrange(9_500_000, 10_500_000, 10_000) if roll < 0.95 else None
        params: dict[str, object] = {"type": side, "amount_int": amount}
        if price is not None:
            params["price_int"] = price
        way = n % 4
        if way == 0:
            oid = api.ok(2, "BTCUSD/money/order/add", params)
        elif way == 1:
            oid = api.ok(1, "BTCUSD/order/add", params)
        elif way == 2 and price is not None:
            v0 = {"amount": f"{amount / 1e8:.8f}", "price": f"{price / 1e5:.5f}", "Currency": "USD"}
            oid = api.ok(0, "buyBTC.php" if side == "bid" else "sellBTC.php", v0)["oid"]
        else:
            assert api.key and api.secret  # the key's nonces, shared by HTTP and stream calls
            caller.send(packed_call(api.key, api.secret, "order/add", params, f"c{n}", nonce=api.nonce()))
            answer = caller.until(lambda m: m.get("op") in ("result", "remark"))
            assert answer["op"] == "result", answer
            oid = answer["result"]
        open_oids.append((api, oid))
    apis[0].ok(2, "BTCUSD/money/order/add", {"type": "bid", "amount_int": 1_000_000, "price_int": SENTINEL_PRICE})
    assert done.wait(120)
    follower.join()
    full = apis[0].public(2, "BTCUSD/money/depth/full")
    expected = {("ask", e["price_int"]): int(e["amount_int"]) for e in full["asks"]}
    expected |= {("bid", e["price_int"]): int(e["amount_int"]) for e in full["bids"]}
    assert broken == []
    assert book == expected
    trades = sandbox.query("SELECT COUNT(*) FROM trades")[0][0]
    assert isinstance(trades, int) and trades > OPERATIONS // 10  # the book really was traded through
    raw.close()
    caller.close()
    for api in apis:
        api.close()
