"""Showing a view once, or live (`--watch`): from the Streaming API, or by polling HTTP.

A live view is a sequence of values rendered one after the other into rich's `Live` display (or
printed as JSON Lines with `--json`). The stream is the default source where a verb has one: the
first value comes from HTTP (or the book's snapshot), the next ones from the stream's messages
as the exchange pushes them. `--poll` (or a missing websockets package) polls HTTP instead,
every `--interval` seconds.

A source that loses the exchange says so with a `Stale` value (the stream dropped, a poll could
not connect): the view then keeps what it showed under a banner saying it is stale, since when
and why, until a fresh value comes (with `--json`, a line on standard error each way). Stale
values do not count towards `--count`.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.live import Live
from rich.text import Text

from .._errors import TransportError
from ._render import printable

if TYPE_CHECKING:
    from ._context import Context

View = Callable[[Any], RenderableType]
#: Values to show, one after the other: a stream's, or None when streaming is not available.
Updates = Callable[[], Iterable[Any]]


def watch_options(parser: argparse.ArgumentParser, *, streams: bool) -> None:
    group = parser.add_argument_group("watching")
    source = "from the Streaming API (or polls with --poll)" if streams else "by polling the HTTP API"
    group.add_argument("--watch", action="store_true", help=f"keep the view up to date, {source}")
    if streams:
        group.add_argument("--poll", action="store_true", help="with --watch: poll HTTP instead of streaming")
    group.add_argument("--interval", type=float, default=2.0, help="seconds between polls (default 2)")
    group.add_argument("--count", type=int, default=0, help="stop after this many updates (default: never)")


@dataclass(frozen=True, slots=True)
class Stale:
    """The source lost the exchange: what is shown is no longer live."""

    reason: str


def fresh(fetch: Callable[[], Any]) -> Any:
    """`fetch()`, or `Stale` when the exchange cannot be reached (other errors are raised)."""
    try:
        return fetch()
    except TransportError as exc:
        return Stale(str(exc))


def polled(fetch: Callable[[], Any], interval: float) -> Iterator[Any]:
    yield fetch()
    while True:
        time.sleep(interval)
        yield fresh(fetch)


def _counted(source: Iterable[Any], count: int) -> Iterator[Any]:
    """The values and `Stale` markers of `source`, until `count` values (0: for ever)."""
    shown = 0
    for value in source:
        yield value
        if not isinstance(value, Stale):
            shown += 1
            if shown == count:
                return


def stale_banner(stale: Stale, since: datetime | None) -> Text:
    when = f"; showing what came at {since:%H:%M:%S}" if since is not None else ""
    return Text(
        f"disconnected ({printable(stale.reason, newlines=False)}): reconnecting{when}, which may be out of date",
        style="bold red",
    )


def streaming_available(ctx: Context) -> bool:
    try:
        import websockets  # noqa: F401
    except ImportError:
        ctx.err.print("websockets is not installed: polling HTTP instead of streaming", markup=False)
        return False
    return True


def show(
    ctx: Context, args: argparse.Namespace, fetch: Callable[[], Any], view: View, stream: Updates | None = None
) -> None:
    """Once; or with --watch, every update from `stream` (else polls), --count times (default forever)."""
    if not getattr(args, "watch", False):
        value = fetch()
        ctx.show(value) if ctx.json else ctx.out.print(view(value))
        return
    use_stream = stream is not None and not getattr(args, "poll", False) and streaming_available(ctx)
    source = iter(stream() if use_stream and stream is not None else polled(fetch, args.interval))
    # Closed when done, so a stream's connection is closed at --count, not when collected.
    with contextlib.closing(source) if isinstance(source, Generator) else contextlib.nullcontext():
        updates = _counted(source, args.count)
        since: datetime | None = None
        stale = False
        if ctx.json:
            for value in updates:
                if isinstance(value, Stale):
                    ctx.err.print(stale_banner(value, since))
                else:
                    if stale:
                        ctx.err.print("connected again: live", style="green")
                    ctx.show(value, lines=True)  # JSON Lines: one document per update
                    since = datetime.now()
                stale = isinstance(value, Stale)
            return
        shown: RenderableType = Text("")
        with Live(console=ctx.out, auto_refresh=False) as live:
            for value in updates:
                if isinstance(value, Stale):
                    live.update(Group(stale_banner(value, since), shown), refresh=True)
                else:
                    shown, since = view(value), datetime.now()
                    live.update(shown, refresh=True)
