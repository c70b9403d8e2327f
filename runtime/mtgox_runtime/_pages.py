"""Iterating over paged answers (`wallet_history`) without writing the page loop.

    for page in iter_pages(lambda n: client.v2.wallet_history(currency="BTC", page=n)):
        for row in page.result:
            ...

    async for page in aiter_pages(lambda n: client.v2.wallet_history(currency="BTC", page=n)):
        ...

`fetch(n)` returns page `n` (from 1); iteration stops after the page whose `current_page`
reaches `max_page`. A server that does not move forward (the same page again) or announces
more than `limit` pages stops the iteration rather than looping for ever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Protocol, TypeVar

from ._errors import InvalidResponseError

#: The most pages one iteration fetches unless told otherwise (50 rows a page: 500,000 rows).
MAX_PAGES = 10_000


class Page(Protocol):
    """What a paged answer carries: its own number and the last one."""

    @property
    def current_page(self) -> int: ...

    @property
    def max_page(self) -> int: ...


PageT = TypeVar("PageT", bound=Page)


def _next(page: Page, asked: int, limit: int) -> int | None:
    """The page to fetch after `page` (which answered a request for page `asked`), or None."""
    if page.current_page >= page.max_page:
        return None
    if page.current_page != asked:
        raise InvalidResponseError(f"asked for page {asked}, the server answered page {page.current_page}")
    if asked >= limit:
        raise InvalidResponseError(f"more than {limit} pages (the server says {page.max_page}); pass a larger limit")
    return asked + 1


def iter_pages(fetch: Callable[[int], PageT], *, first: int = 1, limit: int = MAX_PAGES) -> Iterator[PageT]:
    """Each page from `first` to the last: `fetch(n)` is called once per page, lazily."""
    number: int | None = first
    while number is not None:
        page = fetch(number)
        yield page
        number = _next(page, number, limit)


async def aiter_pages(
    fetch: Callable[[int], Awaitable[PageT]], *, first: int = 1, limit: int = MAX_PAGES
) -> AsyncIterator[PageT]:
    """The async twin of `iter_pages`."""
    number: int | None = first
    while number is not None:
        page = await fetch(number)
        yield page
        number = _next(page, number, limit)
