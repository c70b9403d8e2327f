"""The operator panel's actions: what `mtgox-sandbox add-account`, `deposit` and `seed-market`
do, for a running sandbox (the page's forms post them as JSON)."""

from __future__ import annotations

from typing import Any

from ...core import ledger, marketmaker
from ...core.amounts import AmountError, fee_ppm, parse_funds
from ...core.db import Tx
from ...core.exchange import Exchange


class OperatorError(ValueError):
    """A bad request from the panel (answered 400 with the message)."""


def _funds(ex: Exchange, body: dict[str, Any]) -> dict[str, int]:
    """`{"funds": {"BTC": "10", "USD": "100.5"}}` -> integer units, as the CLI's `--fund` reads them."""
    funds = body.get("funds") or {}
    if not isinstance(funds, dict):
        raise OperatorError('funds: expected an object like {"BTC": "10"}')
    try:
        return parse_funds([f"{code}={amount}" for code, amount in funds.items()], ex.catalogue.currencies)
    except AmountError as exc:
        raise OperatorError(f"funds: {exc}") from None


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise OperatorError(f"{name}: expected a string")
    return value.strip() or None


def add_account(tx: Tx, ex: Exchange, body: dict[str, Any]) -> dict[str, Any]:
    funds = _funds(ex, body)
    try:
        creds = ledger.create_account(tx, _text(body, "name"), fee_ppm=fee_ppm(_text(body, "fee")))
    except (ledger.LedgerError, AmountError) as exc:
        raise OperatorError(str(exc)) from None
    ledger.fund(tx, creds.account_id, funds)
    return {"id": creds.account_id, "login": creds.login, "key": creds.key, "secret": creds.secret}


def deposit(tx: Tx, ex: Exchange, body: dict[str, Any]) -> dict[str, Any]:
    account_id = body.get("account")
    if not isinstance(account_id, int) or isinstance(account_id, bool) or not 0 < account_id < 2**63:
        raise OperatorError("account: expected an account id")
    if tx.scalar("SELECT id FROM accounts WHERE id = ? AND kind = 'user'", (account_id,)) is None:
        raise OperatorError(f"no user account {account_id}")
    funds = _funds(ex, body)
    if not funds:
        raise OperatorError("funds: nothing to deposit")
    try:
        ledger.fund(tx, account_id, funds)
    except ledger.LedgerError as exc:
        raise OperatorError(f"funds: {exc}") from None
    return {"id": account_id, "deposited": {code: str(units) for code, units in funds.items()}}


def seed_market(tx: Tx, ex: Exchange, body: dict[str, Any]) -> dict[str, Any]:
    pairs = body.get("pairs") or ([ex.default_pair.code] if ex.default_pair else [])
    if not isinstance(pairs, list) or not all(isinstance(p, str) for p in pairs):
        raise OperatorError("pairs: expected a list of pair codes")
    codes = [p.upper() for p in pairs]
    unknown = [p for p in codes if p not in ex.pairs]
    if unknown:
        raise OperatorError(f"unknown pair(s): {', '.join(unknown)}")
    return {"placed": marketmaker.seed(tx, ex, codes)}
