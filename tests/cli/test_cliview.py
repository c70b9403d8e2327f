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


def test_only_the_shared_runtime_package_gets_the_command_line() -> None:
    from mtgox_catalogue import load_catalogue
    from mtgox_codegen.render import render

    from ..codegen.conftest import REPO

    catalogue = load_catalogue(REPO / "endpoints.yaml")
    shared = render(catalogue, "mtgox", "shared")
    assert "mtgox/cli.py" in shared
    vendored = render(catalogue, "goxclone", "vendored")
    # The driver is not vendored (it needs rich), so neither is a table that would import it.
    assert not [name for name in vendored if name == "goxclone/cli.py" or "/_runtime/cli/" in name]
    assert "goxclone/_runtime/stream/__init__.py" in vendored
