"""Which handler answers which endpoint, found by the endpoint's path.

A handler registers the spellings it implements (`@handles("v2", "{pair}/money/ticker")`);
an endpoint of the catalogue gets the handler registered for its path, else for one of its
aliases, else for a spelling derived from them (optional segments, v2 pair prefix). Placeholder
names do not matter (`{pair}` and `{p}` are the same), nor does case. An endpoint marked
`sandbox: stateful` without a handler is answered shape-only and listed by
`mtgox-sandbox routes` (a test keeps that list empty). The handler modules register when the
`handlers` package is imported (dispatch.py imports it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mtgox_catalogue.model import Endpoint

from .context import Call
from .routing import derived_spellings

Handler = Callable[[Call], Any]

_REGISTRY: dict[tuple[str, str], Handler] = {}
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _normal(spelling: str) -> str:
    return _PLACEHOLDER.sub("{}", spelling.strip("/")).lower()


def handles(version: str, *spellings: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for spelling in spellings:
            key = (version, _normal(spelling))
            if key in _REGISTRY and _REGISTRY[key] is not fn:
                raise RuntimeError(f"two handlers for {version} {spelling}")
            _REGISTRY[key] = fn
        return fn

    return register


def handler_for(endpoint: Endpoint) -> Handler | None:
    version = endpoint.version.key
    candidates = [endpoint.path, *endpoint.aliases]
    for base in (endpoint.path, *endpoint.aliases):
        candidates.extend(derived_spellings(endpoint, endpoint.version, base))
    for spelling in candidates:
        fn = _REGISTRY.get((version, _normal(spelling)))
        if fn is not None:
            return fn
    return None
