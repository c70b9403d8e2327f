"""The verbs people use every day: ticker, book, trades, orders, balance, history; `--watch`.

Each is a view over one or two generated methods (called by name on the client, never
imported), registered only when the catalogue has those methods, so a catalogue without them
gets the endpoint commands alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich import box
from rich.bar import Bar
from rich.console import Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .._catalogue_info import CatalogueInfo
from .._errors import APITimeoutError
from ._render import money, number, printable, text, when
from ._watch import Stale, View, fresh, show, watch_options

if TYPE_CHECKING:
    from ._context import CommonOptions, Context

#: Width of the depth chart's bars, in terminal cells.
DEPTH_BAR_WIDTH = 30


# -- ticker ---------------------------------------------------------------------------------


def ticker_view(pair: str) -> View:
    def view(t: Any) -> RenderableType:
        table = Table(title=f"{pair} ticker", box=box.SIMPLE_HEAD, show_header=False, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value", justify="right")
        for label, name in (
            ("last", "last"),
            ("bid", "buy"),
            ("ask", "sell"),
            ("high", "high"),
            ("low", "low"),
            ("average", "avg"),
            ("vwap", "vwap"),
            ("volume", "vol"),
        ):
            table.add_row(label, Text(money(getattr(t, name))))
        if t.now is not None:
            table.add_row("at", when(t.now))
        return table

    return view


# -- book -----------------------------------------------------------------------------------


def _side(entries: list[Any], *, best_first_reverse: bool, levels: int) -> list[tuple[Any, Decimal]]:
    """The best `levels` price levels of one side, best first, with the cumulative amount."""
    ordered = sorted(entries, key=lambda e: e.price, reverse=best_first_reverse)[:levels]
    total = Decimal(0)
    out = []
    for entry in ordered:
        total += entry.amount
        out.append((entry, total))
    return out


def _level(entry: Any, total: Decimal) -> tuple[str, str, str]:
    return number(entry.price), number(entry.amount), number(total)


def ladder(depth: Any, pair: str, base: str, quote: str, levels: int) -> RenderableType:
    """Asks above (best ask lowest), bids below (best bid highest), a depth bar per level."""
    asks = _side(depth.asks, best_first_reverse=False, levels=levels)
    bids = _side(depth.bids, best_first_reverse=True, levels=levels)
    deepest = max([total for _, total in asks[-1:] + bids[-1:]] or [Decimal(0)])
    table = Table(title=f"{pair} order book", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("side")
    table.add_column(f"price ({quote})", justify="right")
    table.add_column(f"amount ({base})", justify="right")
    table.add_column(f"total ({base})", justify="right")
    table.add_column("depth", width=DEPTH_BAR_WIDTH, no_wrap=True)

    def bar(total: Decimal, color: str) -> Bar:
        return Bar(size=float(deepest) or 1.0, begin=0, end=float(total), width=DEPTH_BAR_WIDTH, color=color)

    for entry, total in reversed(asks):
        table.add_row(Text("ask", style="red"), *_level(entry, total), bar(total, "red"))
    if asks and bids:
        spread = asks[0][0].price - bids[0][0].price
        table.add_row("", Text(f"spread {number(spread)}", style="dim"), "", "", "")
    for entry, total in bids:
        table.add_row(Text("bid", style="green"), *_level(entry, total), bar(total, "green"))
    counts = Text(f"{len(depth.asks)} ask levels, {len(depth.bids)} bid levels; showing the best {levels} of each")
    return Group(table, counts) if (asks or bids) else Group(Text(f"{pair}: the book is empty"))


# -- account --------------------------------------------------------------------------------


def balance_view(info: Any) -> RenderableType:
    title = Text(f"{printable(str(info.login))}: balances (trade fee {text(info.trade_fee)} %)")
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("currency", style="bold")
    for name in ("balance", "in open orders", "max withdraw"):
        table.add_column(name, justify="right")
    for code, wallet in sorted(info.wallets.items()):
        table.add_row(
            text(code), Text(money(wallet.balance)), Text(money(wallet.open_orders)), Text(money(wallet.max_withdraw))
        )
    return table


def orders_view(orders: list[Any]) -> RenderableType:
    if not orders:
        return Text("no open orders")
    table = Table(title="open orders", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("oid")
    table.add_column("type")
    table.add_column("amount", justify="right")
    table.add_column("price", justify="right")
    table.add_column("status")
    table.add_column("placed")
    for o in orders:
        table.add_row(
            text(o.oid), text(o.type), Text(money(o.amount)), Text(money(o.price)), text(o.status), when(o.date)
        )
    return table


def _tid_order(trade: Any) -> tuple[int, str]:
    """Trade ids are microsecond counters; one that is not a number (a server's) sorts last, not a crash."""
    tid = str(trade.tid)
    return (int(tid), "") if tid.isdecimal() and len(tid) < 40 else (-1, tid)


def trades_view(pair: str, limit: int) -> View:
    def view(trades: list[Any]) -> RenderableType:
        if not trades:
            return Text(f"{pair}: no trades")
        newest = sorted(trades, key=_tid_order, reverse=True)[:limit]
        table = Table(title=f"{pair}: the last {len(newest)} trades", box=box.SIMPLE_HEAD, title_justify="left")
        for name, justify in (("time", "left"), ("side", "left"), ("price", "right"), ("amount", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        table.add_column("tid")
        for t in newest:
            side = text(t.trade_type or "", style="green" if t.trade_type == "bid" else "red")
            price = text(f"{number(t.price)} {t.price_currency or ''}".strip())
            table.add_row(when(t.date), side, price, text(f"{number(t.amount)} {t.item or ''}".strip()), text(t.tid))
        return table

    return view


def history_view(currency: str) -> View:
    def view(rows: list[Any]) -> RenderableType:
        if not rows:
            return Text(f"{currency}: no history")
        table = Table(title=f"{currency} wallet history ({len(rows)} rows)", box=box.SIMPLE_HEAD, title_justify="left")
        for name, justify in (("#", "right"), ("date", "left"), ("type", "left"), ("value", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        table.add_column("balance", justify="right")
        table.add_column("info", overflow="fold")
        for r in rows:
            table.add_row(
                str(r.index), when(r.date), text(r.type), Text(money(r.value)), Text(money(r.balance)), text(r.info)
            )
        return table

    return view


# -- running --------------------------------------------------------------------------------


def _ticker(ctx: Context, args: argparse.Namespace, info: CatalogueInfo) -> None:
    _, quote = info.pairs.get(args.pair, ("", ""))

    def fetch() -> Any:
        return ctx.client.v2.ticker(pair=args.pair)

    def streamed() -> Iterator[Any]:
        from ..stream import Disconnected, Reconnected

        with ctx.client.stream(currency=quote) as stream:
            # Fetched once the stream is open, so no ticker pushed in between is missed.
            yield fetch()
            for message in stream:
                ticker = getattr(message, "ticker", None)
                if isinstance(message, Disconnected):
                    yield Stale(message.reason)
                elif isinstance(message, Reconnected):  # pushes were missed: the current one, over HTTP
                    yield fresh(fetch)
                elif (
                    getattr(message, "KIND", None) == "ticker" and ticker is not None and ticker.last.currency == quote
                ):
                    yield ticker

    show(ctx, args, fetch, ticker_view(args.pair), streamed)


@dataclass(frozen=True, slots=True)
class BookState:
    """The book a stream keeps (`OrderBook`), as the ladder and `--json` show it."""

    pair: str
    asks: list[Any]  # Level: price, amount, price_int, amount_int
    bids: list[Any]


#: How long `book --watch` waits for the stream's snapshot (it needs milliseconds).
SNAPSHOT_TIMEOUT_S = 60.0


def _synced(book: Any, timeout: float = SNAPSHOT_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout
    while not book.synced:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _book_stream(ctx: Context, pair: str, quote: str) -> Iterator[BookState | Stale]:
    from ..stream import Disconnected, Reconnected

    with ctx.client.stream(currency=quote) as stream:
        book = stream.order_book(pair)
        if not _synced(book):
            raise APITimeoutError(f"no {pair} depth snapshot from the stream in {SNAPSHOT_TIMEOUT_S:.0f} s")
        yield BookState(pair, book.asks(), book.bids())
        for message in stream:
            # Depth changes of this book (the stream applied them to it already), the drop and
            # the resync of a reconnect; other channels' messages are skipped.
            if isinstance(message, Disconnected):
                yield Stale(message.reason)
            elif isinstance(message, Reconnected):
                synced = _synced(book)
                yield BookState(pair, book.asks(), book.bids()) if synced else Stale(f"no {pair} snapshot yet")
            elif getattr(message, "KIND", None) == "depth" and book.synced:
                yield BookState(pair, book.asks(), book.bids())


def _book(ctx: Context, args: argparse.Namespace, info: CatalogueInfo) -> None:
    base, quote = info.pairs.get(args.pair, ("", ""))

    def fetch() -> Any:
        if not args.full:
            return ctx.client.v2.depth_fetch(pair=args.pair)
        # The SDK reads the whole answer before parsing it, so the download shows as a spinner
        # with the time it has taken, not as a percentage.
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=ctx.err, transient=True
        ) as progress:
            progress.add_task(f"downloading the full {args.pair} book", total=None)
            return ctx.client.v2.depth_full(pair=args.pair)

    view = lambda depth: ladder(depth, args.pair, base, quote, args.levels)  # noqa: E731
    show(ctx, args, fetch, view, lambda: _book_stream(ctx, args.pair, quote))


def _trades(ctx: Context, args: argparse.Namespace) -> None:
    fetch = lambda: ctx.client.v2.trades_fetch(pair=args.pair, since=args.since)  # noqa: E731
    show(ctx, args, fetch, trades_view(args.pair, args.limit))


def _orders(ctx: Context, args: argparse.Namespace) -> None:
    show(ctx, args, lambda: ctx.client.v2.orders(), orders_view)


def _balance(ctx: Context, args: argparse.Namespace) -> None:
    show(ctx, args, lambda: ctx.client.v2.info(), balance_view)


def _history(ctx: Context, args: argparse.Namespace) -> None:
    def fetch() -> list[Any]:
        first = ctx.client.v2.wallet_history(currency=args.currency, page=1)
        rows = list(first.result)
        last = first.max_page if args.all else min(args.pages, first.max_page)
        if last <= 1:
            return rows
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=ctx.err,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{args.currency} history pages", total=last, completed=1)
            for page in range(2, last + 1):
                rows += ctx.client.v2.wallet_history(currency=args.currency, page=page).result
                progress.advance(task)
        return rows

    show(ctx, args, fetch, history_view(args.currency))


def add_verbs(sub: Any, keys: set[str], info: CatalogueInfo, common: CommonOptions) -> None:
    """Register each verb whose methods the catalogue has."""
    default_pair = next(iter(info.pairs), "")

    def verb(name: str, needs: tuple[str, ...], help: str) -> argparse.ArgumentParser | None:
        if not all(n in keys for n in needs):
            return None
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
        common(parser)
        return parser

    def pair_argument(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "pair", nargs="?", default=default_pair, type=str.upper, help=f"a pair such as {default_pair}"
        )

    if p := verb("ticker", ("v2.ticker",), "the ticker of a pair: last, bid, ask, high, low, volume"):
        pair_argument(p)
        watch_options(p, streams=True)
        p.set_defaults(handler=lambda ctx, args: _ticker(ctx, args, info))
    if p := verb("book", ("v2.depth_fetch", "v2.depth_full"), "the order book as a ladder with a depth chart"):
        pair_argument(p)
        p.add_argument("--levels", type=int, default=15, help="price levels shown per side (default 15)")
        p.add_argument("--full", action="store_true", help="the whole book (depth/full) instead of the ±10 %% band")
        watch_options(p, streams=True)
        p.set_defaults(handler=lambda ctx, args: _book(ctx, args, info))
    if p := verb("trades", ("v2.trades_fetch",), "recent trades of a pair, newest first"):
        pair_argument(p)
        p.add_argument("--since", type=int, help="only trades after this tid")
        p.add_argument("--limit", type=int, default=20, help="trades shown (default 20)")
        watch_options(p, streams=False)
        p.set_defaults(handler=_trades)
    if p := verb("orders", ("v2.orders",), "your open orders"):
        watch_options(p, streams=False)
        p.set_defaults(handler=_orders)
    if p := verb("balance", ("v2.info",), "your balances per currency"):
        watch_options(p, streams=False)
        p.set_defaults(handler=_balance)
    if p := verb("history", ("v2.wallet_history",), "a wallet's history, newest first"):
        p.add_argument("currency", type=str.upper, help="the wallet, e.g. BTC or USD")
        pages = p.add_mutually_exclusive_group()
        pages.add_argument("--pages", type=int, default=1, help="pages of 50 rows to read (default 1)")
        pages.add_argument("--all", action="store_true", help="every page, with a progress bar")
        p.set_defaults(handler=_history)
