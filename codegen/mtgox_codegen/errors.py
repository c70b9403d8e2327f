"""Errors of the generator other than an invalid catalogue (that is `mtgox_catalogue.CatalogueError`)."""

from __future__ import annotations


class GenerationError(Exception):
    """Generation failed for a reason other than the catalogue (formatter missing, unsafe output dir)."""
