"""The catalogue: `endpoints.yaml` read with line numbers, validated, and modelled as typed data.

Shared by the generator (`mtgox_codegen`) and the sandbox (`mtgox_sandbox`); it depends on
pyyaml only and knows nothing about rendering code.

    yaml_nodes.py    YAML -> nodes that remember their line (duplicate keys refused)
    checker.py       typed accessors over nodes that collect FILE:LINE problems
    check_*.py       one module per concern: api/auth/versions, currencies and pairs, error
                     rules, models, endpoints, parameters, the stream section
    load.py          read a file, run the checks, assemble the `Catalogue`
    model.py         the typed, immutable model everything downstream reads
    naming.py        the rules that turn paths and wire names into Python names
    openapi.py       the HTTP endpoints as an OpenAPI 3.1 document (`mtgox-codegen openapi`
                     writes it, the sandbox serves it at /openapi.json)
    endpoints.schema.json   the format as a JSON Schema, for editors (`# yaml-language-server:`)
    examples/        example catalogues (goxclone.yaml: an exchange that cloned the API)
"""

from pathlib import Path

from .errors import CatalogueError, Problem
from .load import default_catalogue_path, load_catalogue, load_catalogue_text

#: The catalogue format as a JSON Schema (draft 2020-12). Editors use it to complete and check a
#: catalogue; the loader stays the judge (cross-references, naming rules, FILE:LINE messages).
SCHEMA_PATH = Path(__file__).resolve().parent / "endpoints.schema.json"
#: Example catalogues shipped with the package.
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

__all__ = [
    "EXAMPLES_DIR",
    "SCHEMA_PATH",
    "CatalogueError",
    "Problem",
    "default_catalogue_path",
    "load_catalogue",
    "load_catalogue_text",
]
