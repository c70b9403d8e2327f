"""Recorded trades ("the tape"), read from the files people kept Mt. Gox history in:

- bitcoincharts' CSV (`mtgoxUSD.csv`): `unixtime,price,amount`, no header (one is skipped), no
  side, no id: each trade gets a stamp of its second as its tid;
- PyAlgoTrade's Mt. Gox CSV: a header `id,price,amount,type`; `id` is Mt. Gox's tid (the
  trade's time in microseconds), `type` the side that took liquidity (`trade_type`);
- Mt. Gox's own answers, as JSON: `data/getTrades.php` (a bare list; in 2011 with numbers and
  small sequential tids), v1 `BTCUSD/trades` and v2 `BTCUSD/money/trades/fetch`, as a list or
  inside their envelope. `price_int`/`amount_int` are taken over the decimals when present
  (they are the exact figures); copies of a trade in another currency (`primary: "N"`) and
  trades of other currencies are left out and counted.

A tape holds its trades in time order (a file out of order is sorted, stably) in compact
arrays (about 40 bytes a trade). Everything is checked as it is read; a bad row is a
`TapeError` naming the file, the line (or the JSON item) and what is wrong, before anything
prints. Bounds: a CSV line of at most MAX_LINE bytes, a JSON file of at most MAX_JSON_BYTES
(it is read whole), at most MAX_TRADES trades.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from mtgox_catalogue.model import Pair

from .money import MoneyFormat

MAX_LINE = 1024
MAX_JSON_BYTES = 256 * 1024 * 1024
MAX_TRADES = 20_000_000
#: A tid at or above this is a microsecond time (Mt. Gox's tids since June 2011); below it, a
#: sequence number (the trades before).
MICROSECOND_TIDS = 10**15
#: Recorded history shipped with the sandbox, by name (`serve --replay NAME`).
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data"
FORMATS = ("bitcoincharts", "pyalgotrade", "mtgox-json")
_PYALGOTRADE_HEADER = ["id", "price", "amount", "type"]
_SIDES = {"bid": 1, "ask": 2, "": 0}
_SIDE_NAMES = ("", "bid", "ask")


class TapeError(ValueError):
    """A recording that cannot be replayed; the message names the file, the place and the fault."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded trade, in the pair's integer units."""

    tid: int | None  # the recorded id, None when the file has none
    at_us: int  # when it happened, Unix microseconds
    price: int
    amount: int
    side: str  # bid | ask | "" (unknown)
    properties: str

    @property
    def date(self) -> int:
        return self.at_us // 1_000_000


def shipped(name: str) -> Path | None:
    """A shipped recording by name (`mtgox-btcusd-trades-2013-01-01`), or None."""
    for path in sorted(SHIPPED_DIR.glob("*.csv")):
        if name in (path.stem, path.name):
            return path
    return None


def locate(name: str | Path) -> Path:
    """The file a `--replay` argument names: a path, else a shipped recording's name."""
    path = Path(name)
    if path.is_file():
        return path
    found = shipped(str(name))
    if found is not None:
        return found
    names = ", ".join(p.stem for p in sorted(SHIPPED_DIR.glob("*.csv"))) or "none"
    raise TapeError(f"{name}: no such file (and not a shipped recording: {names})")


