"""Routes from the catalogue: every spelling of every endpoint a Mt. Gox server accepted.

For each endpoint, in order of precedence (a spelling already taken by an earlier tier keeps
its endpoint; the conflict is recorded in `Router.conflicts`):

    tier 0  its `path`
    tier 1  its `aliases`
    tier 2  spellings derived from those: the version's `optional_segments` left out (v1
            `BTCUSD/ticker` for `BTCUSD/public/ticker`) or put in after the first segment
            (`public` for a public endpoint, `private` for a signed one); and for v2, a pair
            prefix on account-level paths (`BTCUSD/money/info` for `money/info`), as clients
            sent both (server-behaviour.md, item 6).

Matching ignores case (`MONEY/ticker`, `btcusd/money/ticker`), a trailing slash and empty
segments (`//`). A `{placeholder}` whose parameter is a `pair` matches only catalogued pairs, a
`currency` one only catalogued currencies, in any case; the handler receives the canonical
upper-case code.
Whole-segment pair/currency placeholders are resolved by walking a trie of segments (one
dictionary look-up per segment and alternative); other placeholders (inside a segment,
`history_{currency}.csv`, or free text) by a short regex list tried afterwards.

Cost. A segment can be read three ways (`usd` is the literal `usd`, a currency, and the walk
tries them in that order), so enumerating every reading of a path is exponential: 30 `usd/`
segments took minutes on the event loop (issue 9, item 2). The trie walk visits each trie node
at most once (a node is one key prefix, reached by one reading), so a match costs at most the
number of nodes, and a path deeper than the longest spelling fails at that depth: linear in the
path's length, whatever it holds.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from mtgox_catalogue.model import Catalogue, Endpoint, Version

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PAIR = "\x00pair"
_CURRENCY = "\x00currency"
#: Versions whose account-level endpoints also answer behind a pair prefix.
PAIR_PREFIX_OPTIONAL = frozenset({"v2"})
#: Matched paths remembered (each a few hundred bytes); the table starts over when full.
SEEN_PATHS = 4096


@dataclass(frozen=True)
class Match:
    endpoint: Endpoint
    #: Path parameters by wire name: pairs and currencies upper-cased, other text as sent.
    path_params: dict[str, str]
    #: The catalogue spelling that matched, e.g. "{pair}/ticker".
    spelling: str


@dataclass(frozen=True)
class _Target:
    endpoint: Endpoint
    spelling: str
    tier: int
    #: (segment index, wire name) of each whole-segment placeholder.
    slots: tuple[tuple[int, str], ...]


class _Node:
    """One segment position of the trie: the next segment's keys, and the route ending here."""

    __slots__ = ("children", "target")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.target: _Target | None = None


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    target: _Target
    kinds: dict[str, str]  # group name -> "pair" | "currency" | "text"


