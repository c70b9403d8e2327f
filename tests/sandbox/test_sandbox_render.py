from __future__ import annotations

import pytest

from mtgox_catalogue.model import Currency
from mtgox_sandbox.core.money import (
    display,
    display_short,
    number,
    plain,
    round_half_up,
    stripped,
    value_object,
)

BTC = Currency("BTC", "Bitcoin", 100_000_000, 8, 2, "BTC", "after", True)
USD = Currency("USD", "Dollar", 100_000, 5, 2, "$", "before", False)
EUR = Currency("EUR", "Euro", 100_000, 5, 2, "€", "after", False)
JPY = Currency("JPY", "Yen", 1_000, 3, 0, "¥", "before", False)


def test_value_objects_match_the_recorded_ones() -> None:
    assert value_object(2_200_000_000, BTC) == {
        "value": "22.00000000",
        "value_int": "2200000000",
        "display": "22.00000000\u00a0BTC",
        "display_short": "22.00\u00a0BTC",
        "currency": "BTC",
    }
    assert value_object(1_000_000_00, USD)["display"] == "$1,000.00000"
    assert value_object(1_000_000_00, USD)["display_short"] == "$1,000.00"
    assert value_object(2_300_000, EUR)["display"] == "23.00000\u00a0€"
    assert value_object(5_582_958_960_346, BTC)["display"] == "55,829.58960346\u00a0BTC"
    assert value_object(570_653, USD)["display_short"] == "$5.71"  # rounded half up
    assert value_object(1_234_567, JPY)["display_short"] == "¥1,235"


def test_numbers() -> None:
    assert plain(0, 8) == "0.00000000"
    assert plain(-150, 2) == "-1.50"
    assert stripped(10_900_000, 8) == "0.109"
    assert stripped(1_500_000, 5) == "15"
    assert number(85_900_000, 8) == 0.859
    assert number(2_200_000_000, 8) == 22
    assert isinstance(number(2_200_000_000, 8), int)
    assert display(-500_000, USD) == "-$5.00000"
    assert display_short(-500_000, EUR) == "-5.00\u00a0€"


@pytest.mark.parametrize(("units", "expected"), [(149, 1), (150, 2), (151, 2), (-150, -2), (0, 0)])
def test_round_half_up(units: int, expected: int) -> None:
    assert round_half_up(units, 2, 0) == expected
