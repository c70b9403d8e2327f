"""The page's files, read once from the package (they ship inside the wheel, no build step)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

#: The vendored lightweight-charts release (static/vendor/lightweight-charts/README.md says where from).
CHARTS_VERSION = "5.2.1"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".png": "image/png",
    "": "text/plain; charset=utf-8",  # LICENSE
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str


@cache  # every App (tests make many) shares one read
def load_assets() -> dict[str, Asset]:
    """Every file under static/, by its path relative to static/ (`vendor/.../LICENSE`)."""
    root = resources.files(__package__).joinpath("static")
    found: dict[str, Asset] = {}

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for child in node.iterdir():
            name = prefix + child.name
            if child.is_dir():
                walk(child, name + "/")
                continue
            suffix = "." + child.name.rsplit(".", 1)[1] if "." in child.name else ""
            if suffix in _TYPES:
                found[name] = Asset(child.read_bytes(), _TYPES[suffix])

    walk(root, "")
    return found
