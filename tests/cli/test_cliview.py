"""The generator's view of the command line: catalogue text kept exactly, in short lines."""

from __future__ import annotations

import ast

import pytest

from mtgox_codegen.cliview import PIECE, text_literal


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "a sentence " * 30,
        "x" * 300,  # no space to split at
        'quotes \' and " and """ and a backslash \\ and ±10 %\nand a newline ' * 5,
    ],
)
def test_text_literal_is_the_text_in_short_pieces(text: str) -> None:
    expression = text_literal(text)
    assert ast.literal_eval(expression) == text
    for line in expression.splitlines():
        assert len(line) <= PIECE + 8  # the piece, its quotes and escapes


def test_every_package_gets_the_command_line_vendored_ones_with_the_driver() -> None:
    from mtgox_catalogue import load_catalogue
    from mtgox_codegen.render import render

    from ..codegen.conftest import REPO

    catalogue = load_catalogue(REPO / "endpoints.yaml")
    shared = render(catalogue, "mtgox", "shared")
    assert "mtgox/cli.py" in shared and not [name for name in shared if "/_runtime/" in name]
    vendored = render(catalogue, "goxclone", "vendored")
    # The driver is vendored with the runtime (it imports rich only when run), the table beside it.
    assert "from ._runtime.cli import" in vendored["goxclone/cli.py"]
    assert "goxclone/_runtime/cli/_app.py" in vendored
    assert "goxclone/_runtime/stream/__init__.py" in vendored
