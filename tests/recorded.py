"""Where the responses recorded by 2011-2014 client libraries live in this repository.

They are copied from the project's reference notes (`tests/data/recorded/README.md` says from
where), so that every clone runs the tests that read them instead of skipping them.
"""

from pathlib import Path

RECORDED = Path(__file__).resolve().parent / "data" / "recorded"
