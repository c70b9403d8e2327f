"""The README's "Add or change an endpoint" example, read from README.md and applied to a catalogue."""

from __future__ import annotations

import re

from .conftest import REPO

SECTION = "## Add or change an endpoint"
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def readme_snippets() -> tuple[str, str]:
    """(the model, the endpoint): the section's two YAML blocks, without the list's indentation."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(SECTION) :].split("\n## ", 1)[0]
    blocks = [_dedent(block, 3) for block in _YAML_BLOCK.findall(section)]
    assert len(blocks) == 2, f"expected a model and an endpoint in {SECTION!r}, found {len(blocks)} YAML blocks"
    return blocks[0], blocks[1]


def _dedent(block: str, width: int) -> str:
    # The blocks sit in a numbered list: three spaces of Markdown, then the catalogue's own indent.
    return "".join(line[width:] if line.startswith(" " * width) else line for line in block.splitlines(True))


def with_readme_endpoint(catalogue: str) -> str:
    """The catalogue with the README's model and endpoint added, as a user following it would.

    When the catalogue already has them (a user did follow the README), it is returned as is:
    adding them twice would be refused as a duplicate, which is not what the tests check.
    """
    model, endpoint = readme_snippets()
    model_name = model.strip().split(":", 1)[0]
    path_line = endpoint.strip().splitlines()[0].lstrip("- ").strip()
    if f"\n  {model_name}:" not in catalogue:
        catalogue = catalogue.replace("\nmodels:\n", "\nmodels:\n" + model, 1)
    if path_line not in catalogue:
        anchor = "\n  v2:\n"
        head, tail = catalogue.rsplit(anchor, 1)
        catalogue = head + anchor + endpoint + "\n" + tail
    return catalogue
