"""The one way into the exchange for a routed call: HTTP requests (web/) and signed stream calls
(stream/calls.py) both end here.

A private call is one write transaction (shared with the calls that arrived with it, each in
its savepoint: server/worker.py): authentication (nonce consumed), then the handler inside a
savepoint, so a refused call still spends its nonce; a public one is a read transaction. The
handler's refusal (`SandboxError`) is the answer; an unexpected exception rolls that call back
and is raised to the caller (who answers 500).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mtgox_catalogue.model import Catalogue, Endpoint

from ..core.db import Transactions, Tx, savepoint
from ..core.errors import SandboxError
from ..core.exchange import Exchange
from . import handlers as _handlers  # noqa: F401  (importing the package registers every handler)
from . import params as param_checks
from .answers import AnswerCache
from .auth import Authenticator
from .canned import Canned
from .context import Call
from .faults import Faults
from .registry import Handler, handler_for


@dataclass(slots=True)
class Prepared:
    """A routed call, ready to run: the endpoint, its parameters and what was signed."""

    endpoint: Endpoint
    path_params: dict[str, str]
    params: dict[str, str]
    #: The signed body's fields (nonce or tonce among them); empty for a public call.
    body_fields: dict[str, str]
    rest_key: str | None
    rest_sign: str | None
    #: The bytes the signature covers, exactly as received.
    message: bytes
    #: The spellings of the call a fault's path glob is matched against (faults.py): an HTTP
    #: request's path as sent; a stream call's name and its v2 path.
    paths: tuple[str, ...] = ()


def handler_table(catalogue: Catalogue) -> tuple[dict[str, Handler], list[str]]:
    """The handler of every endpoint marked `sandbox: stateful`, by endpoint key, and the keys
    of those that have none (answered shape-only, listed by `mtgox-sandbox routes`)."""
    handlers: dict[str, Handler] = {}
    unimplemented: list[str] = []
    for endpoint in catalogue.endpoints:
        if endpoint.sandbox != "stateful":
            continue
        handler = handler_for(endpoint)
        if handler is None:
            unimplemented.append(endpoint.key)
        else:
            handlers[endpoint.key] = handler
    return handlers, unimplemented


class Dispatcher:
    def __init__(
        self, catalogue: Catalogue, exchange: Exchange, transactions: Transactions, faults: Faults | None = None
    ) -> None:
        self.catalogue = catalogue
        self.exchange = exchange
        self.transactions = transactions
        #: The exchange's faults: a `lag` fault makes the engine queue the orders of the calls it covers.
        self.faults = faults
        self.auth = Authenticator(catalogue.tonce_window_seconds)
        self.canned = Canned(catalogue)
        self.handlers, self.unimplemented = handler_table(catalogue)
        self.answers = AnswerCache()

    async def answer(self, prepared: Prepared) -> Any:
        """The call's payload, or the SandboxError that refused it, from its own transaction."""
        return await self.transactions.run(lambda tx: self.process(tx, prepared), write=prepared.endpoint.signed)

    def process(self, tx: Tx, req: Prepared) -> Any:
        """The call inside a transaction (on the event loop or the database thread)."""
        endpoint = req.endpoint
        if not endpoint.signed:
            try:
                return self._run(tx, req, 0, frozenset())
            except SandboxError as exc:
                return exc
        try:
            info = self.auth.authenticate(tx, req.rest_key, req.rest_sign, req.message, req.body_fields)
        except SandboxError as exc:
            return exc
        # From here on the nonce is spent: an error undoes the handler's work, not the nonce.
        lag = None
        if self.faults is not None:
            lag = self.faults.find(("lag",), req.paths, key=req.rest_key, account_id=info.account_id, hit=False)
        engine = self.exchange.engine
        queued = engine.queued
        try:
            with savepoint(tx):
                self.auth.check_rights(info, endpoint.rights)
                if lag is not None:
                    tx.order_delay_us = int(lag.delay * 1_000_000)
                return self._run(tx, req, info.account_id, info.rights)
        except SandboxError as exc:
            return exc
        finally:
            tx.order_delay_us = 0
            if lag is not None and engine.queued != queued and self.faults is not None:
                self.faults.hit(lag)  # it delayed an order (a lag fault counts only those)
                self.faults.queued()

    def _run(self, tx: Tx, req: Prepared, account_id: int, rights: frozenset[str]) -> Any:
        param_checks.check(req.endpoint, req.params)
        handler = self.handlers.get(req.endpoint.key)
        if handler is None:
            return self.canned.answer(req.endpoint, req.path_params, tx.now_us)
        call = Call(self.exchange, tx, req.endpoint, req.path_params, req.params, account_id, rights, self.answers)
        return handler(call)
