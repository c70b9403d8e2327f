"""What generated signed-call methods need from a stream connection: one generic `call`.

The generated `stream.calls.order_add(...)` methods encode their arguments and hand them to
`call`; the connection packs, signs (same nonce store as HTTP), sends, waits for the `result`
or `remark` with the same id, and returns the decoded `result` value (JSON floats as
`Decimal`), which the generated method turns into the call's model. A `remark` is raised as
the typed error HTTP would raise.
"""

from __future__ import annotations

from typing import Any, Protocol


class StreamCaller(Protocol):
    """A synchronous stream connection able to make signed calls."""

    def call(
        self,
        name: str,
        params: dict[str, object],
        *,
        item: str | None,
        currency: str | None,
        timeout: float | None,
    ) -> Any:
        """Send the signed call `name` (e.g. "order/add") and return its decoded `result`."""
        ...


class AsyncStreamCaller(Protocol):
    """An asynchronous stream connection able to make signed calls."""

    async def call(
        self,
        name: str,
        params: dict[str, object],
        *,
        item: str | None,
        currency: str | None,
        timeout: float | None,
    ) -> Any:
        """Send the signed call `name` (e.g. "order/add") and return its decoded `result`."""
        ...
