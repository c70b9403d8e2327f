"""How each kind of optional parameter must look on the wire at its edge values, written by hand.

The reference fixes the encodings; none of these values is computed by the SDK:
- an optional parameter left out (None) is absent from the request; any other value is sent,
  however falsy: `since=0` "starts at the beginning of history" (api-v0-v1.md 5, 6.1), while no
  `since` gives only the last 24 hours; `price_int=0` is a (refused) limit of zero, while no
  `price_int` is a market order (api-v2.md 4.1, api-streaming.md 3.1);
- booleans are `1`/`0` (api-v2.md 4.3: "Booleans as 0/1"), so False is `0`, never absent;
- `*_int` amounts are integers of the currency's smallest unit (api-v0-v1.md 4.1: BTC 1e8,
  USD and EUR 1e5, JPY and SEK 1e3), v0 amounts decimal text in the currency's places;
- an argument the units cannot hold (a fraction of the smallest unit, a negative amount, an
  integer below its minimum, an empty string where a value is expected) is refused before
  anything is sent, naming the parameter.

`RULES` maps each parameter type to (argument, expected wire text or REFUSED) pairs; the tests
take WHICH parameters are optional from the catalogue and their expected encodings from here.
`EDGE_GOLDEN` and `EDGE_STREAM_GOLDEN` pin whole requests for a few of them, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D
from typing import Final

from .golden_requests import Golden

REFUSED: Final = "REFUSED"

#: Decimal places of each currency's smallest unit (api-v0-v1.md 4.1; api-streaming.md 2.1).
DECIMALS: Final = {"BTC": 8, "USD": 5, "EUR": 5, "JPY": 3, "SEK": 3}
#: The smallest unit of each number of places, as decimal text (api-v0-v1.md 4.1's table).
ONE_UNIT_TEXT: Final = {8: "0.00000001", 5: "0.00001", 3: "0.001"}
#: The quote currency of a pair is the pair's last three letters (api-v2.md 1.2).
PAIRS: Final = {"BTCUSD": "USD", "BTCEUR": "EUR", "BTCJPY": "JPY", "BTCSEK": "SEK"}
#: v0's `Currency` when left out (api-v0-v1.md 5: "optional, default USD").
V0_DEFAULT_CURRENCY: Final = "USD"

Case = tuple[object, str]


def boolean_cases() -> list[Case]:
    """A bool is 1 or 0; the int 0 or the text "1" is not a bool, and is refused rather than guessed."""
    return [(False, "0"), (True, "1"), (0, REFUSED), ("1", REFUSED)]


def integer_cases(minimum: int | None, maximum: int | None) -> list[Case]:
    """Zero, the bounds themselves, one past each, a negative number, and a bool (not an integer here)."""
    floor = minimum if minimum is not None else 0
    cases: list[Case] = [(0, "0" if floor <= 0 else REFUSED), (floor, str(floor)), (floor - 1, REFUSED)]
    if floor > 0:
        cases.append((-1, REFUSED))
    if maximum is not None:
        cases += [(maximum, str(maximum)), (maximum + 1, REFUSED)]
    cases.append((False, REFUSED))
    return cases


def string_cases() -> list[Case]:
    """An empty string is refused (not silently dropped); a falsy-looking text is sent as is."""
    return [("", REFUSED), ("0", "0"), ("false", "false")]


def choice_cases(first: str) -> list[Case]:
    """Enums and currencies: a catalogued value is itself on the wire; an empty one is refused."""
    return [("", REFUSED), (first, first)]


def money_int_cases(decimals: int) -> list[Case]:
    """`*_int`: zero in any spelling is `0`, one smallest unit is `1`, anything finer is refused."""
    unit = D(ONE_UNIT_TEXT[decimals])
    return [
        (0, "0"),
        (D(0), "0"),
        (D("0.000"), "0"),
        (D("-0"), "0"),
        (unit, "1"),
        (D(ONE_UNIT_TEXT[decimals] + "0"), "1"),  # a trailing zero changes nothing
        (unit / 10, REFUSED),
        (-unit, REFUSED),
        (False, REFUSED),  # a bool is not an amount, though it is an int
    ]


def money_decimal_cases(decimals: int) -> list[Case]:
    """v0 decimal text: zero is `0`, the smallest unit its literal text, anything finer refused."""
    text = ONE_UNIT_TEXT[decimals]
    return [
        (0, "0"),
        (D("0.000"), "0"),
        (D("-0"), "0"),
        (D(text), text),
        (D(text + "00"), text),  # trailing zeros are not sent
        (D(text) / 10, REFUSED),
        (-D(text), REFUSED),
        (False, REFUSED),
    ]


# -- whole requests -------------------------------------------------------------------------------
# The nonce and key of golden_requests.py; the bodies list parameters in the SDK's order.

N = "1328626350245256"
ADDRESS = "15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs"

EDGE_GOLDEN: tuple[Golden, ...] = (
    Golden(
        "v2-order-add-price-zero-is-a-limit-not-a-market-order",
        "v2.order_add",
        {"pair": "BTCUSD", "type": "bid", "amount": D("0.01"), "price": 0},
        "POST",
        "/api/2/BTCUSD/money/order/add",
        body=f"type=bid&amount_int=1000000&price_int=0&nonce={N}",
        message=f"BTCUSD/money/order/add\x00type=bid&amount_int=1000000&price_int=0&nonce={N}",
    ),
    Golden(
        "v1-order-add-jpy-smallest-price-fee-in-btc",
        "v1.order_add",
        {"pair": "BTCJPY", "type": "ask", "amount": D("0.01"), "price": D("0.001"), "prefer_fiat_fee": False},
        "POST",
        "/api/1/BTCJPY/private/order/add",
        body=f"type=ask&amount_int=1000000&price_int=1&prefer_fiat_fee=0&nonce={N}",
        message=f"type=ask&amount_int=1000000&price_int=1&prefer_fiat_fee=0&nonce={N}",
    ),
    Golden(
        "v2-send-simple-zero-fee-and-false-flags",
        "v2.bitcoin_send_simple",
        {"address": ADDRESS, "amount": D("0.00000001"), "fee": D("0.00000000"), "no_instant": False, "green": False},
        "POST",
        "/api/2/money/bitcoin/send_simple",
        body=f"address={ADDRESS}&amount_int=1&fee_int=0&no_instant=0&green=0&nonce={N}",
        message=f"money/bitcoin/send_simple\x00address={ADDRESS}&amount_int=1&fee_int=0&no_instant=0&green=0&nonce={N}",
    ),
    Golden(
        "v2-trades-since-zero-is-all-history",
        "v2.trades_fetch",
        {"pair": "BTCEUR", "since": 0},
        "GET",
        "/api/2/BTCEUR/money/trades/fetch",
        query="since=0",
    ),
    Golden(
        "v1-trades-since-zero",
        "v1.trades",
        {"pair": "BTCUSD", "since": 0},
        "GET",
        "/api/1/BTCUSD/public/trades",
        query="since=0",
    ),
    Golden(
        "v2-quote-price-zero",
        "v2.order_quote",
        {"pair": "BTCUSD", "type": "bid", "amount": D("0.01"), "price": D("0")},
        "GET",
        "/api/2/BTCUSD/money/order/quote",
        query="type=bid&amount=1000000&price=0",
    ),
    Golden(
        "v2-block-list-depth-zero",
        "v2.bitcoin_block_list_tx",
        {"depth": 0},
        "GET",
        "/api/2/money/bitcoin/block_list_tx",
        query="depth=0",
    ),
    Golden(
        "v0-buy-jpy-price-zero",
        "v0.buy_btc",
        {"amount": D("0.01"), "price": 0, "currency": "JPY"},
        "POST",
        "/api/0/buyBTC.php",
        body=f"amount=0.01&price=0&Currency=JPY&nonce={N}",
        message=f"amount=0.01&price=0&Currency=JPY&nonce={N}",
    ),
    Golden(
        "v0-sell-sek-smallest-price",
        "v0.sell_btc",
        {"amount": D("0.01"), "price": D("0.00100"), "currency": "SEK"},
        "POST",
        "/api/0/sellBTC.php",
        body=f"amount=0.01&price=0.001&Currency=SEK&nonce={N}",
        message=f"amount=0.01&price=0.001&Currency=SEK&nonce={N}",
    ),
    Golden(
        "v0-buy-default-currency-smallest-price",
        "v0.buy_btc",
        {"amount": D("1"), "price": D("0.00001")},
        "POST",
        "/api/0/buyBTC.php",
        body=f"amount=1&price=0.00001&nonce={N}",
        message=f"amount=1&price=0.00001&nonce={N}",
    ),
    Golden(
        "v0-withdraw-green-false",
        "v0.withdraw",
        {"group1": "BTC", "btca": ADDRESS, "amount": D("0.5"), "green": False},
        "POST",
        "/api/0/withdraw.php",
        body=f"group1=BTC&btca={ADDRESS}&amount=0.5&green=0&nonce={N}",
        message=f"group1=BTC&btca={ADDRESS}&amount=0.5&green=0&nonce={N}",
    ),
    Golden(
        "v0-cancel-type-minimum",
        "v0.cancel_order",
        {"oid": "982174", "type": 1},
        "POST",
        "/api/0/cancelOrder.php",
        body=f"oid=982174&type=1&nonce={N}",
        message=f"oid=982174&type=1&nonce={N}",
    ),
    Golden(
        "v2-wallet-history-first-page-trade-id-zero",
        "v2.wallet_history",
        {"currency": "BTC", "page": 1, "trade_id": "0", "type": "in"},
        "POST",
        "/api/2/money/wallet/history",
        body=f"currency=BTC&page=1&type=in&trade_id=0&nonce={N}",
        message=f"money/wallet/history\x00currency=BTC&page=1&type=in&trade_id=0&nonce={N}",
    ),
)

#: (name, method, kwargs, the parameter the refusal names): nothing may be sent for these.
EDGE_REFUSED: tuple[tuple[str, str, dict[str, object], str], ...] = (
    ("page-zero", "v2.wallet_history", {"currency": "USD", "page": 0}, "page"),
    ("v0-cancel-type-zero", "v0.cancel_order", {"oid": "982174", "type": 0}, "type"),
    ("since-negative", "v2.trades_fetch", {"pair": "BTCUSD", "since": -1}, "since"),
    ("empty-description", "v2.bitcoin_address", {"description": ""}, "description"),
    ("empty-ipn", "v1.bitcoin_address", {"ipn": ""}, "ipn"),
    ("empty-enum", "v2.wallet_history", {"currency": "USD", "type": ""}, "type"),
    ("empty-v0-currency", "v0.ticker", {"currency": ""}, "currency"),
    ("empty-v0-order-currency", "v0.buy_btc", {"amount": D("1"), "price": D("1"), "currency": ""}, "currency"),
    (
        "usd-price-below-unit",
        "v2.order_add",
        {"pair": "BTCUSD", "type": "bid", "amount": 1, "price": D("1E-6")},
        "price",
    ),
    ("v0-jpy-price-below-unit", "v0.sell_btc", {"amount": 1, "price": D("0.0001"), "currency": "JPY"}, "price"),
    ("fee-negative-zero-unit", "v2.bitcoin_send_simple", {"address": ADDRESS, "amount": 1, "fee": D("-1E-8")}, "fee"),
    ("bool-as-price", "v2.order_add", {"pair": "BTCUSD", "type": "bid", "amount": 1, "price": False}, "price"),
)


@dataclass(frozen=True)
class StreamGolden:
    """A typed stream call and the exact JSON its signed blob carries (the call's id written `ID`)."""

    name: str
    method: str
    kwargs: dict[str, object]
    inner: str


EDGE_STREAM_GOLDEN: tuple[StreamGolden, ...] = (
    # api-streaming.md 3.1: id, call, params, item, currency, nonce; `price_int` left out only for a
    # market order. The SDK sends the integers as JSON strings of the same digits.
    StreamGolden(
        "order-add-price-zero",
        "order_add",
        {"pair": "BTCUSD", "type": "bid", "amount": D("0.01"), "price": 0},
        '{"id":"ID","call":"order/add","params":{"type":"bid","amount_int":"1000000","price_int":"0"},'
        f'"item":"BTC","currency":"USD","nonce":{N}}}',
    ),
    StreamGolden(
        "order-add-market",
        "order_add",
        {"pair": "BTCUSD", "type": "ask", "amount": D("0.01")},
        '{"id":"ID","call":"order/add","params":{"type":"ask","amount_int":"1000000"},'
        f'"item":"BTC","currency":"USD","nonce":{N}}}',
    ),
    StreamGolden(
        "order-add-sek-smallest-price",
        "order_add",
        {"pair": "BTCSEK", "type": "ask", "amount": D("0.01"), "price": D("0.001")},
        '{"id":"ID","call":"order/add","params":{"type":"ask","amount_int":"1000000","price_int":"1"},'
        f'"item":"BTC","currency":"SEK","nonce":{N}}}',
    ),
    StreamGolden(
        "send-simple-zero-fee-false-flags",
        "bitcoin_send_simple",
        {"address": ADDRESS, "amount": D("0.00000001"), "fee": 0, "no_instant": False, "green": False},
        '{"id":"ID","call":"bitcoin/send_simple","params":{"address":"' + ADDRESS + '","amount_int":"1",'
        f'"fee_int":"0","no_instant":"0","green":"0"}},"nonce":{N}}}',
    ),
    StreamGolden(
        "wallet-history-page-one-trade-id-zero",
        "wallet_history",
        {"currency": "EUR", "page": 1, "trade_id": "0"},
        f'{{"id":"ID","call":"wallet/history","params":{{"currency":"EUR","page":"1","trade_id":"0"}},"nonce":{N}}}',
    ),
)
