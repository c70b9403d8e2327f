"""What the page reads that the Mt. Gox API does not give without a key: the exchange's
configuration and, per account, its balances, open orders and wallet history.

Account views are read straight from the sandbox's state, rendered by the same functions as
the API's `money/info`, `money/orders` and `money/wallet/history` answers, so the page shows
exactly what the account's own bot would be told.
"""

from __future__ import annotations

from typing import Any

from ...api.context import Call
from ...api.handlers.account import info_payload, orders, wallet_history
from ...api.routing import Router
from ...core.db import Tx
from ...core.exchange import Exchange

#: Wallet history rows shown per currency (the newest first).
HISTORY_ROWS = 25


def config(ex: Exchange, *, stream: bool, operator: bool) -> dict[str, Any]:
    """The pairs, the currencies' decimals, and what this client may use."""
    default = ex.default_pair.code if ex.default_pair else None
    return {
        "api": ex.catalogue.api.name,
        "pairs": [{"code": p.code, "base": p.base, "quote": p.quote} for p in ex.pairs.values()],
        "default_pair": default,
        "currencies": {
            code: {"decimals": c.decimals, "symbol": c.symbol, "display_decimals": c.display_decimals}
            for code, c in ex.catalogue.currencies.items()
        },
        "stream": stream,
        "operator": operator,
        # the clock, replay and faults panel reads `/_sandbox/`, answered on the same terms
        "scenario": operator,
    }


def accounts(tx: Tx) -> list[dict[str, Any]]:
    return [
        {"id": int(r["id"]), "login": r["login"], "kind": r["kind"]}
        for r in tx.all("SELECT id, login, kind FROM accounts WHERE kind != 'fees' ORDER BY id")
    ]


class AccountView:
    """Renders one account through the v2 API's own handlers."""

    def __init__(self, ex: Exchange, router: Router) -> None:
        self.ex = ex
        self._endpoints = {}
        for path in ("money/info", "money/orders", "money/wallet/history"):
            match = router.match("v2", path)
            if match is None:
                raise LookupError(f"the catalogue has no v2 {path}: the dashboard renders accounts with it")
            self._endpoints[path] = match.endpoint

    def _call(self, tx: Tx, path: str, account_id: int, params: dict[str, str]) -> Call:
        rights = tx.scalar("SELECT rights FROM api_keys WHERE account_id = ? ORDER BY created LIMIT 1", (account_id,))
        granted = frozenset(str(rights or "").split(",")) - {""}
        return Call(self.ex, tx, self._endpoints[path], {}, params, account_id, granted)

    def __call__(self, tx: Tx, account_id: int) -> dict[str, Any] | None:
        if tx.scalar("SELECT id FROM accounts WHERE id = ? AND kind != 'fees'", (account_id,)) is None:
            return None
        info = info_payload(self._call(tx, "money/info", account_id, {}))
        history = {}
        for currency in info["Wallets"]:
            page = wallet_history(self._call(tx, "money/wallet/history", account_id, {"currency": currency}))
            history[currency] = page["result"][:HISTORY_ROWS]
        return {
            "id": account_id,
            "login": info["Login"],
            "trade_fee": info["Trade_Fee"],
            "wallets": info["Wallets"],
            "orders": orders(self._call(tx, "money/orders", account_id, {})),
            "history": history,
        }
