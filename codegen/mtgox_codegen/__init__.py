"""The generator: catalogue (`mtgox_catalogue`) -> Python views -> templates -> `generated/`.

A development tool with its own command, `mtgox-codegen` (extra `codegen`: jinja2, ruff): the
SDK never imports it. `openapi` (the catalogue as an OpenAPI 3.1 document) is the exception
to the extra: it writes what `mtgox_catalogue.openapi` builds, which needs only the catalogue
(the sandbox serves the same document without the generator).
"""

from .errors import GenerationError

__all__ = ["GenerationError"]