class _Rows:
    """Trades as they are read, checked and kept in arrays."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.tids = array("q")  # -1: none
        self.at_us = array("q")
        self.prices = array("q")
        self.amounts = array("q")
        self.sides = array("b")
        self.market = array("b")  # properties: 1 market, 0 limit

    def add(self, place: str, tid: int | None, at_us: int, price: int, amount: int, side: str, market: bool) -> None:
        if len(self.at_us) >= MAX_TRADES:
            raise TapeError(f"{self.where}: more than {MAX_TRADES} trades; replay a part (--from, --to)")
        if price <= 0 or amount <= 0:
            raise TapeError(f"{place}: a trade needs a price and an amount above 0")
        self.tids.append(-1 if tid is None else tid)
        self.at_us.append(at_us)
        self.prices.append(price)
        self.amounts.append(amount)
        self.sides.append(_SIDES[side])
        self.market.append(1 if market else 0)


class Tape:
    """A recording ready to replay on one pair, between `start_us` and `end_us` (module docstring)."""

    def __init__(self, path: Path, fmt: str, pair: Pair, rows: _Rows, skipped: dict[str, int]) -> None:
        self.path = path
        self.format = fmt
        self.pair = pair
        self.skipped = skipped
        order = sorted(range(len(rows.at_us)), key=rows.at_us.__getitem__)
        if order != list(range(len(order))):
            rows = _reorder(rows, order)
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows.at_us)

    def __getitem__(self, index: int) -> Recorded:
        r = self._rows
        tid = r.tids[index]
        return Recorded(
            None if tid < 0 else tid,
            r.at_us[index],
            r.prices[index],
            r.amounts[index],
            _SIDE_NAMES[r.sides[index]],
            "market" if r.market[index] else "limit",
        )

    def time_of(self, index: int) -> int:
        return self._rows.at_us[index]

    def due(self, start: int, until_us: int) -> int:
        """The index after the last trade at or before `until_us`, from `start` on."""
        times = self._rows.at_us
        low, high = start, len(times)
        while low < high:
            mid = (low + high) // 2
            if times[mid] <= until_us:
                low = mid + 1
            else:
                high = mid
        return low

    def describe(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "format": self.format,
            "pair": self.pair.code,
            "trades": len(self),
            "first": self.time_of(0) // 1_000_000 if len(self) else None,
            "last": self.time_of(len(self) - 1) // 1_000_000 if len(self) else None,
            "skipped": dict(self.skipped),
        }


def _reorder(rows: _Rows, order: list[int]) -> _Rows:
    out = _Rows(rows.where)
    for name in ("tids", "at_us", "prices", "amounts", "sides", "market"):
        column = getattr(rows, name)
        setattr(out, name, array(column.typecode, (column[i] for i in order)))
    return out


# -- reading -----------------------------------------------------------------------------------


def load(
    path: str | Path,
    money: MoneyFormat,
    pairs: dict[str, Pair],
    *,
    pair: str | None = None,
    start_us: int | None = None,
    end_us: int | None = None,
) -> Tape:
    """Read a recording (module docstring) for `pair` (default: the file's currency, else
    BTCUSD), keeping the trades at or after `start_us` and before `end_us`."""
    file = locate(path)
    try:
        with file.open("rb") as stream:
            head = stream.read(64).lstrip()
            stream.seek(0)
            if head[:1] in (b"[", b"{"):
                return _json(file, stream, money, pairs, pair, start_us, end_us)
            return _csv(file, stream, money, pairs, pair, start_us, end_us)
    except OSError as exc:
        raise TapeError(f"{file}: cannot read it: {exc.strerror or exc}") from None


def _pair(pairs: dict[str, Pair], code: str | None, where: str) -> Pair:
    code = (code or "BTCUSD").upper()
    if code not in pairs:
        raise TapeError(f"{where}: {code} is not a traded pair")
    return pairs[code]


def _units(text: object, decimals: int, place: str, what: str) -> int:
    """A decimal (text, int or exact Decimal) as integer units, refusing more decimals than the currency has."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        raise TapeError(f"{place}: {what} {str(text)[:40]!r} is not a number") from None
    if not value.is_finite():
        raise TapeError(f"{place}: {what} {str(text)[:40]!r} is not a number")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise TapeError(f"{place}: {what} {str(text).strip()[:40]} has more than {decimals} decimals")
    return int(scaled)


def _integer(value: object, place: str, what: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isdigit() and len(text) <= 19):
        raise TapeError(f"{place}: {what} {text[:40]!r} is not a whole number")
    return int(text)


def _keep(at_us: int, start_us: int | None, end_us: int | None) -> bool:
    return (start_us is None or at_us >= start_us) and (end_us is None or at_us < end_us)


def _lines(stream: BinaryIO, where: str) -> Iterator[tuple[int, str]]:
    number = 0
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            raise TapeError(f"{where}:{number}: a line longer than {MAX_LINE} bytes")
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise TapeError(f"{where}:{number}: not UTF-8 text") from None
        if text:
            yield number, text


