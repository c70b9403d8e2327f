"""How one exchange is served, beyond its database: what `serve`'s flags set for every exchange
of the process, and what a per-test reset may change for one (`reset PATH {"public_cache_s": 10}`,
the fixture's `@pytest.mark.sandbox(public_cache_s=10)`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class OptionsError(ValueError):
    """An option that does not exist or cannot take the value given; the message says which."""


@dataclass(frozen=True)
class ExchangeOptions:
    #: Seconds a public GET answer is served again (Mt. Gox's cache); 0: never.
    public_cache_s: float = 0.0
    #: Seconds between the tickers sent for each pair someone follows, whatever happens (Mt.
    #: Gox sent about one a second: `serve`'s default); 0: only when the pair's market changes.
    ticker_interval_s: float = 0.0

    def __post_init__(self) -> None:
        for name, most in (("public_cache_s", 3600), ("ticker_interval_s", 3600)):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, int | float) and math.isfinite(value)):
                raise OptionsError(f"{name} must be a number of seconds")
            if not 0 <= value <= most:
                raise OptionsError(f"{name} must be between 0 and {most} seconds")

    def but(self, changes: Mapping[str, Any]) -> ExchangeOptions:
        """These options with `changes` (names as the fields are named); unknown names are refused."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise OptionsError(f"unknown sandbox option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        try:
            return dataclasses.replace(self, **changes)
        except TypeError as exc:
            raise OptionsError(str(exc)) from None


DEFAULT_OPTIONS = ExchangeOptions()
