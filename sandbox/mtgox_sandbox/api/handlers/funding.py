"""Money in and out: deposit addresses, bitcoin withdrawals, Mt. Gox codes.

- Deposit addresses are real-looking base58check P2PKH addresses (version 0, random hash),
  stored per account. Without a `description` the account's current address comes back
  (made on first use); with one, a new address each call, as Mt. Gox did.
- `send_simple` / v0 `withdraw.php` (group1=BTC) debit amount + `fee_int` (at most 0.01 BTC)
  from the available BTC, or answer `insufficient_funds`. Sent to an address of another
  sandbox account (and without `no_instant`), the coins move at once, without fee, and the
  answer's `trx` is a UUID, as Mt. Gox's instant transfers; otherwise they leave the exchange
  and `trx` is a made-up 64-hex transaction id.
- v0 BTC2CODE / USD2CODE make a redeemable `MTGOX-<CUR>-XXXXX-XXXXX-XXXXX-XXXXX` code (the
  money leaves the account until `redeemCode.php` credits it to whoever redeems it); DWUSD
  (Dwolla) just withdraws.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from ...core import ledger
from ...core.bitcoin import new_address
from ...core.errors import SandboxError, insufficient_funds, invalid_parameter, missing_parameter
from ..context import Call
from ..payloads import account_link
from ..registry import handles

_ADDRESS = re.compile(r"[123mn][1-9A-HJ-NP-Za-km-z]{25,34}")
_DWOLLA = re.compile(r"[0-9]{3}-[0-9]{3}-[0-9]{4}")
_CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_MINER_FEE = 1_000_000  # 0.01 BTC


def deposit_address(call: Call) -> str:
    description = (call.get("description") or "").strip() or None
    ipn = (call.get("ipn") or "").strip() or None
    if description is None:
        current = call.tx.scalar(
            "SELECT addr FROM addresses WHERE account_id = ? AND description IS NULL ORDER BY created DESC LIMIT 1",
            (call.account_id,),
        )
        if current is not None:
            return str(current)
    addr = new_address()
    call.tx.execute(
        "INSERT INTO addresses (addr, account_id, description, ipn, created) VALUES (?, ?, ?, ?, ?)",
        (addr, call.account_id, description, ipn, call.tx.now),
    )
    return addr


@handles("v0", "btcAddress.php")
@handles("v1", "generic/bitcoin/address", "generic/private/bitcoin/address")
@handles("v2", "money/bitcoin/address")
def bitcoin_address(call: Call) -> Any:
    return {"addr": deposit_address(call)}


@handles("v2", "money/bitcoin/get_address")
def bitcoin_get_address(call: Call) -> Any:
    """The deposit address of the account whose `Link` (money/info) is given: the caller's own only."""
    link = call.require("account").strip().lower()
    account_uuid = call.tx.scalar("SELECT uuid FROM accounts WHERE id = ?", (call.account_id,))
    if link != account_link(str(account_uuid)):
        raise invalid_parameter("account", "the Link of this key's account, from money/info")
    return {"addr": deposit_address(call)}


@handles("v2", "money/bitcoin/null")
@handles("v1", "generic/bitcoin/null")
def bitcoin_null(call: Call) -> Any:
    return {"addr": new_address()}  # linked to nothing: coins sent there are lost


def send_bitcoin(call: Call, address: str, amount: int, fee: int, *, instant_allowed: bool) -> str:
    """Debit and send; returns the transaction id (a UUID for an instant transfer)."""
    if not _ADDRESS.fullmatch(address):
        raise invalid_parameter("address", "not a bitcoin address")
    if amount <= 0:
        raise invalid_parameter("amount_int")
    if not 0 <= fee <= MAX_MINER_FEE:
        raise invalid_parameter("fee_int", "at most 0.01 BTC")
    item = call.exchange.item
    recipient = call.tx.scalar("SELECT account_id FROM addresses WHERE addr = ?", (address,))
    instant = instant_allowed and recipient is not None
    total = amount if instant else amount + fee
    if ledger.available(call.tx, call.account_id, item) < total:
        raise insufficient_funds(item)
    if instant:
        trx = str(uuid.uuid4())
        ledger.post(
            call.tx,
            call.account_id,
            item,
            -amount,
            "withdraw",
            f"Instant transfer to {address}",
            ("Money_Bitcoin_Instant", trx),
        )
        ledger.post(call.tx, int(recipient), item, amount, "deposit", address, ("Money_Bitcoin_Instant", trx))
        return trx
    trx = secrets.token_hex(32)
    link = ("Money_Bitcoin_Tx", trx)
    ledger.post(call.tx, call.account_id, item, -amount, "withdraw", f"Bitcoin withdraw to {address}", link)
    ledger.external(call.tx, call.account_id, item, -amount, "withdraw", trx)
    if fee:
        ledger.post(call.tx, call.account_id, item, -fee, "fee", f"Bitcoin transaction fee for {trx}", link)
        ledger.external(call.tx, call.account_id, item, -fee, "miner_fee", trx)
    return trx


