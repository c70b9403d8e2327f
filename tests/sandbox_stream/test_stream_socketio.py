"""The socket.io protocol-1 transport: generic clients of the era (npm socket.io-client 0.9.16
under node, PyPI socketIO-client 0.5.7.2) connect, get the default subscriptions, subscribe by
name with `3::` and `4::` frames, see a trade an HTTP order causes, and make a signed call;
plus the handshake details the reference lists (chunked body, POST, sid expiry)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.sync.client import connect

from mtgox_sandbox.core.catalogue import default_catalogue_path, load
from mtgox_sandbox.fixture import Sandbox

from ..sandbox.sandbox_helpers import Api
from .clients import Child, Message, node_client, python_client
from .streams import packed_call

_STREAM = load(default_catalogue_path()).stream
assert _STREAM is not None
STREAM = _STREAM
ID = {c.name: c.id for c in STREAM.channels}


def _is(op: str, channel: str | None = None) -> object:
    return lambda m: m.get("op") == op and (channel is None or m.get("channel") == channel)


@pytest.fixture(params=["node socket.io-client 0.9.16", "python socketIO-client 0.5.7.2"])
def client(request: pytest.FixtureRequest, sandbox: Sandbox) -> Iterator[Child]:
    if request.param.startswith("node"):
        child = node_client(f"http://{sandbox.host}:{sandbox.port}/mtgox?Currency=USD")
    else:
        child = python_client(sandbox.host, sandbox.port, "Currency=USD")
    yield child
    child.close()


def test_a_generic_client_subscribes_sees_an_http_trade_and_calls(
    client: Child, sandbox: Sandbox, traders: tuple[Api, Api]
) -> None:
    seller, buyer = traders
    client.until(lambda m: m.get("event") == "connect")
    defaults = [client.until(lambda m: m.get("op") == "subscribe")["channel"] for _ in range(3)]
    assert defaults == [ID["trade.BTC"], ID["ticker.BTCUSD"], ID["depth.BTCUSD"]]
    client.send(3, {"op": "mtgox.subscribe", "channel": "depth.BTCEUR"})  # send(): a 3:: frame
    client.until(lambda m: m.get("op") == "subscribe" and m["channel"] == ID["depth.BTCEUR"])
    client.send(4, {"op": "mtgox.subscribe", "type": "lag"})  # json.send(): a 4:: frame
    client.until(lambda m: m.get("op") == "subscribe" and m["channel"] == ID["trade.lag"])

    seller.ok(2, "BTCUSD/money/order/add", {"type": "ask", "amount_int": 20_000_000, "price_int": 7_000_000})
    buyer.ok(0, "buyBTC.php", {"amount": "0.2", "price": "70", "Currency": "USD"})
    trade: Message = client.until(lambda m: m.get("private") == "trade")
    assert trade["trade"]["amount_int"] == "20000000" and trade["trade"]["price_int"] == "7000000"
    after = client.until(lambda m: m.get("private") in ("depth", "ticker"))
    assert after["private"] == "depth" and after["depth"]["total_volume_int"] == "0"

    assert buyer.key and buyer.secret
    call = packed_call(buyer.key, buyer.secret, "private/info", {}, "info-1", nonce=time.time_ns() // 1000)
    client.send(4, call)
    answer = client.until(lambda m: m.get("op") in ("result", "remark"))
    assert answer["op"] == "result" and answer["id"] == "info-1"
    assert answer["result"]["Wallets"]["BTC"]["Balance"]["value_int"] == str(100 * 10**8 + 20_000_000 - 120_000)


def test_the_handshake_is_chunked_accepts_post_and_its_sid_is_single_use(sandbox: Sandbox) -> None:
    base = f"http://{sandbox.host}:{sandbox.port}"
    with httpx.Client() as http:
        got = http.get(base + "/socket.io/1/?Currency=EUR&t=1")
        assert got.headers.get("transfer-encoding") == "chunked" and "content-length" not in got.headers
        sid, heartbeat, close, transports = got.text.split(":")
        assert (int(heartbeat), int(close)) == (
            STREAM.transports.socketio.heartbeat_timeout_s,
            STREAM.transports.socketio.close_timeout_s,
        )
        assert "websocket" in transports.split(",")
        assert http.post(base + "/socket.io/1").status_code == 200
    ws_url = f"ws://{sandbox.host}:{sandbox.port}/socket.io/1/websocket/{sid}"
    with connect(ws_url, open_timeout=20) as ws:
        assert ws.recv(timeout=20) == "1::"
        ws.send("2::")  # a client heartbeat is not echoed
        ws.send("1::/mtgox:")  # socketIO-client's trailing colon
        assert ws.recv(timeout=20) == "1::/mtgox"
        first = str(ws.recv(timeout=20))
        assert first == '4::/mtgox:{"op":"subscribe","channel":"' + ID["trade.BTC"] + '"}'
        assert str(ws.recv(timeout=20)).endswith(ID["ticker.BTCEUR"] + '"}')  # the handshake's Currency
        ws.send("3::/mtgox:not json")
        remark = str(ws.recv(timeout=20))
        while '"op":"subscribe"' in remark:
            remark = str(ws.recv(timeout=20))
        assert remark.startswith('4::/mtgox:{"op":"remark"') and '"data_raw":"not json"' in remark
    with pytest.raises(Exception, match=r"403|HTTP"), connect(ws_url, open_timeout=20):  # the sid was used
        pass
