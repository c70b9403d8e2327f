"""Golden requests, written by hand from the API reference (never computed from endpoints.yaml).

Each record is one call of the generated client and the exact request Mt. Gox expected for it:
HTTP method, URL path, query string, form body byte for byte (parameters in the SDK's order,
nonce last) and, for signed calls, the exact message the HMAC covers. Sources, by section of
`../shared/reference/`:

- divisors (api-v0-v1.md 4.1): BTC 1e8, USD/EUR 1e5, JPY and SEK 1e3; v0 takes decimal text;
- the v0 `Currency` parameter is spelled with a capital C (api-v0-v1.md 5);
- v0/v1 sign the body, v2 signs `path + NUL + body` with the path after `/api/2/` (api-v2.md 1.4);
- literal examples of the reference reused here: the body
  `type=bid&amount_int=88000000&price_int=89000&nonce=...` (api-v0-v1.md 2.2), the URLs
  `BTCEUR/trades?since=1316312781670700` (api-v0-v1.md 6.1) and
  `BTCUSD/money/trades/fetch?since=1364767190000000` (api-v2.md 1.2).

The nonce of every signed call is signing.NONCE = 1328626350245256, written out below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal as D


@dataclass(frozen=True)
class Golden:
    name: str
    method: str  # "v2.order_add": the client namespace and method
    kwargs: dict[str, object]
    http: str
    path: str  # the URL path, from /api/
    query: str = ""
    body: str = ""  # the exact form body of a POST
    message: str = ""  # the exact signed bytes ("" for a public call)
    notes: tuple[str, ...] = field(default=())


INT64_MAX_BTC = D("92233720368.54775807")  # 2**63 - 1 satoshi: the largest amount Mt. Gox could hold

GOLDEN: tuple[Golden, ...] = (
    # -- v0: public GETs -----------------------------------------------------------------------
    Golden("v0-trades-bare", "v0.get_trades", {}, "GET", "/api/0/data/getTrades.php"),
    Golden(
        "v0-trades-jpy-since0",
        "v0.get_trades",
        {"currency": "JPY", "since": 0},
        "GET",
        "/api/0/data/getTrades.php",
        query="Currency=JPY&since=0",
    ),
    Golden(
        "v0-depth-sek", "v0.get_depth", {"currency": "SEK"}, "GET", "/api/0/data/getDepth.php", query="Currency=SEK"
    ),
    Golden("v0-ticker", "v0.ticker", {}, "GET", "/api/0/data/ticker.php"),
    # -- v0: signed POSTs, decimal amounts ---------------------------------------------------------
    # The reference's own test vector: this body and this secret give the published Rest-Sign.
    Golden(
        "v0-funds",
        "v0.get_funds",
        {},
        "POST",
        "/api/0/getFunds.php",
        body="nonce=1328626350245256",
        message="nonce=1328626350245256",
    ),
    Golden(
        "v0-info",
        "v0.info",
        {},
        "POST",
        "/api/0/info.php",
        body="nonce=1328626350245256",
        message="nonce=1328626350245256",
    ),
    Golden(
        "v0-buy-market-minimum",
        "v0.buy_btc",
        {"amount": D("0.01")},
        "POST",
        "/api/0/buyBTC.php",
        body="amount=0.01&nonce=1328626350245256",
        message="amount=0.01&nonce=1328626350245256",
    ),
    Golden(
        "v0-buy-usd-limit",
        "v0.buy_btc",
        {"amount": D("1.5"), "price": D("6.5"), "currency": "USD"},
        "POST",
        "/api/0/buyBTC.php",
        body="amount=1.5&price=6.5&Currency=USD&nonce=1328626350245256",
        message="amount=1.5&price=6.5&Currency=USD&nonce=1328626350245256",
    ),
    Golden(
        "v0-sell-jpy-trailing-zeros",
        "v0.sell_btc",
        {"amount": D("0.10000000"), "price": D("9500.120"), "currency": "JPY"},
        "POST",
        "/api/0/sellBTC.php",
        body="amount=0.1&price=9500.12&Currency=JPY&nonce=1328626350245256",
        message="amount=0.1&price=9500.12&Currency=JPY&nonce=1328626350245256",
    ),
    Golden(
        "v0-sell-sek-smallest-price-largest-amount",
        "v0.sell_btc",
        {"amount": INT64_MAX_BTC, "price": D("0.001"), "currency": "SEK"},
        "POST",
        "/api/0/sellBTC.php",
        body="amount=92233720368.54775807&price=0.001&Currency=SEK&nonce=1328626350245256",
        message="amount=92233720368.54775807&price=0.001&Currency=SEK&nonce=1328626350245256",
    ),
    Golden(
        "v0-buy-usd-smallest-price",
        "v0.buy_btc",
        {"amount": D("2"), "price": D("0.00001")},
        "POST",
        "/api/0/buyBTC.php",
        body="amount=2&price=0.00001&nonce=1328626350245256",
        message="amount=2&price=0.00001&nonce=1328626350245256",
    ),
    Golden(
        "v0-cancel-with-type",
        "v0.cancel_order",
        {"oid": "490a214f-9a30-449f-acb8-780f9046502f", "type": 2},
        "POST",
        "/api/0/cancelOrder.php",
        body="oid=490a214f-9a30-449f-acb8-780f9046502f&type=2&nonce=1328626350245256",
        message="oid=490a214f-9a30-449f-acb8-780f9046502f&type=2&nonce=1328626350245256",
    ),
    Golden(
        "v0-cancel-without-type",
        "v0.cancel_order",
        {"oid": "982174"},
        "POST",
        "/api/0/cancelOrder.php",
        body="oid=982174&nonce=1328626350245256",
        message="oid=982174&nonce=1328626350245256",
    ),
    Golden(
        "v0-withdraw-btc-green",
        "v0.withdraw",
        {"group1": "BTC", "btca": "171dH9Uum6wWLSwH2g8g2yto6SG7NEGyXG", "amount": D("0.00000001"), "green": True},
        "POST",
        "/api/0/withdraw.php",
        body="group1=BTC&btca=171dH9Uum6wWLSwH2g8g2yto6SG7NEGyXG&amount=0.00000001&green=1&nonce=1328626350245256",
        message="group1=BTC&btca=171dH9Uum6wWLSwH2g8g2yto6SG7NEGyXG&amount=0.00000001&green=1&nonce=1328626350245256",
    ),
    Golden(
        "v0-withdraw-dwolla",
        "v0.withdraw",
        {"group1": "DWUSD", "amount": D("25.50"), "dwaccount": "812-555-0199"},
        "POST",
        "/api/0/withdraw.php",
        body="group1=DWUSD&amount=25.5&dwaccount=812-555-0199&nonce=1328626350245256",
        message="group1=DWUSD&amount=25.5&dwaccount=812-555-0199&nonce=1328626350245256",
    ),
    Golden(
        "v0-address-with-description",
        "v0.btc_address",
        {"description": "my deposit"},
        "POST",
        "/api/0/btcAddress.php",
        body="description=my+deposit&nonce=1328626350245256",
        message="description=my+deposit&nonce=1328626350245256",
    ),
    Golden(
        "v0-history-sek-csv",
        "v0.history_csv",
        {"currency": "SEK"},
        "POST",
        "/api/0/history_SEK.csv",
        body="nonce=1328626350245256",
        message="nonce=1328626350245256",
    ),
    # -- v1: public GETs -----------------------------------------------------------------------
    Golden("v1-ticker-jpy", "v1.ticker", {"pair": "BTCJPY"}, "GET", "/api/1/BTCJPY/public/ticker"),
    Golden(
        "v1-trades-since-wiki-example",
        "v1.trades",
        {"pair": "BTCEUR", "since": 1316312781670700},
        "GET",
        "/api/1/BTCEUR/public/trades",
        query="since=1316312781670700",
    ),
    Golden("v1-trades-bare", "v1.trades", {"pair": "BTCUSD"}, "GET", "/api/1/BTCUSD/public/trades"),
    Golden(
        "v1-currency",
        "v1.currency",
        {"currency": "USD"},
        "GET",
        "/api/1/generic/public/currency",
        query="currency=USD",
    ),
    # -- v1: signed POSTs, *_int amounts -------------------------------------------------------
    Golden(
        "v1-info",
        "v1.info",
        {},
        "POST",
        "/api/1/generic/private/info",
        body="nonce=1328626350245256",
        message="nonce=1328626350245256",
    ),
    # The reference's example body (api-v0-v1.md 2.2): 0.88 BTC at 0.89 USD.
    Golden(
        "v1-order-add-reference-example",
        "v1.order_add",
        {"pair": "BTCUSD", "type": "bid", "amount": D("0.88"), "price": D("0.89")},
        "POST",
        "/api/1/BTCUSD/private/order/add",
        body="type=bid&amount_int=88000000&price_int=89000&nonce=1328626350245256",
        message="type=bid&amount_int=88000000&price_int=89000&nonce=1328626350245256",
    ),
    Golden(
        "v1-order-add-jpy",
        "v1.order_add",
        {"pair": "BTCJPY", "type": "ask", "amount": D("0.01"), "price": D("12345.678")},
        "POST",
        "/api/1/BTCJPY/private/order/add",
        body="type=ask&amount_int=1000000&price_int=12345678&nonce=1328626350245256",
        message="type=ask&amount_int=1000000&price_int=12345678&nonce=1328626350245256",
    ),
    Golden(
        "v1-order-add-sek-int-amount",
        "v1.order_add",
        {"pair": "BTCSEK", "type": "bid", "amount": 1, "price": D("650.5")},
        "POST",
        "/api/1/BTCSEK/private/order/add",
        body="type=bid&amount_int=100000000&price_int=650500&nonce=1328626350245256",
        message="type=bid&amount_int=100000000&price_int=650500&nonce=1328626350245256",
    ),
    Golden(
        "v1-order-add-market-largest-amount",
        "v1.order_add",
        {"pair": "BTCUSD", "type": "ask", "amount": INT64_MAX_BTC},
        "POST",
        "/api/1/BTCUSD/private/order/add",
        body="type=ask&amount_int=9223372036854775807&nonce=1328626350245256",
        message="type=ask&amount_int=9223372036854775807&nonce=1328626350245256",
    ),
    Golden(
        "v1-order-add-fiat-fee",
        "v1.order_add",
        {"pair": "BTCEUR", "type": "bid", "amount": D("0.1"), "price": D("75.12345"), "prefer_fiat_fee": True},
        "POST",
        "/api/1/BTCEUR/private/order/add",
        body="type=bid&amount_int=10000000&price_int=7512345&prefer_fiat_fee=1&nonce=1328626350245256",
        message="type=bid&amount_int=10000000&price_int=7512345&prefer_fiat_fee=1&nonce=1328626350245256",
    ),
    Golden(
        "v1-order-cancel",
        "v1.order_cancel",
        {"pair": "BTCUSD", "oid": "490a214f-9a30-449f-acb8-780f9046502f"},
        "POST",
        "/api/1/BTCUSD/private/order/cancel",
        body="oid=490a214f-9a30-449f-acb8-780f9046502f&nonce=1328626350245256",
        message="oid=490a214f-9a30-449f-acb8-780f9046502f&nonce=1328626350245256",
    ),
    Golden(
        "v1-order-result",
        "v1.order_result",
        {"type": "bid", "oid": "490a214f-9a30-449f-acb8-780f9046502f"},
        "POST",
        "/api/1/generic/private/order/result",
        body="type=bid&order=490a214f-9a30-449f-acb8-780f9046502f&nonce=1328626350245256",
        message="type=bid&order=490a214f-9a30-449f-acb8-780f9046502f&nonce=1328626350245256",
    ),
    Golden(
        "v1-wallet-history-required-only",
        "v1.wallet_history",
        {"currency": "BTC"},
        "POST",
        "/api/1/generic/private/wallet/history",
        body="currency=BTC&nonce=1328626350245256",
        message="currency=BTC&nonce=1328626350245256",
    ),
    Golden(
        "v1-wallet-history-filters",
        "v1.wallet_history",
        {"currency": "USD", "type": "fee", "page": 2},
        "POST",
        "/api/1/generic/private/wallet/history",
        body="currency=USD&type=fee&page=2&nonce=1328626350245256",
        message="currency=USD&type=fee&page=2&nonce=1328626350245256",
    ),
    Golden(
        "v1-send-simple-smallest-amount",
        "v1.bitcoin_send_simple",
        {
            "address": "15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs",
            "amount": D("0.00000001"),
            "fee": D("0.0005"),
            "no_instant": True,
            "green": False,
        },
        "POST",
        "/api/1/generic/bitcoin/send_simple",
        body="address=15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs&amount_int=1&fee_int=50000&no_instant=1&green=0"
        "&nonce=1328626350245256",
        message="address=15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs&amount_int=1&fee_int=50000&no_instant=1&green=0"
        "&nonce=1328626350245256",
    ),
    Golden(
        "v1-address-bare",
        "v1.bitcoin_address",
        {},
        "POST",
        "/api/1/generic/bitcoin/address",
        body="nonce=1328626350245256",
        message="nonce=1328626350245256",
    ),
    # -- v2: public GETs -----------------------------------------------------------------------
    Golden("v2-ticker", "v2.ticker", {"pair": "BTCUSD"}, "GET", "/api/2/BTCUSD/money/ticker"),
    Golden(
        "v2-trades-since-reference-example",
        "v2.trades_fetch",
        {"pair": "BTCUSD", "since": 1364767190000000},
        "GET",
        "/api/2/BTCUSD/money/trades/fetch",
        query="since=1364767190000000",
    ),
    Golden(
        "v2-quote-jpy",
        "v2.order_quote",
        {"pair": "BTCJPY", "type": "bid", "amount": D("1"), "price": D("10000.5")},
        "GET",
        "/api/2/BTCJPY/money/order/quote",
        query="type=bid&amount=100000000&price=10000500",
    ),
    Golden(
        "v2-quote-without-price",
        "v2.order_quote",
        {"pair": "BTCSEK", "type": "ask", "amount": D("0.5")},
        "GET",
        "/api/2/BTCSEK/money/order/quote",
        query="type=ask&amount=50000000",
    ),
    # -- v2: signed POSTs, the path is signed too ----------------------------------------------
    Golden(
        "v2-info",
        "v2.info",
        {},
        "POST",
        "/api/2/money/info",
        body="nonce=1328626350245256",
        message="money/info\x00nonce=1328626350245256",
    ),
    Golden(
        "v2-order-add-jpy",
        "v2.order_add",
        {"pair": "BTCJPY", "type": "bid", "amount": D("0.5"), "price": D("9999.999")},
        "POST",
        "/api/2/BTCJPY/money/order/add",
        body="type=bid&amount_int=50000000&price_int=9999999&nonce=1328626350245256",
        message="BTCJPY/money/order/add\x00type=bid&amount_int=50000000&price_int=9999999&nonce=1328626350245256",
    ),
    Golden(
        "v2-order-add-sek-smallest-price",
        "v2.order_add",
        {"pair": "BTCSEK", "type": "ask", "amount": D("0.01"), "price": D("0.001")},
        "POST",
        "/api/2/BTCSEK/money/order/add",
        body="type=ask&amount_int=1000000&price_int=1&nonce=1328626350245256",
        message="BTCSEK/money/order/add\x00type=ask&amount_int=1000000&price_int=1&nonce=1328626350245256",
    ),
    Golden(
        "v2-order-add-usd-smallest-price",
        "v2.order_add",
        {"pair": "BTCUSD", "type": "bid", "amount": D("1"), "price": D("0.00001")},
        "POST",
        "/api/2/BTCUSD/money/order/add",
        body="type=bid&amount_int=100000000&price_int=1&nonce=1328626350245256",
        message="BTCUSD/money/order/add\x00type=bid&amount_int=100000000&price_int=1&nonce=1328626350245256",
    ),
    Golden(
        "v2-order-add-market",
        "v2.order_add",
        {"pair": "BTCUSD", "type": "ask", "amount": D("0.01")},
        "POST",
        "/api/2/BTCUSD/money/order/add",
        body="type=ask&amount_int=1000000&nonce=1328626350245256",
        message="BTCUSD/money/order/add\x00type=ask&amount_int=1000000&nonce=1328626350245256",
    ),
    Golden(
        "v2-order-cancel",
        "v2.order_cancel",
        {"oid": "490a214f-9a30-449f-acb8-780f9046502f"},
        "POST",
        "/api/2/money/order/cancel",
        body="oid=490a214f-9a30-449f-acb8-780f9046502f&nonce=1328626350245256",
        message="money/order/cancel\x00oid=490a214f-9a30-449f-acb8-780f9046502f&nonce=1328626350245256",
    ),
    Golden(
        "v2-order-result-eur",
        "v2.order_result",
        {"pair": "BTCEUR", "type": "ask", "oid": "490a214f-9a30-449f-acb8-780f9046502f"},
        "POST",
        "/api/2/BTCEUR/money/order/result",
        body="type=ask&order=490a214f-9a30-449f-acb8-780f9046502f&nonce=1328626350245256",
        message="BTCEUR/money/order/result\x00type=ask&order=490a214f-9a30-449f-acb8-780f9046502f"
        "&nonce=1328626350245256",
    ),
    Golden(
        "v2-wallet-history-jpy-page",
        "v2.wallet_history",
        {"currency": "JPY", "page": 1},
        "POST",
        "/api/2/money/wallet/history",
        body="currency=JPY&page=1&nonce=1328626350245256",
        message="money/wallet/history\x00currency=JPY&page=1&nonce=1328626350245256",
    ),
    Golden(
        "v2-send-simple-largest-amount-largest-fee",
        "v2.bitcoin_send_simple",
        {"address": "15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs", "amount": INT64_MAX_BTC, "fee": D("0.01")},
        "POST",
        "/api/2/money/bitcoin/send_simple",
        body="address=15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs&amount_int=9223372036854775807&fee_int=1000000"
        "&nonce=1328626350245256",
        message="money/bitcoin/send_simple\x00address=15xmfK1f1BnUWVaoZpjPWJmUHaexp8FHVs"
        "&amount_int=9223372036854775807&fee_int=1000000&nonce=1328626350245256",
    ),
    Golden(
        "v2-ticket-jpy",
        "v2.ticket_create",
        {"currency": "JPY", "amount": D("1000.001"), "partner": "bitinstant"},
        "POST",
        "/api/2/money/ticket/create",
        body="currency=JPY&amount_int=1000001&partner=bitinstant&nonce=1328626350245256",
        message="money/ticket/create\x00currency=JPY&amount_int=1000001&partner=bitinstant&nonce=1328626350245256",
    ),
    Golden(
        "v2-ticket-sek-with-otp",
        "v2.ticket_create",
        {"currency": "SEK", "amount": D("0.5"), "partner": "p", "otp": "123456"},
        "POST",
        "/api/2/money/ticket/create",
        body="currency=SEK&amount_int=500&partner=p&otp=123456&nonce=1328626350245256",
        message="money/ticket/create\x00currency=SEK&amount_int=500&partner=p&otp=123456&nonce=1328626350245256",
    ),
    Golden(
        "v2-address-escaped",
        "v2.bitcoin_address",
        {"description": "cold storage", "ipn": "https://example.com/ipn?a=1"},
        "POST",
        "/api/2/money/bitcoin/address",
        body="description=cold+storage&ipn=https%3A%2F%2Fexample.com%2Fipn%3Fa%3D1&nonce=1328626350245256",
        message="money/bitcoin/address\x00description=cold+storage&ipn=https%3A%2F%2Fexample.com%2Fipn%3Fa%3D1"
        "&nonce=1328626350245256",
    ),
)

#: A tonce call (api-v2.md 1.5): the same microsecond value, sent as `tonce` instead of `nonce`.
TONCE_CALL = Golden(
    "v2-info-tonce",
    "v2.info",
    {},
    "POST",
    "/api/2/money/info",
    body="tonce=1328626350245256",
    message="money/info\x00tonce=1328626350245256",
)

#: Arguments the reference's units make impossible, and the parameter the refusal names.
REFUSED: tuple[tuple[str, str, dict[str, object], str], ...] = (
    (
        "jpy-price-4-places",
        "v2.order_add",
        {"pair": "BTCJPY", "type": "bid", "amount": D("1"), "price": D("100.0001")},
        "price",
    ),
    (
        "sek-price-4-places",
        "v1.order_add",
        {"pair": "BTCSEK", "type": "bid", "amount": D("1"), "price": D("650.0005")},
        "price",
    ),
    (
        "usd-price-6-places",
        "v2.order_add",
        {"pair": "BTCUSD", "type": "bid", "amount": D("1"), "price": D("1.000001")},
        "price",
    ),
    ("btc-below-satoshi", "v2.bitcoin_send_simple", {"address": "1x", "amount": D("0.000000001")}, "amount"),
    (
        "btc-past-int64",
        "v2.bitcoin_send_simple",
        {"address": "1x", "amount": INT64_MAX_BTC + D("0.00000001")},
        "amount",
    ),
    ("fee-past-maximum", "v2.bitcoin_send_simple", {"address": "1x", "amount": D("1"), "fee": D("0.01000001")}, "fee"),
    ("order-below-minimum", "v2.order_add", {"pair": "BTCUSD", "type": "bid", "amount": D("0.00999999")}, "amount"),
    ("v0-jpy-price-4-places", "v0.buy_btc", {"amount": D("1"), "price": D("100.0001"), "currency": "JPY"}, "price"),
    ("v0-btc-9-places", "v0.sell_btc", {"amount": D("0.123456789")}, "amount"),
    ("v0-usd-price-6-places", "v0.buy_btc", {"amount": D("1"), "price": D("1.000005")}, "price"),
    ("float-amount", "v1.order_add", {"pair": "BTCUSD", "type": "bid", "amount": 0.1}, "amount"),
)
