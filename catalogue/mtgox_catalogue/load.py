"""Load and validate a catalogue (`endpoints.yaml`) into a `Catalogue`.

Every problem found is collected with its line (not only the first), then reported together as
one `CatalogueError`. Validation is strict on purpose: unknown keys, unknown references,
colliding names and anything that could produce invalid or unsafe Python are errors, because
the catalogue is the only input of the generator and a typo must not pass silently. Each
section is checked by its own module (`check_*.py`); this one reads the file and assembles them.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from . import model as m
from .check_api import api_section, auth_section, version_def
from .check_currencies import currency_def, pairs_section
from .check_endpoints import endpoints_section
from .check_errors import error_rule
from .check_models import model_def
from .check_stream import stream_section
from .checker import Checker, Scope
from .errors import CatalogueError, Problem
from .yaml_nodes import MapNode, Node, parse


def default_catalogue_path() -> Path:
    """The repository's endpoints.yaml, else the copy an installed wheel carries inside this package."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent / "endpoints.yaml", here / "endpoints.yaml"):
        if candidate.is_file():
            return candidate
    return here / "endpoints.yaml"  # missing: load_catalogue says so, with the path


def load_catalogue(path: str | Path) -> m.Catalogue:
    """Read, validate and model a catalogue file. Raises CatalogueError listing every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogueError([Problem(str(path), 0, f"cannot read the catalogue: {exc.strerror}")]) from None
    return load_catalogue_text(raw, filename=path.name, path=str(path))


def load_catalogue_text(raw: bytes, filename: str = "endpoints.yaml", path: str = "endpoints.yaml") -> m.Catalogue:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogueError([Problem(filename, line, "the catalogue is not valid UTF-8")]) from None
    root = parse(text, filename)
    scope = Scope(Checker(filename))
    catalogue = _build(scope, root, path, hashlib.sha256(raw).hexdigest())
    if scope.c.problems or catalogue is None:
        raise CatalogueError(scope.c.problems or [Problem(filename, 1, "the catalogue is invalid")])
    return catalogue


def _build(s: Scope, root: Node, path: str, source_hash: str) -> m.Catalogue | None:
    c = s.c
    top = c.mapping(
        root,
        "the catalogue",
        required=("schema", "api", "auth", "versions", "currencies", "pairs", "endpoints"),
        optional=("errors", "models", "stream"),
    )
    if top is None:
        return None
    if "schema" in top:
        schema = c.integer(top["schema"], "schema")
        if schema is not None and schema != 1:
            c.error(top["schema"].line, f"unsupported schema {schema}; this generator reads schema 1")
    api = api_section(s, top["api"]) if "api" in top else None
    styles, window = auth_section(s, top["auth"]) if "auth" in top else ({}, 10)
    versions = c.each(top.get("versions"), "versions", functools.partial(version_def, s))
    # Later sections refer to currencies and model names, so the scope learns them first.
    s.currencies = c.each(top.get("currencies"), "currencies", functools.partial(currency_def, s))
    pairs = pairs_section(s, top["pairs"]) if "pairs" in top else {}
    rules = [r for r in (error_rule(s, n) for n in c.sequence(top.get("errors"), "errors")) if r]
    models_node = top.get("models")
    if isinstance(models_node, MapNode):
        s.model_names = set(models_node.items)
    models = c.each(models_node, "models", functools.partial(model_def, s))
    endpoints = endpoints_section(s, top.get("endpoints"), versions, styles, pairs)
    stream = stream_section(s, top["stream"], endpoints, pairs) if "stream" in top else None
    if api is None:
        return None
    return m.Catalogue(
        path=path,
        source_hash=source_hash,
        api=api,
        auth_styles=styles,
        tonce_window_seconds=window,
        versions=versions,
        currencies=s.currencies,
        pairs=pairs,
        error_rules=tuple(rules),
        models=models,
        endpoints=tuple(endpoints),
        stream=stream,
    )
