"""The entry point: check the `cli` extra before anything imports rich."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from ._exit import ExitStatus
from ._table import Command


def main(
    commands: Sequence[Command],
    client_class: type[Any],
    *,
    prog: str,
    install_hint: str,
    argv: Sequence[str] | None = None,
) -> int:
    """Parse `argv` (default: the process's), run the command, return the exit status."""
    try:
        import rich  # noqa: F401 - only to know whether the extra is installed
    except ImportError:
        print(
            f"{prog}: the command line needs the 'cli' extra (rich): pip install '{install_hint}'",
            file=sys.stderr,
        )
        return ExitStatus.CONFIGURATION
    from ._app import run

    return run(commands, client_class, prog=prog, argv=list(sys.argv[1:] if argv is None else argv))
