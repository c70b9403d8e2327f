"""The `stream:` section: transports, the public channels, pushed messages and signed calls.

Calls are checked against the HTTP endpoint they name (same parameters, rights and answer),
because a server runs that endpoint's handler for them: a stream call that drifted from its
endpoint would be answered with a different shape than the generated method expects.
"""

from __future__ import annotations

import re
from typing import cast, get_args

from . import model as m
from .check_currencies import currency_ref
from .check_models import type_ref
from .check_params import params_of
from .checker import Scope
from .naming import is_identifier, method_name
from .yaml_nodes import MapNode, Node

_CHANNEL_NAME = re.compile(
    r"(?P<kind>ticker|depth)\.(?P<item>[A-Z]{3})(?P<cur>[A-Z]{3})|trade\.(?P<titem>[A-Z]{3})|trade\.lag"
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CODE = re.compile(r"[A-Z]{3}")
_KIND = re.compile(r"[a-z][a-z0-9_]*")
_OP = re.compile(r"[a-z][a-z0-9_.]*")
_CLASS = re.compile(r"[A-Z][A-Za-z0-9]*")
_CALL_NAME = re.compile(r"[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)*")
_ALIAS = re.compile(r"/?(\{pair\}/)?[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)*")
_WS_PATH = re.compile(r"/([A-Za-z0-9_.\-]+/?)*")

#: Classes the generated stream module defines itself; a message class may not take them.
RESERVED_CLASSES = frozenset({"Unknown", "StreamMessage", "StreamCalls", "AsyncStreamCalls", "Any", "Decimal"})
#: Ops without which signed calls cannot be answered.
REQUIRED_OPS = ("result", "remark")
#: Attributes of the generated calls namespace; a call may not take them as its Python name.
RESERVED_CALL_NAMES = frozenset({"call", "caller"})


def stream_section(s: Scope, node: Node, endpoints: list[m.Endpoint], pairs: dict[str, m.Pair]) -> m.Stream | None:
    c = s.c
    f = c.mapping(
        node,
        "stream",
        required=(
            "default_currency",
            "idkey_lifetime_s",
            "transports",
            "channels",
            "envelope",
            "messages",
            "calls",
        ),
        optional=("channel_only_currencies",),
    )
    if f is None:
        return None
    default_currency = currency_ref(s, f.get("default_currency"), "stream.default_currency")
    lifetime = c.integer(f.get("idkey_lifetime_s"), "stream.idkey_lifetime_s", minimum=1)
    transports = _transports(s, f["transports"], endpoints) if "transports" in f else None
    only = _channel_only_currencies(s, f.get("channel_only_currencies"))
    channels = _channels(s, f.get("channels"), only)
    envelope = _model_name(s, f.get("envelope"), "stream.envelope")
    messages = _messages(s, f.get("messages"))
    calls = _calls(s, f.get("calls"), endpoints, bool(pairs))
    if None in (default_currency, lifetime, transports, envelope):
        return None
    return m.Stream(
        channels=tuple(channels),
        envelope=cast(str, envelope),
        messages=tuple(messages),
        calls=tuple(calls),
        transports=cast(m.StreamTransports, transports),
        default_currency=cast(str, default_currency),
        idkey_lifetime_s=cast(int, lifetime),
        channel_only_currencies=tuple(only),
    )


def _model_name(s: Scope, node: Node | None, what: str) -> str | None:
    name = s.c.string(node, what)
    if name is None or node is None:
        return None
    if name not in s.model_names:
        s.c.error(node.line, f"{what}: unknown model {name!r} (not in models)")
        return None
    return name


def _transports(s: Scope, node: Node, endpoints: list[m.Endpoint]) -> m.StreamTransports | None:
    c = s.c
    f = c.mapping(node, "stream.transports", required=("default", "websocket", "socketio"), optional=("pubnub",))
    if f is None:
        return None
    default = c.string(f.get("default"), "stream.transports.default", choices=get_args(m.StreamTransportName))
    paths: list[str] = []
    ws = c.mapping(f["websocket"], "stream.transports.websocket", required=("paths",)) if "websocket" in f else None
    if ws is not None:
        paths = c.strings(ws.get("paths"), "stream.transports.websocket.paths", pattern=_WS_PATH)
        if not paths and "paths" in ws:
            c.error(ws["paths"].line, "stream.transports.websocket.paths: at least one path is needed")
    sio = _socketio(s, f["socketio"]) if "socketio" in f else None
    pubnub = _pubnub(s, f["pubnub"], endpoints) if "pubnub" in f else None
    if default == "pubnub" and "pubnub" not in f:
        c.error(f["default"].line, "stream.transports.default: pubnub needs a stream.transports.pubnub section")
        return None
    if default is None or sio is None or not paths or ("pubnub" in f and pubnub is None):
        return None
    return m.StreamTransports(cast(m.StreamTransportName, default), tuple(paths), sio, pubnub)


def _pubnub(s: Scope, node: Node, endpoints: list[m.Endpoint]) -> m.PubNubTransport | None:
    c = s.c
    what = "stream.transports.pubnub"
    f = c.mapping(node, what, required=("subscribe_key", "path", "timeout_s"), optional=("private_endpoint",))
    if f is None:
        return None
    key = c.string(f.get("subscribe_key"), f"{what}.subscribe_key", pattern=re.compile(r"[A-Za-z0-9_\-]+"))
    path = c.string(f.get("path"), f"{what}.path", pattern=re.compile(r"(/[A-Za-z0-9_.\-]+)+"))
    timeout = c.integer(f.get("timeout_s"), f"{what}.timeout_s", minimum=1)
    private = None
    if "private_endpoint" in f:
        private = _endpoint(s, f["private_endpoint"], {e.key: e for e in endpoints}, f"{what}.private_endpoint")
        if private is None:
            return None
    if key is None or path is None or timeout is None:
        return None
    return m.PubNubTransport(key, path, timeout, private)


def _socketio(s: Scope, node: Node) -> m.SocketIoTransport | None:
    c = s.c
    what = "stream.transports.socketio"
    keys = ("path", "namespace", "heartbeat_timeout_s", "close_timeout_s", "session_expiry_s")
    f = c.mapping(node, what, required=keys)
    if f is None:
        return None
    path = c.string(f.get("path"), f"{what}.path", pattern=re.compile(r"(/[A-Za-z0-9_.\-]+)+"))
    namespace = c.string(f.get("namespace"), f"{what}.namespace", pattern=re.compile(r"/[A-Za-z0-9_\-]+"))
    numbers = [c.integer(f.get(k), f"{what}.{k}", minimum=1) for k in keys[2:]]
    heartbeat, close, expiry = numbers
    if path is None or namespace is None or heartbeat is None or close is None or expiry is None:
        return None
    return m.SocketIoTransport(path, namespace, heartbeat, close, expiry)


def _channel_only_currencies(s: Scope, node: Node | None) -> list[str]:
    c = s.c
    out: list[str] = []
    for item in c.sequence(node, "stream.channel_only_currencies"):
        code = c.string(item, "an item of stream.channel_only_currencies", pattern=_CODE)
        if code is None:
            continue
        if code in s.currencies:
            c.error(item.line, f"stream.channel_only_currencies: {code} is in currencies; do not list it here")
        elif code in out:
            c.error(item.line, f"stream.channel_only_currencies: {code} appears twice")
        else:
            out.append(code)
    return out


def _channels(s: Scope, node: Node | None, only: list[str]) -> list[m.StreamChannel]:
    c = s.c
    out: list[m.StreamChannel] = []
    if node is None:
        return out
    if not isinstance(node, MapNode):
        c.error(node.line, "stream.channels must be a mapping of channel name to channel id")
        return out
    ids: dict[str, int] = {}
    for name, (line, value) in node.items.items():
        what = f"stream channel {name!r}"
        match = _CHANNEL_NAME.fullmatch(name)
        if match is None:
            c.error(line, f"{what}: a channel name is ticker.<ITEM><CUR>, depth.<ITEM><CUR>, trade.<ITEM> or trade.lag")
            continue
        channel_id = c.string(value, f"{what} id")
        if channel_id is None:
            continue
        if not _UUID.fullmatch(channel_id):
            c.error(value.line, f"{what}: id {channel_id!r} is not a lower-case uuid")
            continue
        if channel_id in ids:
            c.error(value.line, f"{what}: id {channel_id} is also the id of the channel at line {ids[channel_id]}")
            continue
        ids[channel_id] = line
        kind: m.StreamChannelKind
        currency: str | None = None
        if name == "trade.lag":
            kind, item = "lag", "BTC"  # the lag of the (BTC) trade engine
        elif match["titem"]:
            kind, item = "trade", match["titem"]
        else:
            kind, item, currency = cast(m.StreamChannelKind, match["kind"]), match["item"], match["cur"]
        bad = [code for code in (item, currency) if code and code not in s.currencies and code not in only]
        if bad:
            c.error(line, f"{what}: unknown currency {bad[0]} (not in currencies nor stream.channel_only_currencies)")
            continue
        out.append(m.StreamChannel(name, channel_id, kind, item, currency, line))
    if not out and not c.problems:
        c.error(node.line, "stream.channels: at least one channel is needed")
    return out


def _messages(s: Scope, node: Node | None) -> list[m.StreamMessage]:
    c = s.c
    out: list[m.StreamMessage] = []
    if node is None:
        return out
    if not isinstance(node, MapNode):
        c.error(node.line, "stream.messages must be a mapping of kind (or op) to message")
        return out
    classes: dict[str, int] = {}
    for kind, (line, value) in node.items.items():
        what = f"stream message {kind!r}"
        if not _KIND.fullmatch(kind):
            c.error(line, f"{what}: a kind is lower-case letters, digits and _")
            continue
        f = c.mapping(value, what, required=("op", "shapes"), optional=("description",))
        if f is None:
            continue
        op = c.string(f.get("op"), f"{what} op", pattern=_OP)
        if op is not None and op != "private" and op != kind:
            c.error(f["op"].line, f"{what}: a message of op {op!r} must be listed under that op, not {kind!r}")
            op = None
        shapes = [_shape(s, n, what, classes) for n in c.sequence(f.get("shapes"), f"{what} shapes")]
        if "shapes" in f and not c.sequence(f["shapes"], f"{what} shapes") and not isinstance(f["shapes"], MapNode):
            c.error(f["shapes"].line, f"{what}: at least one shape is needed")
        if op is None or not shapes or None in shapes:
            continue
        description = c.text(f.get("description"), f"{what} description")
        out.append(m.StreamMessage(kind, op, tuple(cast(list[m.StreamShape], shapes)), description, line))
    for op in REQUIRED_OPS:
        if op not in node.items:
            c.error(node.line, f"stream.messages: the {op!r} op is missing (signed calls are answered with it)")
    return out


def _shape(s: Scope, node: Node, what: str, classes: dict[str, int]) -> m.StreamShape | None:
    c = s.c
    f = c.mapping(node, f"a shape of {what}", required=("class", "model"), optional=("description",))
    if f is None:
        return None
    cls = c.string(f.get("class"), f"{what} class", pattern=_CLASS)
    if cls is not None and cls in RESERVED_CLASSES:
        c.error(f["class"].line, f"{what}: the class name {cls!r} is reserved by the generated stream module")
        cls = None
    elif cls is not None and cls in classes:
        c.error(f["class"].line, f"{what}: the class {cls!r} is already used at line {classes[cls]}")
        cls = None
    if cls is not None:
        classes[cls] = f["class"].line
    model = _model_name(s, f.get("model"), f"{what} model")
    if cls is None or model is None:
        return None
    return m.StreamShape(cls, model, c.text(f.get("description"), f"{what} description"), node.line)


def _calls(s: Scope, node: Node | None, endpoints: list[m.Endpoint], have_pairs: bool) -> list[m.StreamCall]:
    c = s.c
    out: list[m.StreamCall] = []
    paths: dict[str, int] = {}
    pythons: dict[str, int] = {}
    by_key = {e.key: e for e in endpoints}
    for entry in c.sequence(node, "stream.calls"):
        call = _call(s, entry, by_key, have_pairs)
        if call is None:
            continue
        clash = False
        for path in (call.name, *call.aliases):
            if path in paths:
                c.error(
                    call.line,
                    f"stream call {call.name!r}: {path!r} is already a name of the call at line {paths[path]}",
                )
                clash = True
            paths[path] = call.line
        if call.python in pythons:
            c.error(
                call.line,
                f"stream call {call.name!r}: method name {call.python!r} is also that of the call at line "
                f"{pythons[call.python]}; set `python:`",
            )
            clash = True
        pythons[call.python] = call.line
        if not clash:
            out.append(call)
    return out


def _call(s: Scope, node: Node, endpoints: dict[str, m.Endpoint], have_pairs: bool) -> m.StreamCall | None:
    c = s.c
    f = c.mapping(
        node,
        "a stream call",
        required=("name", "description", "returns"),
        optional=("aliases", "rights", "endpoint", "params", "python"),
    )
    if f is None:
        return None
    name = c.string(f.get("name"), "stream call name", pattern=_CALL_NAME)
    if name is None:
        return None
    what = f"stream call {name!r}"
    aliases = c.strings(f.get("aliases"), f"{what} aliases", pattern=_ALIAS)
    for alias in aliases:
        if alias == name:
            c.error(f["aliases"].line, f"{what}: alias {alias!r} is the call's own name")
    if "python" in f:
        python = c.string(f["python"], f"{what} python")
        if python is not None and (not is_identifier(python) or python != python.lower() or python.startswith("_")):
            c.error(f["python"].line, f"{what}: python {python!r} must be a lower-case Python identifier")
            python = None
    else:
        python = method_name("v1", name)  # the v1 rule: private/info -> info, order/add -> order_add
    if python in RESERVED_CALL_NAMES:
        c.error(f["name"].line, f"{what}: the method name {python!r} is reserved; set `python:`")
        python = None
    rights = c.strings(f.get("rights"), f"{what} rights", choices=m.RIGHTS)
    params = params_of(s, f.get("params"), "", node.line, "POST", what, have_pairs)
    if params is not None and sum(p.type == "pair" for p in params) > 1:
        c.error(f["params"].line, f"{what}: at most one parameter of type pair (it becomes item and currency)")
        params = None
    returns_text = c.string(f.get("returns"), f"{what} returns")
    returns = type_ref(s, returns_text, f["returns"].line, f"{what} returns") if returns_text else None
    endpoint = _endpoint(s, f.get("endpoint"), endpoints, what)
    if endpoint is not None and params is not None and returns is not None:
        _same_as_endpoint(s, f, what, endpoint, params, returns, rights)
    if python is None or params is None or returns is None or ("endpoint" in f and endpoint is None):
        return None
    return m.StreamCall(
        name=name,
        python=python,
        aliases=tuple(aliases),
        params=tuple(params),
        returns=returns,
        rights=tuple(rights),
        endpoint=endpoint,
        description=c.text(f.get("description"), f"{what} description"),
        line=node.line,
    )


def _endpoint(s: Scope, node: Node | None, endpoints: dict[str, m.Endpoint], what: str) -> m.Endpoint | None:
    key = s.c.string(node, f"{what} endpoint")
    if key is None or node is None:
        return None
    if key not in endpoints:
        s.c.error(
            node.line, f"{what}: endpoint {key!r} is not an endpoint key (VERSION.method_name, e.g. v2.order_add)"
        )
        return None
    return endpoints[key]


def _same_as_endpoint(
    s: Scope,
    f: dict[str, Node],
    what: str,
    endpoint: m.Endpoint,
    params: list[m.Param],
    returns: m.TypeRef,
    rights: list[str],
) -> None:
    """A call names the endpoint a server runs for it, so both must take and give the same."""
    c = s.c
    line = f["endpoint"].line
    if sorted(rights) != sorted(endpoint.rights):
        shown = ", ".join(endpoint.rights) or "none"
        c.error(f.get("rights", f["endpoint"]).line, f"{what}: rights differ from {endpoint.key}'s ({shown})")
    if str(returns) != str(endpoint.returns):
        c.error(f["returns"].line, f"{what}: returns {returns}, but {endpoint.key} returns {endpoint.returns}")
    has_pair = any(p.type == "pair" for p in params)
    wants_pair = any(p.type == "pair" for p in endpoint.path_params)
    if has_pair != wants_pair:
        need = "needs" if wants_pair else "takes no"
        c.error(line, f"{what}: {endpoint.key} {need} a pair, so the call {need} a parameter of type pair")
    mine = {p.wire: p for p in params if p.type != "pair"}
    theirs = {p.wire: p for p in endpoint.wire_params}
    for wire in sorted(mine.keys() - theirs.keys()):
        c.error(mine[wire].line, f"{what}: parameter {wire!r} is not a parameter of {endpoint.key}")
    for wire in sorted(theirs.keys() - mine.keys()):
        c.error(line, f"{what}: {endpoint.key} has parameter {wire!r}, which the call lacks")
    for wire in sorted(mine.keys() & theirs.keys()):
        a, b = mine[wire], theirs[wire]
        if (a.type, a.required, a.values, a.unit, a.encoding) != (b.type, b.required, b.values, b.unit, b.encoding):
            c.error(
                a.line, f"{what}: parameter {wire!r} differs from {endpoint.key}'s (type, required, values or unit)"
            )
