"""The generator: catalogue (`mtgox_catalogue`) -> Python views -> templates -> `generated/`.

A development tool with its own command, `mtgox-codegen` (extra `codegen`: jinja2, ruff):
nothing at run time imports it, neither the SDK nor the sandbox, which read the catalogue
through `mtgox_catalogue`.
"""

from .errors import GenerationError

__all__ = ["GenerationError"]
