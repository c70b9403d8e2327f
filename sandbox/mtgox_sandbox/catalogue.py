"""Where the catalogue is and how the sandbox reads it (through the generator's own loader)."""

from __future__ import annotations

from pathlib import Path

import codegen
from codegen import load_catalogue
from codegen.model import Catalogue


def default_catalogue_path() -> Path:
    """The repository's endpoints.yaml, else the copy an installed wheel carries in `codegen/`."""
    package_dir = Path(codegen.__file__).resolve().parent
    for candidate in (package_dir.parent / "endpoints.yaml", package_dir / "endpoints.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no endpoints.yaml next to {package_dir}; pass --catalogue PATH")


def load(path: str | Path | None = None) -> Catalogue:
    """Load and validate the catalogue (raises codegen.CatalogueError listing every problem)."""
    return load_catalogue(path if path is not None else default_catalogue_path())
