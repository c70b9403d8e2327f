"""The catalogue's `stream:` section seen as Python, for the `stream.py` and `STREAM.md` templates.

As in `pyview`, every name that reaches generated code was validated by the loader and every
text goes through `repr()` or `docstring()`; the templates only lay these views out.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtgox_catalogue import model as m

from .pyview import (
    ModelView,
    ParamView,
    annotation,
    converter,
    docstring,
    import_order,
    model_view,
    param_views,
)


@dataclass(frozen=True)
class ShapeView:
    cls: str
    model: str  # the catalogue model reading the payload (or the whole op message)
    doc: str
    channel: bool  # channel data (`op: private`) rather than an op message
    attr: str  # channel data: the payload's attribute, named after the kind
    payload_annotation: str  # "types.StreamDepth"
    payload_converter: str  # "types.StreamDepth.from_wire"


@dataclass(frozen=True)
class MessageView:
    kind: str
    op: str
    reader: str  # the generated function reading this kind
    shapes: tuple[ShapeView, ...]
    description: str

    @property
    def classes(self) -> str:
        """The shape classes' readers, as a tuple literal for `first_shape`."""
        return "(" + "".join(f"{s.cls}.from_wire, " for s in self.shapes) + ")"


@dataclass(frozen=True)
class CallView:
    name: str  # "order/add"
    python: str
    doc: str
    signature: tuple[str, ...]
    params: tuple[ParamView, ...]  # sent in `params`, in catalogue order
    pair: str | None  # the Python name of the pair parameter, sent as item + currency
    return_annotation: str
    return_doc: str
    parse_expr: str
    call: m.StreamCall


@dataclass(frozen=True)
class StreamView:
    envelope: ModelView
    envelope_known: str  # a tuple literal: keys of a channel message besides the payload
    messages: tuple[MessageView, ...]
    calls: tuple[CallView, ...]
    channels: tuple[m.StreamChannel, ...]
    stream: m.Stream

    @property
    def channel_messages(self) -> tuple[MessageView, ...]:
        return tuple(mv for mv in self.messages if mv.op == "private")

    @property
    def op_messages(self) -> tuple[MessageView, ...]:
        return tuple(mv for mv in self.messages if mv.op != "private")

    @property
    def classes(self) -> list[str]:
        return [s.cls for mv in self.messages for s in mv.shapes]

    @property
    def aliases(self) -> list[str]:
        """The `_wire` aliases the envelope's annotations use."""
        return import_order(self.envelope.aliases)

    @property
    def needs(self) -> set[str]:
        """Names `stream.py` imports from `decimal`, `typing`, `_parse` and `_catalogue`."""
        out: set[str] = set()
        checks = " ".join(self.envelope.checks) + " ".join(f.fast for f in self.envelope.fields)
        out |= {name for name in ("Decimal",) if name in checks}
        if self.channel_messages:
            out.add("Literal")  # op: Literal["private"]
        for cv in self.calls:
            for p in cv.call.params:
                if p.type == "enum":
                    out.add("Literal")
                elif p.type == "money":
                    out.add("Decimal")
                    if p.unit and p.unit.kind == "quote":
                        out |= {"QUOTE", "DECIMALS"}
                    if p.unit and p.unit.kind == "param":
                        out |= {"CURRENCIES", "DECIMALS"}
                elif p.type == "pair":
                    out |= {"Pair", "PAIRS", "CATALOGUE"}
                elif p.type == "currency":
                    out |= {"Currency", "CURRENCIES"}
        return out


def _shape_view(msg: m.StreamMessage, shape: m.StreamShape) -> ShapeView:
    ref = m.TypeRef("model", shape.model)
    if msg.op == "private":
        doc = f"`{msg.kind}` channel data: {msg.description or ''} {shape.description}".strip()
        doc += f" The payload is `.{msg.kind}`, a `types.{shape.model}`."
    else:
        doc = f"The `{msg.op}` message: {msg.description or ''} {shape.description}".strip()
    return ShapeView(
        cls=shape.cls,
        model=shape.model,
        doc=docstring(doc),
        channel=msg.op == "private",
        attr=msg.kind,
        payload_annotation=annotation(ref, "types."),
        payload_converter=converter(ref, "types."),
    )


def _call_view(call: m.StreamCall, catalogue: m.Catalogue) -> CallView:
    params, signature = param_views(call, call.params, catalogue)
    sections = [call.description]
    if params:
        sections.append("Args:\n" + "\n".join("    " + pv.doc for pv in params))
    facts = [f"Signed stream call {call.name!r}"]
    if call.rights:
        facts.append(f"key right: {' or '.join(call.rights)}")
    if call.endpoint is not None:
        facts.append(f"the same as HTTP {call.endpoint.key}")
    sections.append("; ".join(facts) + ". A remark answering it is raised as the typed error HTTP would raise.")
    pair = call.pair_param
    return CallView(
        name=call.name,
        python=call.python,
        doc=docstring(*sections, indent=8),
        signature=signature,
        params=tuple(pv for pv in params if pair is None or pv.wire != pair.wire),
        pair=pair.python if pair else None,
        return_annotation=annotation(call.returns, "types."),
        return_doc=annotation(call.returns),
        parse_expr=converter(call.returns, "types."),
        call=call,
    )


def stream_view(catalogue: m.Catalogue) -> StreamView | None:
    stream = catalogue.stream
    if stream is None:
        return None
    envelope = model_view(catalogue.models[stream.envelope])
    return StreamView(
        envelope=envelope,
        envelope_known=repr(("op", "private", *(f.wire for f in envelope.fields))),
        messages=tuple(
            MessageView(
                kind=msg.kind,
                op=msg.op,
                reader=f"_read_{msg.kind}" if msg.op == "private" else f"_read_op_{msg.kind}",
                shapes=tuple(_shape_view(msg, shape) for shape in msg.shapes),
                description=msg.description,
            )
            for msg in stream.messages
        ),
        calls=tuple(_call_view(call, catalogue) for call in stream.calls),
        channels=stream.channels,
        stream=stream,
    )