class Router:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._pairs = {code.upper(): code for code in catalogue.pairs}
        self._currencies = {code.upper(): code for code in catalogue.currencies}
        self._exact: dict[str, dict[tuple[str, ...], _Target]] = {}
        self._patterns: dict[str, list[_Pattern]] = {}
        #: (version, spelling, endpoint kept, endpoint refused) for every spelling two endpoints claim
        #: at the same tier (a derived spelling losing to a catalogued one is not listed).
        self.conflicts: list[tuple[str, str, str, str]] = []
        for tier in (0, 1, 2):
            for endpoint in catalogue.endpoints:
                for spelling in self._spellings(endpoint, tier):
                    self._add(endpoint, spelling, tier)
        for patterns in self._patterns.values():
            patterns.sort(key=lambda p: p.target.tier)
        #: Paths already matched, as sent: a bot asks for the same few again and again.
        self._seen: dict[tuple[str, str], Match] = {}
        self._tries: dict[str, _Node] = {}
        for version, table in self._exact.items():
            root = self._tries[version] = _Node()
            for key, target in table.items():
                node = root
                for segment in key:
                    node = node.children.setdefault(segment, _Node())
                node.target = target

    # -- building ----------------------------------------------------------------------------

    def _spellings(self, endpoint: Endpoint, tier: int) -> list[str]:
        if tier == 0:
            return [endpoint.path]
        if tier == 1:
            return list(endpoint.aliases)
        out: list[str] = []
        for base in (endpoint.path, *endpoint.aliases):
            out.extend(derived_spellings(endpoint, endpoint.version, base))
        return out

    def _kind(self, endpoint: Endpoint, name: str) -> str:
        for p in endpoint.params:
            if p.wire == name:
                return p.type if p.type in ("pair", "currency") else "text"
        return "pair" if name == "pair" else "text"

    def _add(self, endpoint: Endpoint, spelling: str, tier: int) -> None:
        version = endpoint.version.key
        segments = spelling.split("/")
        whole_segment_codes = all(
            not _PLACEHOLDER.search(s) or (_PLACEHOLDER.fullmatch(s) and self._kind(endpoint, s[1:-1]) != "text")
            for s in segments
        )
        if whole_segment_codes:
            key: list[str] = []
            slots: list[tuple[int, str]] = []
            for i, s in enumerate(segments):
                m = _PLACEHOLDER.fullmatch(s)
                if m:
                    kind = self._kind(endpoint, m.group(1))
                    key.append(_PAIR if kind == "pair" else _CURRENCY)
                    slots.append((i, m.group(1)))
                else:
                    key.append(s.lower())
            table = self._exact.setdefault(version, {})
            existing = table.get(tuple(key))
            if existing is not None:
                # A derived spelling losing to a catalogued one is precedence at work, not a conflict.
                if existing.endpoint is not endpoint and (tier < 2 or existing.tier == 2):
                    self.conflicts.append((version, spelling, existing.endpoint.key, endpoint.key))
                return
            table[tuple(key)] = _Target(endpoint, spelling, tier, tuple(slots))
            return
        kinds: dict[str, str] = {}
        parts: list[str] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(spelling):
            parts.append(re.escape(spelling[pos : m.start()]))
            name = m.group(1)
            kind = self._kind(endpoint, name)
            kinds[name] = kind
            parts.append(f"(?P<{name}>" + {"pair": "[A-Za-z]{6}", "currency": "[A-Za-z]{3}"}.get(kind, "[^/]+") + ")")
            pos = m.end()
        parts.append(re.escape(spelling[pos:]))
        regex = re.compile("".join(parts), re.IGNORECASE)
        patterns = self._patterns.setdefault(version, [])
        if any(p.regex.pattern == regex.pattern for p in patterns):
            return
        patterns.append(_Pattern(regex, _Target(endpoint, spelling, tier, ()), kinds))

    # -- matching ----------------------------------------------------------------------------

    def match(self, version: str, path: str) -> Match | None:
        """The endpoint for `path` (relative to the version prefix), or None.

        Empty segments are dropped: a trailing slash, and `//` as the wiki's Perl example sent
        it (`/api//1/generic/private/info`), the way the web server in front of Mt. Gox did.
        """
        seen = self._seen.get((version, path))
        if seen is not None:
            return Match(seen.endpoint, dict(seen.path_params), seen.spelling)
        match = self._match(version, path)
        if match is not None:
            if len(self._seen) >= SEEN_PATHS:  # spellings are many (case, pairs): stay bounded
                self._seen.clear()
            self._seen[(version, path)] = Match(match.endpoint, dict(match.path_params), match.spelling)
        return match

    def _match(self, version: str, path: str) -> Match | None:
        segments = [s for s in path.split("/") if s]
        path = "/".join(segments)
        root = self._tries.get(version)
        target = self._walk(root, segments, 0) if root is not None else None
        if target is not None:
            params = {}
            for index, name in target.slots:
                code = segments[index].upper()
                params[name] = self._pairs.get(code) or self._currencies[code]
            return Match(target.endpoint, params, target.spelling)
        for pattern in self._patterns.get(version, ()):
            m = pattern.regex.fullmatch(path)
            if m is None:
                continue
            params = {}
            ok = True
            for name, kind in pattern.kinds.items():
                value = m.group(name)
                if kind == "pair":
                    ok = ok and value.upper() in self._pairs
                    value = value.upper()
                elif kind == "currency":
                    ok = ok and value.upper() in self._currencies
                    value = value.upper()
                params[name] = value
            if ok:
                return Match(pattern.target.endpoint, params, pattern.target.spelling)
        return None

    def _walk(self, node: _Node, segments: list[str], depth: int) -> _Target | None:
        """The first route, reading each segment as a literal, then a pair, then a currency."""
        if depth == len(segments):
            return node.target
        segment = segments[depth]
        upper = segment.upper()
        keys = []
        if not segment.startswith("\x00"):  # a literal can never pose as a placeholder key
            keys.append(segment.lower())
        if upper in self._pairs:
            keys.append(_PAIR)
        if upper in self._currencies:
            keys.append(_CURRENCY)
        for key in keys:
            child = node.children.get(key)
            if child is not None:
                found = self._walk(child, segments, depth + 1)
                if found is not None:
                    return found
        return None

    def table(self) -> list[tuple[str, str, str, int]]:
        """(version, spelling, endpoint key, tier) of every route, for `mtgox-sandbox routes`."""
        rows: list[tuple[str, str, str, int]] = []
        for version, table in self._exact.items():
            for key, target in table.items():
                shown = "/".join("{pair}" if s == _PAIR else "{currency}" if s == _CURRENCY else s for s in key)
                rows.append((version, shown, target.endpoint.key, target.tier))
        for version, patterns in self._patterns.items():
            rows.extend((version, p.target.spelling, p.target.endpoint.key, p.target.tier) for p in patterns)
        return sorted(rows)


def derived_spellings(endpoint: Endpoint, version: Version, spelling: str) -> list[str]:
    out: list[str] = []
    segments = spelling.split("/")
    optional = list(version.optional_segments)
    lowered = {o.lower() for o in optional}
    present = [i for i, s in enumerate(segments) if s.lower() in lowered]
    if present:
        for r in range(1, len(present) + 1):
            for drop in itertools.combinations(present, r):
                kept = [s for i, s in enumerate(segments) if i not in drop]
                if kept:
                    out.append("/".join(kept))
    elif optional and len(segments) > 1:
        if "public" in optional and "private" in optional:
            inserts = ["private" if endpoint.signed else "public"]
        else:
            inserts = optional
        out.extend("/".join([segments[0], extra, *segments[1:]]) for extra in inserts)
    if version.key in PAIR_PREFIX_OPTIONAL and not spelling.startswith("{"):
        out.append("{pair}/" + spelling)
    return out
