"""The sandbox's control surface: a small JSON API under `/_sandbox/` for faults, the clock and
replays (wrapped by `mtgox-sandbox fault|clock|replay`, the pytest fixture and the dashboard).

    GET    /_sandbox/               {"clock", "replay", "faults"}
    GET    /_sandbox/faults         the faults in force
    POST   /_sandbox/faults         add one: {"kind", "path"?, "account"?, "times"?, "seconds"?}
    DELETE /_sandbox/faults         clear them all; /_sandbox/faults/<id> clears one
    GET    /_sandbox/clock          the exchange's time, its mode and speed
    POST   /_sandbox/clock          {"advance": seconds} | {"run_until": time} | {"mode": "wall" |
                                    "stepped" | "scaled", "speed"?}
    GET    /_sandbox/replay         file, trades done and left, `done` once finished
    POST   /_sandbox/replay         start one: {"file", "speed"? (a number, "max" or "stepped"),
                                    "from"?, "to"?, "pair"?}
    DELETE /_sandbox/replay         stop it where it is

Answered to this machine only, under the operator panel's rules (netaddr.local_request: a
loopback client, a loopback Host, no foreign Origin), and POSTs must be JSON: a sandbox served
with `--allow-remote` shows its market to others, never this. Refusals are `{"error": ...}`
with 400 (a bad request), 403, 404, 405, 409 (a replay already running) or 415.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ..api.faults import Faults, resolve_account
from ..core.db import Transactions
from .http import BodyTooLarge, read_body, respond
from .netaddr import local_request
from .types import Receive, Scope, Send, header

PREFIX = "/_sandbox/"
MAX_BODY = 64 * 1024
_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]


class Busy(Exception):
    """What was asked conflicts with what runs (a second replay): 409."""


class Scenario(Protocol):
    """The exchange's clock and replay, as the server runs them (server/scenario.py). Their
    refusals are ValueErrors (400) or Busy (409), with a message for the person who asked."""

    def clock_state(self) -> dict[str, Any]: ...

    async def set_clock(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def replay_state(self) -> dict[str, Any]: ...

    async def start_replay(self, request: dict[str, Any]) -> dict[str, Any]: ...

    async def stop_replay(self) -> dict[str, Any]: ...


class Control:
    def __init__(self, faults: Faults, scenario: Scenario, transactions: Transactions) -> None:
        self.faults = faults
        self.scenario = scenario
        self.transactions = transactions

    def overview(self) -> dict[str, Any]:
        return {
            "clock": self.scenario.clock_state(),
            "replay": self.scenario.replay_state(),
            "faults": self.faults.describe(),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not local_request(scope):
            await _json(send, 403, {"error": "the sandbox's control surface answers this machine only"})
            return
        method: str = scope["method"]
        relative = scope["path"][len(PREFIX) :].rstrip("/")
        route = self._route(method, relative)
        if isinstance(route, tuple):
            await _json(send, *route)
            return
        body: dict[str, Any] = {}
        if method == "POST":
            parsed = await _body(scope, receive)
            if isinstance(parsed, tuple):
                await _json(send, *parsed)
                return
            body = parsed
        try:
            result = await route(body)
        except Busy as exc:
            await _json(send, 409, {"error": str(exc)})
        except ValueError as exc:
            await _json(send, 400, {"error": str(exc)})
        else:
            await _json(send, 200, result)

    def _route(
        self, method: str, relative: str
    ) -> Callable[[dict[str, Any]], Awaitable[Any]] | tuple[int, dict[str, Any]]:
        scenario = self.scenario
        table: dict[tuple[str, str], Callable[[dict[str, Any]], Awaitable[Any]]] = {
            ("GET", ""): _sync(lambda _: self.overview()),
            ("GET", "faults"): _sync(lambda _: self.faults.describe()),
            ("POST", "faults"): self._add_fault,
            ("DELETE", "faults"): _sync(lambda _: {"cleared": self.faults.clear()}),
            ("GET", "clock"): _sync(lambda _: scenario.clock_state()),
            ("POST", "clock"): scenario.set_clock,
            ("GET", "replay"): _sync(lambda _: scenario.replay_state()),
            ("POST", "replay"): scenario.start_replay,
            ("DELETE", "replay"): lambda _: scenario.stop_replay(),
        }
        found = table.get((method, relative))
        if found is not None:
            return found
        head, _, tail = relative.partition("/")
        if head == "faults" and tail:
            if method != "DELETE":
                return 405, {"error": "use DELETE to clear a fault"}
            if not tail.isdigit() or len(tail) > 9:
                return 404, {"error": f"no fault {tail[:20]!r}"}
            return self._clear_one(int(tail))
        if any(path == relative for _, path in table):
            allowed = sorted(m for m, path in table if path == relative)
            return 405, {"error": f"use {' or '.join(allowed)} here"}
        return 404, {"error": f"no such path: {PREFIX}{relative}"}

    def _clear_one(self, fault_id: int) -> Callable[[dict[str, Any]], Awaitable[Any]] | tuple[int, dict[str, Any]]:
        if not any(f.id == fault_id for f in self.faults.active()):
            return 404, {"error": f"no fault {fault_id} in force"}
        return _sync(lambda _: {"cleared": self.faults.clear(fault_id)})

    async def _add_fault(self, body: dict[str, Any]) -> dict[str, Any]:
        ref = body.get("account")
        account = None if ref is None else await self.transactions.run(lambda tx: resolve_account(tx, ref), write=False)
        fault = self.faults.add(body, account)
        return fault.describe(self.faults.clock.now_us())


def _sync(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Awaitable[Any]]:
    async def run(body: dict[str, Any]) -> Any:
        return fn(body)

    return run


async def _body(scope: Scope, receive: Receive) -> dict[str, Any] | tuple[int, dict[str, Any]]:
    if (header(scope, b"content-type") or "").split(";")[0].strip().lower() != "application/json":
        return 415, {"error": "send JSON (Content-Type: application/json)"}
    try:
        raw = await read_body(scope, receive, MAX_BODY)
    except BodyTooLarge:
        raw = None
    try:
        request = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        request = None
    if not isinstance(request, dict):
        return 400, {"error": f"expected a JSON object (at most {MAX_BODY // 1024} KiB)"}
    return request


async def _json(send: Send, status: int, payload: Any) -> None:
    await respond(send, status, json.dumps(payload).encode(), b"application/json", _HEADERS)