@handles("v1", "generic/bitcoin/send_simple", "generic/private/bitcoin/send_simple")
@handles("v2", "money/bitcoin/send_simple")
def send_simple(call: Call) -> Any:
    address = call.require("address").strip()
    amount = call.integer("amount_int", required=True)
    assert amount is not None
    fee = call.integer("fee_int") or 0
    return {"trx": send_bitcoin(call, address, amount, fee, instant_allowed=not call.flag("no_instant"))}


def _debit_out(call: Call, code: str, amount: int, info: str, kind: str, reference: str) -> None:
    if ledger.available(call.tx, call.account_id, code) < amount:
        raise insufficient_funds(code)
    ledger.post(call.tx, call.account_id, code, -amount, "withdraw", info, (kind, reference))
    ledger.external(call.tx, call.account_id, code, -amount, kind, reference)


def _new_code(currency: str) -> str:
    groups = ["".join(secrets.choice(_CODE_CHARS) for _ in range(5)) for _ in range(4)]
    return f"MTGOX-{currency}-" + "-".join(groups)


@handles("v0", "withdraw.php")
def withdraw(call: Call) -> Any:
    group = (call.get("group1") or "").strip().upper()
    if not group:
        raise missing_parameter("group1")
    if group == "BTC":
        address = call.require("btca").strip()
        amount = call.decimal_units("amount", call.exchange.item, required=True)
        if not amount:
            raise SandboxError("Please enter a valid amount", "invalid_parameter")
        trx = send_bitcoin(call, address, amount, 0, instant_allowed=True)
        return {"status": f"Funds are on their way (bitcoin transaction: {trx})", "reference": str(uuid.uuid4())}
    if group in ("BTC2CODE", "USD2CODE", "DWUSD"):
        code = call.exchange.item if group == "BTC2CODE" else call.currency_code("Currency", default="USD")
        if group == "DWUSD":
            code = "USD"
        amount = call.decimal_units("amount", code, required=True)
        if not amount:
            raise SandboxError("Please enter a valid amount", "invalid_parameter")
        reference = str(uuid.uuid4())
        if group == "DWUSD":
            if not _DWOLLA.fullmatch((call.get("dwaccount") or "").strip()):
                raise SandboxError("Invalid Dwolla account", "invalid_parameter")
            _debit_out(call, code, amount, "Dwolla withdraw", "dwolla", reference)
            return {"status": "Your funds are on their way...", "reference": reference}
        text = _new_code(code)
        _debit_out(call, code, amount, f"Code {text}", "code", reference)
        call.tx.execute(
            "INSERT INTO codes (code, currency, amount, created_by, reference, created) VALUES (?, ?, ?, ?, ?, ?)",
            (text, code, amount, call.account_id, reference, call.tx.now),
        )
        return {"status": f"Generated new code: {text}", "code": text, "reference": reference}
    raise invalid_parameter("group1", "should be BTC, BTC2CODE, USD2CODE or DWUSD")


@handles("v0", "redeemCode.php")
def redeem_code(call: Call) -> Any:
    text = call.require("code").strip().upper()
    row = call.tx.one("SELECT * FROM codes WHERE code = ? AND redeemed_by IS NULL", (text,))
    if row is None:
        raise SandboxError("Invalid code", "invalid_parameter")
    code, amount = row["currency"], int(row["amount"])
    reference = str(uuid.uuid4())
    call.tx.execute("UPDATE codes SET redeemed_by = ? WHERE code = ?", (call.account_id, text))
    ledger.post(call.tx, call.account_id, code, amount, "deposit", f"Code {text}", ("code", reference))
    ledger.external(call.tx, call.account_id, code, amount, "code", reference)
    shown = call.money.plain(amount, code)
    return {
        "amount": call.money.number(amount, code),
        "currency": code,
        "reference": reference,
        "status": f"Your account has been credited by {shown} {code}",
    }
