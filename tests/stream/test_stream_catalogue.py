"""The catalogue's `stream:` section: the real one loads as the reference says, and every kind
of mistake in it is reported as `endpoints.yaml:LINE: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtgox_catalogue import default_catalogue_path, load_catalogue, load_catalogue_text
from mtgox_catalogue import model as m
from tests.codegen.test_validation import problems_of

REFERENCE = Path("/work/shared/reference/api-streaming.md")


@pytest.fixture(scope="module")
def text() -> str:
    return default_catalogue_path().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def stream() -> m.Stream:
    cat = load_catalogue(default_catalogue_path())
    assert cat.stream is not None
    return cat.stream


def test_the_61_channels_of_the_reference(stream: m.Stream) -> None:
    assert len(stream.channels) == 61
    by_name = {ch.name: ch for ch in stream.channels}
    assert by_name["depth.BTCUSD"] == m.StreamChannel(
        "depth.BTCUSD", "24e67e0d-1cad-4cc0-9e7a-f8523ef460fe", "depth", "BTC", "USD", by_name["depth.BTCUSD"].line
    )
    assert (by_name["trade.BTC"].kind, by_name["trade.BTC"].currency) == ("trade", None)
    assert by_name["trade.lag"].kind == "lag"
    assert (by_name["ticker.LTCEUR"].item, by_name["ticker.LTCEUR"].currency) == ("LTC", "EUR")
    assert stream.channel("d5f06780-30a8-4a48-a2f8-7ed181b4a13f").name == "ticker.BTCUSD"
    kinds = [ch.kind for ch in stream.channels]
    assert (kinds.count("depth"), kinds.count("ticker"), kinds.count("trade"), kinds.count("lag")) == (20, 39, 1, 1)


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the shared reference is not on this machine")
def test_channel_ids_are_the_reference_table(stream: m.Stream) -> None:
    rows = [line.split("|") for line in REFERENCE.read_text(encoding="utf-8").splitlines()]
    table = {
        r[1].strip(): r[2].strip() for r in rows if len(r) == 4 and r[1].strip()[:6] in ("trade.", "depth.", "ticker")
    }
    assert {ch.name: ch.id for ch in stream.channels} == table


def test_messages_transports_and_defaults(stream: m.Stream) -> None:
    assert [x.kind for x in stream.messages] == [
        "ticker", "depth", "trade", "lag", "user_order", "wallet", "subscribe", "unsubscribe", "result", "remark"
    ]  # fmt: skip
    assert [s.cls for s in stream.message("user_order").shapes] == ["UserOrder", "UserOrderRemoved"]
    assert stream.message("remark").op == "remark" and stream.message("wallet").op == "private"
    assert stream.transports.default == "websocket"
    assert stream.transports.websocket_paths == ("/mtgox", "/mtgox/", "/")
    assert (stream.transports.socketio.path, stream.transports.socketio.namespace) == ("/socket.io/1", "/mtgox")
    assert (stream.default_currency, stream.idkey_lifetime_s) == ("USD", 86400)


def test_calls_and_their_endpoints(stream: m.Stream) -> None:
    names = [c.name for c in stream.calls]
    for wanted in (
        "private/info", "private/idkey", "private/orders", "order/add", "order/cancel", "order/lag",
        "order/result", "wallet/history", "bitcoin/address", "public/fulldepth", "bitcoin/addpriv",
        "bitcoin/wallet_add", "bitcoin/send_simple", "bitcoin/addr_details",
    ):  # fmt: skip
        assert wanted in names
    add = stream.calls[names.index("order/add")]
    assert add.python == "order_add" and add.rights == ("trade",)
    assert add.endpoint is not None and add.endpoint.key == "v2.order_add"
    assert [p.wire for p in add.wire_params] == ["type", "amount_int", "price_int"]
    assert add.pair_param is not None and str(add.returns) == "string"
    assert stream.calls[names.index("private/info")].python == "info"
    assert str(stream.calls[names.index("public/fulldepth")].returns) == "Depth"


def test_resolve_call_by_name_and_aliases(stream: m.Stream) -> None:
    pairs = ["BTCUSD", "BTCEUR"]
    found = stream.resolve_call("BTCEUR/order/add", pairs)
    assert found is not None and (found[0].name, found[1]) == ("order/add", "BTCEUR")
    found = stream.resolve_call("/idkey", pairs)
    assert found is not None and (found[0].name, found[1]) == ("private/idkey", None)
    found = stream.resolve_call("order/cancel", pairs)
    assert found is not None and found[0].name == "order/cancel"
    assert stream.resolve_call("XYZABC/order/add", pairs) is None  # not a pair
    assert stream.resolve_call("order/launch", pairs) is None


def mutate(text: str, old: str, new: str) -> str:
    """Replace `old`, which must occur once in the stream section, there."""
    cut = text.index("\nstream:\n")
    head, section = text[:cut], text[cut:]
    assert section.count(old) == 1, f"{old!r} must occur once in the stream section"
    return head + section.replace(old, new)


def line_of(text: str, needle: str | tuple[str, int]) -> int:
    """The line of `needle` in the stream section (a line equal to it first, else containing it);
    (needle, n) for the n-th."""
    needle, nth = needle if isinstance(needle, tuple) else (needle, -1)
    start = text[: text.index("\nstream:\n")].count("\n") + 1
    lines = text.splitlines()[start:]
    hits = [i for i, line in enumerate(lines) if line.strip() == needle.strip()] or [
        i for i, line in enumerate(lines) if needle in line
    ]
    assert nth >= 0 or len(hits) == 1, f"{needle!r} must be on one line of the stream section: {hits}"
    return start + hits[max(nth, 0)] + 1


# (old text, new text, a text on the line the problem must name (in the mutated file), message part)
MUTATIONS = [
    ("  default_currency: USD\n", "  default_currency: XYZ\n", "default_currency: XYZ", "unknown currency 'XYZ'"),
    ("  idkey_lifetime_s: 86400\n", "  idkey_lifetime_s: 0\n", "idkey_lifetime_s: 0", "must be at least 1"),
    ("    default: websocket\n", "    default: longpoll\n", "default: longpoll", "must be one of websocket, socketio"),
    ("      paths: [/mtgox, /mtgox/, /]", "      paths: [mtgox]", "paths: [mtgox]", "is not valid"),
    ("      namespace: /mtgox\n", "      namespace: mtgox\n", "namespace: mtgox", "is not valid"),
    ("      session_expiry_s: 30\n", "      session_expiry_s: soon\n", "session_expiry_s: soon", "must be an integer"),
    ("    trade.lag: 85174711", "    trade.lagg: 85174711", "trade.lagg:", "a channel name is ticker."),
    ("    depth.BTCUSD: 24e67e0d", "    depth.BTCXYZ: 24e67e0d", "depth.BTCXYZ:", "unknown currency XYZ"),
    (
        "    depth.BTCUSD: 24e67e0d-1cad-4cc0-9e7a-f8523ef460fe",
        "    depth.BTCUSD: 24E67E0D-1cad-4cc0-9e7a-f8523ef460fe",
        "depth.BTCUSD:",
        "is not a lower-case uuid",
    ),
    (
        "    depth.BTCUSD: 24e67e0d-1cad-4cc0-9e7a-f8523ef460fe",
        "    depth.BTCUSD: dbf1dee9-4f2e-4a08-8cb7-748919a71b21",
        "depth.BTCUSD:",
        "is also the id of the channel at line",
    ),
    (
        "  channel_only_currencies: [INR, KRW]",
        "  channel_only_currencies: [INR, KRW, USD]",
        "[INR, KRW, USD]",
        "is in currencies",
    ),
    ("  envelope: StreamEnvelope\n", "  envelope: Envelope\n", "envelope: Envelope", "unknown model 'Envelope'"),
    (
        "        - {class: Lag, model: StreamLag}",
        "        - {class: Lag, model: Lagg}",
        "model: Lagg}",
        "unknown model 'Lagg'",
    ),
    (
        "        - {class: Lag, model: StreamLag}",
        "        - {class: Depth, model: StreamLag}",
        "{class: Depth, model: StreamLag}",
        "already used at line",
    ),
    (
        "        - {class: Lag, model: StreamLag}",
        "        - {class: Unknown, model: StreamLag}",
        "class: Unknown",
        "reserved by the generated stream module",
    ),
    (
        "        - {class: Lag, model: StreamLag}",
        "        - {class: lag, model: StreamLag}",
        "class: lag",
        "is not valid",
    ),
    ("      op: subscribe\n", "      op: result\n", ("op: result", 0), "must be listed under that op"),
    (
        "    remark:\n      op: remark\n",
        "    remarks:\n      op: remarks\n",
        "    ticker:",
        "the 'remark' op is missing",
    ),
    ("    - name: order/lag\n", "    - name: Order/Lag\n", "name: Order/Lag", "is not valid"),
    (
        '      aliases: ["{pair}/order/add", /order/add]',
        '      aliases: ["{pair}/order/add", /order/cancel]',
        ("- name: order/cancel", 0),
        "is already a name of the call at line",
    ),
    (
        '      aliases: ["{pair}/order/add", /order/add]',
        '      aliases: ["{pair}/order/add", "/order add"]',
        '"/order add"',
        "is not valid",
    ),
    (
        "      endpoint: v2.order_add\n",
        "      endpoint: v2.order_addd\n",
        "endpoint: v2.order_addd",
        "is not an endpoint key",
    ),
    (
        "      endpoint: v2.order_cancel\n",
        "      endpoint: v2.order_lag\n",
        ("rights: [trade]", 1),
        "rights differ from v2.order_lag's (none)",
    ),
    (
        "      rights: [deposit]\n      endpoint: v2.bitcoin_address\n",
        "      rights: [trade]\n      endpoint: v2.bitcoin_address\n",
        ("rights: [trade]", 2),
        "rights differ",
    ),
    (
        "      returns: OrderCancel\n",
        "      returns: Order\n",
        "returns: Order",
        "returns Order, but v2.order_cancel returns OrderCancel",
    ),
    (
        '        oid: {type: string, required: true, description: "Id of the order to cancel."}\n      returns: OrderCancel',
        "        order: {type: string, required: true}\n      returns: OrderCancel",
        "order: {type: string, required: true}",
        "is not a parameter of v2.order_cancel",
    ),
    (
        '      params:\n        pair: {type: pair, required: true, description: "The market; sent as item and currency."}\n',
        "",
        "endpoint: v2.depth_full",
        "needs a pair, so the call needs a parameter of type pair",
    ),
    (
        '        page: {type: integer, minimum: 1, description: "Page number, from 1."}\n        type: {type: enum, values: [deposit',
        "        page: {type: string}\n        type: {type: enum, values: [deposit",
        "page: {type: string}",
        "differs from v2.wallet_history's",
    ),
    (
        "      endpoint: v2.order_lag\n",
        "      endpoint: v2.order_lag\n      colour: red\n",
        "colour: red",
        "unknown key 'colour' in a stream call",
    ),
    (
        "      aliases: [/bitcoin/addpriv]\n",
        "      aliases: [/bitcoin/addpriv]\n      python: call\n",
        "- name: bitcoin/addpriv",
        "is reserved",
    ),
    (
        "      aliases: [/bitcoin/addpriv]\n",
        "      aliases: [/bitcoin/addpriv]\n      python: order_add\n",
        "- name: bitcoin/addpriv",
        "is also that of the call at line",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "message"), MUTATIONS, ids=[mu[3][:40] for mu in MUTATIONS])
def test_each_stream_mistake_is_reported_with_its_line(
    text: str, old: str, new: str, where: str | tuple[str, int], message: str
) -> None:
    bad = mutate(text, old, new)
    line = line_of(bad, where)
    problems = problems_of(bad)
    assert any(p.startswith(f"endpoints.yaml:{line}: ") and message in p for p in problems), problems


def test_a_catalogue_without_stream_has_none(text: str) -> None:
    head = text[: text.index("\nstream:\n")] + "\n"
    cat = load_catalogue_text(head.encode())
    assert cat.stream is None
