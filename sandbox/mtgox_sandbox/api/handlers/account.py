"""The account: info, idkey, open orders, wallet history (JSON and v0 CSV), own trades, funds.

Withdraw limits are fixed sandbox figures (BTC: 100 a day, no monthly limit; other
currencies: 10,000 a day, 50,000 a month), shown as Mt. Gox showed them and not enforced;
`Max_Withdraw` is the smaller of the daily limit and what is available.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ...core import idkey as idkeys
from ...core.errors import SandboxError, invalid_parameter
from ...core.money import datetime_text, number, plain
from ..context import MAX_INTEGER, Call, Text
from ..payloads import account_link, order_payload, trade_row
from ..registry import handles
from .shared import listed_orders, v0_funds, v0_orders_payload

HISTORY_PAGE = 50
#: 9999-12-31T23:59:59Z in Unix seconds: the latest date a `date_start`/`date_end` may name.
MAX_DATE = 253_402_300_799
MONTH = 30 * 86_400
DAILY_LIMIT = {"BTC": 100}
FIAT_DAILY_LIMIT = 10_000
FIAT_MONTHLY_LIMIT = 50_000
HISTORY_TYPES = ("in", "out", "spent", "earned", "fee", "deposit", "withdraw")


def _units(call: Call, whole: int, code: str) -> int:
    return whole * call.money[code].divisor


def wallet_payload(call: Call, code: str, balance: int, reserved: int, operations: int) -> dict[str, Any]:
    value_object = call.money.value_object
    virtual = call.money[code].virtual
    daily = _units(call, DAILY_LIMIT.get(code, 100 if virtual else FIAT_DAILY_LIMIT), code)
    monthly = None if virtual else value_object(_units(call, FIAT_MONTHLY_LIMIT, code), code)
    return {
        "Balance": value_object(balance, code),
        "Operations": operations,
        "Daily_Withdraw_Limit": value_object(daily, code),
        "Monthly_Withdraw_Limit": monthly,
        "Max_Withdraw": value_object(max(0, min(daily, balance - reserved)), code),
        "Open_Orders": value_object(reserved, code),
    }


def info_payload(call: Call) -> dict[str, Any]:
    tx = call.tx
    account = tx.one("SELECT * FROM accounts WHERE id = ?", (call.account_id,))
    assert account is not None
    wallets = {
        r["currency"]: wallet_payload(call, r["currency"], int(r["balance"]), int(r["reserved"]), int(r["operations"]))
        for r in tx.all(
            "SELECT currency, balance, reserved, operations FROM wallets WHERE account_id = ? ORDER BY currency",
            (call.account_id,),
        )
        if r["currency"] in call.exchange.catalogue.currencies
    }
    item = call.exchange.item
    volume = tx.scalar(
        "SELECT COALESCE(SUM(trade_amount), 0) FROM history WHERE account_id = ? AND currency = ?"
        " AND type IN ('in', 'out') AND date >= ?",
        (call.account_id, item, tx.now - MONTH),
    )
    return {
        "Login": account["login"],
        "Index": str(account["id"]),
        "Id": account["uuid"],
        "Rights": sorted(call.rights),
        "Language": "en_US",
        "Created": datetime_text(int(account["created"])),
        "Last_Login": datetime_text(int(account["last_login"] or account["created"])),
        "Wallets": wallets,
        "Monthly_Volume": call.money.value_object(int(volume), item),
        "Trade_Fee": number(int(account["trade_fee_ppm"]), 4),
        "Link": account_link(str(account["uuid"])),
    }


@handles("v0", "info.php")
@handles("v1", "generic/private/info", "generic/info")
@handles("v2", "money/info")
def info(call: Call) -> Any:
    return info_payload(call)


@handles("v1", "generic/private/idkey", "generic/idkey")
@handles("v2", "money/idkey")
def idkey(call: Call) -> Any:
    """A key for the private streaming channel (core/idkey.py)."""
    account_uuid = str(call.tx.scalar("SELECT uuid FROM accounts WHERE id = ?", (call.account_id,)))
    return idkeys.issue(call.tx, account_uuid)


@handles("v2", "stream/private_get")
def stream_private_get(call: Call) -> Any:
    """The account's PubNub channel (its uuid, as on the websocket), the auth key its subscribe
    needs and the cipher key of its messages (core/idkey.py)."""
    stream = call.exchange.catalogue.stream
    pubnub = stream.transports.pubnub if stream is not None else None
    if pubnub is None:
        raise SandboxError("This exchange streams no PubNub channels", "method_not_found", "not_found")
    channel = str(call.tx.scalar("SELECT uuid FROM accounts WHERE id = ?", (call.account_id,)))
    auth, cipher = idkeys.pubnub_keys(call.tx, channel)
    return {"sub": pubnub.subscribe_key, "channel": channel, "auth": auth, "cipher": cipher}


# -- orders ------------------------------------------------------------------------------------


@handles("v1", "generic/private/orders", "generic/orders", "{pair}/private/orders", "{pair}/orders")
@handles("v2", "money/orders")
def orders(call: Call) -> Any:
    pairs = call.exchange.pairs
    return [order_payload(call.money, pairs[r["pair"]], r) for r in listed_orders(call)]


@handles("v0", "getFunds.php")
def get_funds(call: Call) -> Any:
    return v0_funds(call)


@handles("v0", "getOrders.php")
def get_orders(call: Call) -> Any:
    return v0_orders_payload(call)


# -- history -----------------------------------------------------------------------------------


def _date_bound(call: Call, name: str, *, end: bool) -> int | None:
    text = (call.get(name) or "").strip()
    if not text:
        return None
    if text.isdigit():  # Unix seconds, up to the end of year 9999 (a longer number overflowed SQLite)
        return call.integer(name, minimum=0, maximum=MAX_DATE)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_parameter(name, "Unix seconds or YYYY-MM-DD") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    seconds = int(parsed.timestamp())
    if end and len(text) == 10:
        seconds += 86_399  # a date alone covers the whole day
    return seconds


#: Parameters: ?1 type, ?2 date_start, ?3 date_end, ?4 trade_id (each may be NULL), ?5 account, ?6 currency.
_HISTORY_WHERE = (
    " FROM history WHERE account_id = ?5 AND currency = ?6 AND (?1 IS NULL OR type = ?1)"
    " AND (?2 IS NULL OR date >= ?2) AND (?3 IS NULL OR date <= ?3) AND (?4 IS NULL OR tid = ?4)"
)
_HISTORY_COUNT = "SELECT COUNT(*)" + _HISTORY_WHERE
_HISTORY_PAGE = "SELECT *" + _HISTORY_WHERE + " ORDER BY idx DESC LIMIT ?7 OFFSET ?8"


def _history_filter(call: Call, currency: str) -> list[Any]:
    """The filters of wallet/history: type, date_start, date_end, trade_id (each optional)."""
    kind = (call.get("type") or "").strip() or None
    if kind is not None and kind not in HISTORY_TYPES:
        raise invalid_parameter("type", "should be one of " + ", ".join(HISTORY_TYPES))
    start, stop = _date_bound(call, "date_start", end=False), _date_bound(call, "date_end", end=True)
    return [kind, start, stop, call.integer("trade_id"), call.account_id, currency]


def history_entry(call: Call, currency: str, r: Any) -> dict[str, Any]:
    value_object = call.money.value_object
    entry: dict[str, Any] = {
        "Index": str(r["idx"]),
        "Date": int(r["date"]),
        "Type": r["type"],
        "Value": value_object(int(r["value"]), currency),
        "Balance": value_object(int(r["balance"]), currency),
        "Info": r["info"],
        "Link": [r["link_id"], r["link_kind"], r["link_ref"]],
    }
    if r["tid"] is not None:
        entry["Trade"] = {
            "oid": r["oid"],
            "app": None,
            "tid": str(r["tid"]),
            "Amount": value_object(int(r["trade_amount"]), call.exchange.item),
            "Properties": r["trade_properties"],
        }
    return entry


@handles("v1", "generic/private/wallet/history", "generic/wallet/history")
@handles("v2", "money/wallet/history")
def wallet_history(call: Call) -> Any:
    currency = call.currency_code("currency")
    page = call.integer("page", minimum=1, maximum=MAX_INTEGER // HISTORY_PAGE) or 1
    params = _history_filter(call, currency)
    records = int(call.tx.scalar(_HISTORY_COUNT, params))
    rows = call.tx.all(_HISTORY_PAGE, [*params, HISTORY_PAGE, (page - 1) * HISTORY_PAGE])
    return {
        "records": str(records),
        "result": [history_entry(call, currency, r) for r in rows],
        "current_page": page,
        "max_page": max(1, -(-records // HISTORY_PAGE)),
        "max_results": HISTORY_PAGE,
    }


_CSV_CURRENCY = re.compile(r"history_([A-Za-z]{3})\.csv", re.IGNORECASE)


@handles("v0", "history_{currency}.csv", "history_BTC.csv", "history_USD.csv")
def history_csv(call: Call) -> Any:
    code = call.path_params.get("currency")
    if code is None:
        m = _CSV_CURRENCY.search(call.endpoint.path)
        if m is None:
            raise SandboxError("Unknown history file", "invalid_parameter")
        code = m.group(1).upper()
    places = call.money.places(code)
    lines = ["Index,Date,Type,Info,Value,Balance"]
    for r in call.tx.all(
        "SELECT idx, date, type, info, value, balance FROM history WHERE account_id = ? AND currency = ? ORDER BY idx",
        (call.account_id, code),
    ):
        info = str(r[3]).replace('"', '""')
        lines.append(
            f'{r[0]},"{datetime_text(int(r[1]))}",{r[2]},"{info}",{plain(int(r[4]), places)},{plain(int(r[5]), places)}'
        )
    return Text("\n".join(lines) + "\n", "text/csv; charset=utf-8")


@handles("v1", "generic/private/trades", "{pair}/private/trades")
@handles("v2", "money/trades/mine", "{pair}/money/trades/mine")
def own_trades(call: Call) -> Any:
    """The account's trades (fees not included), as public trade rows, oldest first."""
    pair_code = call.path_params.get("pair")
    since = call.integer("since") or 0
    sql = (
        "SELECT t.tid, t.date, t.price, t.amount, t.trade_type, t.properties, t.pair FROM trades t"
        " WHERE t.tid IN (SELECT tid FROM history WHERE account_id = ? AND currency = ? AND tid IS NOT NULL)"
        " AND t.tid > ?"
    )
    params: list[Any] = [call.account_id, call.exchange.item, since]
    if pair_code:
        sql += " AND t.pair = ?"
        params.append(pair_code)
    rows = call.tx.all(sql + " ORDER BY t.tid", params)
    return [trade_row(call.money, call.exchange.pairs[r["pair"]], r) for r in rows if r["pair"] in call.exchange.pairs]
