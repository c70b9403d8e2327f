"""The catalogue seen as the `mtgox` command line: one command per endpoint, one option per parameter.

The generated `cli.py` is a table of `Command(...)` constructors and nothing else; the
hand-written driver (`mtgox_runtime.cli`) builds the parser from it, calls the SDK method the
command names, and prints the answer. Every catalogue string reaches the generated code through
`repr()`, so no description can break out of its literal.
"""

from __future__ import annotations

from mtgox_catalogue import model as m

from .pyview import endpoint_facts, param_text

#: Longest piece of a catalogue string on one line of the generated table (ruff's limit is 120,
#: and the table is indented by up to 16 spaces).
PIECE = 88


def text_literal(text: str) -> str:
    """`text` as a Python expression that keeps lines short: adjacent literals, split after spaces."""
    pieces: list[str] = []
    while len(text) > PIECE:
        cut = text.rfind(" ", 0, PIECE) + 1 or PIECE  # keep the space at the end of its piece
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    if len(pieces) == 1:
        return repr(text)
    return "(\n" + "\n".join(repr(piece) for piece in pieces) + "\n)"


def _first_sentence(text: str) -> str:
    head = " ".join(text.split())
    cut = head.find(". ")
    return head if cut < 0 else head[: cut + 1]


def option_expr(p: m.Param, catalogue: m.Catalogue) -> str:
    args = [
        f"name={p.python!r}",
        f"kind={p.type!r}",
        f"required={p.required}",
        f"help={text_literal(param_text(p, catalogue) + '.')}",
    ]
    if p.values:
        args.append(f"choices={p.values!r}")
    return f"Option({', '.join(args)})"


def command_expr(e: m.Endpoint, catalogue: m.Catalogue) -> str:
    """A `Command(...)` constructor for one endpoint; options in the SDK method's order (required first)."""
    params = sorted(e.params, key=lambda p: not p.required)
    description = [" ".join(e.description.split()), endpoint_facts(e)]
    if e.note:
        description.append("Note: " + " ".join(e.note.split()))
    options = "".join(f"{option_expr(p, catalogue)}, " for p in params)
    return (
        f"Command(version={e.version.key!r}, method={e.name!r}, signed={e.signed}, "
        f"summary={text_literal(_first_sentence(e.description))}, "
        f"description={text_literal(chr(10).join(description))}, "
        f"options=({options}))"
    )


def command_exprs(catalogue: m.Catalogue) -> list[str]:
    """Every endpoint of every version, versions in order, endpoints in catalogue order."""
    versions = sorted(catalogue.versions.values(), key=lambda v: v.number)
    return [command_expr(e, catalogue) for v in versions for e in catalogue.endpoints_of(v.key)]