def _csv(
    file: Path,
    stream: BinaryIO,
    money: MoneyFormat,
    pairs: dict[str, Pair],
    pair_code: str | None,
    start_us: int | None,
    end_us: int | None,
) -> Tape:
    where = str(file)
    pair = _pair(pairs, pair_code, where)
    base, quote = money.places(pair.base), money.places(pair.quote)
    rows = _Rows(where)
    fmt: str | None = None
    for number, text in _lines(stream, where):
        place = f"{where}:{number}"
        fields = [f.strip() for f in text.split(",")]
        if fmt is None:
            if [f.lower() for f in fields] == _PYALGOTRADE_HEADER:
                fmt = "pyalgotrade"
                continue
            if len(fields) != 3:
                raise TapeError(
                    f"{place}: expected bitcoincharts' `unixtime,price,amount` or PyAlgoTrade's"
                    f" `id,price,amount,type` header, not {text[:60]!r}"
                )
            fmt = "bitcoincharts"
            if not fields[0].isdigit():  # a header line
                continue
        if fmt == "pyalgotrade":
            if len(fields) != 4:
                raise TapeError(f"{place}: expected id,price,amount,type, not {text[:60]!r}")
            tid = _integer(fields[0], place, "id")
            if tid < MICROSECOND_TIDS:
                raise TapeError(f"{place}: id {tid} is not a Mt. Gox tid in microseconds (the trade's time)")
            side = fields[3].lower()
            if side not in ("bid", "ask"):
                raise TapeError(f"{place}: type {fields[3][:20]!r} is neither bid nor ask")
            at_us = tid
        else:
            if len(fields) != 3:
                raise TapeError(f"{place}: expected unixtime,price,amount, not {text[:60]!r}")
            tid, side = None, ""
            at_us = _integer(fields[0], place, "unixtime") * 1_000_000
        if _keep(at_us, start_us, end_us):
            price = _units(fields[1], quote, place, "price")
            amount = _units(fields[2], base, place, "amount")
            rows.add(place, tid, at_us, price, amount, side, market=False)
    return Tape(file, fmt or "bitcoincharts", pair, rows, {})


def _json(
    file: Path,
    stream: BinaryIO,
    money: MoneyFormat,
    pairs: dict[str, Pair],
    pair_code: str | None,
    start_us: int | None,
    end_us: int | None,
) -> Tape:
    where = str(file)
    data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise TapeError(f"{where}: a JSON recording is read whole, at most {MAX_JSON_BYTES} bytes; split it")
    try:
        document = json.loads(data, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise TapeError(f"{where}: not JSON: {exc}") from None
    items = document
    if isinstance(document, dict):
        if document.get("result") not in (None, "success"):
            raise TapeError(f"{where}: an error answer, not trades: {str(document.get('error'))[:80]!r}")
        items = document.get("data", document.get("return"))
    if not isinstance(items, list):
        raise TapeError(f"{where}: expected a list of trades (or its v1/v2 envelope)")
    if pair_code is None:
        currencies = [i.get("price_currency") for i in items if isinstance(i, dict) and i.get("primary", "Y") == "Y"]
        pair_code = "BTC" + str(currencies[0]).upper() if currencies and currencies[0] else None
    pair = _pair(pairs, pair_code, where)
    base, quote = money.places(pair.base), money.places(pair.quote)
    rows = _Rows(where)
    skipped: dict[str, int] = {}
    seen: set[int] = set()
    for index, item in enumerate(items):
        place = f"{where}: trade [{index}]"
        if not isinstance(item, dict):
            raise TapeError(f"{place}: not an object")
        why = _left_out(item, pair)
        if why is not None:
            skipped[why] = skipped.get(why, 0) + 1
            continue
        for name in ("date", "price", "amount", "tid"):
            if name not in item:
                raise TapeError(f"{place}: no {name}")
        date = _integer(item["date"], place, "date")
        tid = _integer(item["tid"], place, "tid")
        # a tid of June 2011 on is the trade's time to the microsecond; before, a sequence number
        at_us = tid if tid >= MICROSECOND_TIDS and abs(tid // 1_000_000 - date) <= 1 else date * 1_000_000
        if not _keep(at_us, start_us, end_us):
            continue
        if tid in seen:  # pages joined with an overlap
            skipped["duplicate tid"] = skipped.get("duplicate tid", 0) + 1
            continue
        seen.add(tid)
        if "price_int" in item:
            price = _integer(item["price_int"], place, "price_int")
        else:
            price = _units(item["price"], quote, place, "price")
        if "amount_int" in item:
            amount = _integer(item["amount_int"], place, "amount_int")
        else:
            amount = _units(item["amount"], base, place, "amount")
        side = str(item.get("trade_type") or "").lower()
        if side not in _SIDES:
            raise TapeError(f"{place}: trade_type {side[:20]!r} is neither bid nor ask")
        market = "market" in str(item.get("properties") or "").split(",")
        rows.add(place, tid, at_us, price, amount, side, market)
    return Tape(file, "mtgox-json", pair, rows, skipped)


def _left_out(item: dict[str, Any], pair: Pair) -> str | None:
    """Why a recorded trade is not one of this pair's (None: it is)."""
    if str(item.get("primary", "Y")).upper() == "N":
        return "copies in another currency (primary N)"
    currency = item.get("price_currency")
    if currency is not None and str(currency).upper() != pair.quote:
        return f"other currencies than {pair.quote}"
    if str(item.get("item", pair.base)).upper() != pair.base:
        return f"other items than {pair.base}"
    return None
