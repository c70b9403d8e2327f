"""How the sandbox reads the catalogue: through the catalogue package's loader and default path."""

from __future__ import annotations

from pathlib import Path

from mtgox_catalogue import default_catalogue_path, load_catalogue
from mtgox_catalogue.model import Catalogue

__all__ = ["default_catalogue_path", "load"]


def load(path: str | Path | None = None) -> Catalogue:
    """Load and validate the catalogue (raises mtgox_catalogue.CatalogueError listing every problem)."""
    return load_catalogue(path if path is not None else default_catalogue_path())
