"""The generator: `endpoints.yaml` -> load and validate -> model -> templates -> `generated/`.

Build-time only (jinja2, pyyaml); nothing at run time imports it, except the sandbox, which
reads the catalogue through `load_catalogue`.
"""

from .errors import CatalogueError, GenerationError, Problem
from .load import default_catalogue_path, load_catalogue, load_catalogue_text

__all__ = [
    "CatalogueError",
    "GenerationError",
    "Problem",
    "default_catalogue_path",
    "load_catalogue",
    "load_catalogue_text",
]
