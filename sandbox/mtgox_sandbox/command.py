"""The `mtgox-sandbox` console command: first checks that the `sandbox` extra is installed.

The wheel installs the command with the SDK, whose only dependency is httpx; without this check
a bare install would end in `ModuleNotFoundError: No module named 'yaml'`.
"""

from __future__ import annotations

import importlib.util
import sys

#: Module -> the distribution that provides it, for everything the sandbox needs beyond the SDK.
NEEDED = {"yaml": "pyyaml", "uvicorn": "uvicorn"}
INSTALL_HINT = "pip install 'mtgox-sdk[sandbox]'"


def main() -> int:
    missing = [dist for module, dist in NEEDED.items() if importlib.util.find_spec(module) is None]
    if missing:
        print(f"mtgox-sandbox needs {' and '.join(missing)}, which are not installed: {INSTALL_HINT}", file=sys.stderr)
        return 3  # as every command of the SDK exits for a missing extra
    from .server.cli import main as cli_main  # only now: it imports pyyaml

    return cli_main()
