from __future__ import annotations

import pytest

from mtgox_catalogue.model import Catalogue
from mtgox_sandbox.api.routing import Router
from mtgox_sandbox.core.catalogue import load
from mtgox_sandbox.server.app import App


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load()


@pytest.fixture(scope="module")
def router(catalogue: Catalogue) -> Router:
    return Router(catalogue)


@pytest.mark.parametrize(
    ("version", "path", "key", "params"),
    [
        ("v2", "BTCUSD/money/ticker", "v2.ticker", {"pair": "BTCUSD"}),
        ("v2", "btceur/MONEY/Ticker", "v2.ticker", {"pair": "BTCEUR"}),
        ("v2", "money/info", "v2.info", {}),
        ("v2", "BTCUSD/money/info", "v2.info", {"pair": "BTCUSD"}),
        ("v2", "MONEY/INFO", "v2.info", {}),
        ("v2", "BTCUSD/money/depth", "v2.depth_fetch", {"pair": "BTCUSD"}),
        ("v2", "BTCUSD/money/order/add/", "v2.order_add", {"pair": "BTCUSD"}),
        ("v1", "BTCUSD/ticker", "v1.ticker", {"pair": "BTCUSD"}),
        ("v1", "BTCUSD/public/ticker", "v1.ticker", {"pair": "BTCUSD"}),
        ("v1", "BTCUSD/depth/fetch", "v1.depth", {"pair": "BTCUSD"}),
        ("v1", "generic/info", "v1.info", {}),
        ("v1", "generic/private/info", "v1.info", {}),
        ("v1", "BTCUSD/private/order/add", "v1.order_add", {"pair": "BTCUSD"}),
        ("v1", "BTCUSD/order/add", "v1.order_add", {"pair": "BTCUSD"}),
        ("v1", "BTCUSD/trades", "v1.trades", {"pair": "BTCUSD"}),
        ("v1", "BTCUSD/private/trades", "v1.private_trades", {"pair": "BTCUSD"}),
        ("v0", "data/getTrades.php", "v0.get_trades", {}),
        ("v0", "ticker.php", "v0.ticker", {}),
        ("v0", "history_BTC.csv", "v0.history_csv", {"currency": "BTC"}),
        ("v0", "history_usd.csv", "v0.history_csv", {"currency": "USD"}),
    ],
)
def test_spellings(router: Router, version: str, path: str, key: str, params: dict[str, str]) -> None:
    match = router.match(version, path)
    assert match is not None, path
    assert match.endpoint.key == key
    assert match.path_params == params


@pytest.mark.parametrize(
    ("version", "path"),
    [("v2", "BTCXYZ/money/ticker"), ("v2", "money/nothing"), ("v1", "BTCUSD/money/ticker"), ("v0", "history_XYZ.csv")],
)
def test_unknown_paths(router: Router, version: str, path: str) -> None:
    assert router.match(version, path) is None


def test_every_endpoint_is_routed_by_its_path_and_aliases(catalogue: Catalogue, router: Router) -> None:
    pair = next(iter(catalogue.pairs))
    for endpoint in catalogue.endpoints:
        for spelling in (endpoint.path, *endpoint.aliases):
            path = spelling.replace("{pair}", pair).replace("{currency}", "USD")
            match = router.match(endpoint.version.key, path)
            assert match is not None and match.endpoint.key == endpoint.key, (endpoint.key, spelling)


def test_no_two_endpoints_claim_a_spelling(router: Router) -> None:
    assert router.conflicts == []


def test_every_stateful_endpoint_has_a_handler(catalogue: Catalogue, tmp_path: object) -> None:
    app = App(catalogue, ":memory:")
    assert app.services.dispatcher.unimplemented == []
