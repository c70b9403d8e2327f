"""Recorded trades read from the three formats people kept Mt. Gox history in (core/tape.py):
exact integer units, the recorded tid and side where the file has them, time order, what is left
out and why, and a clear error naming the place for every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtgox_sandbox.core.catalogue import load as load_catalogue
from mtgox_sandbox.core.exchange import Exchange
from mtgox_sandbox.core.tape import MAX_LINE, Tape, TapeError, load, locate

from ..recorded import RECORDED

EX = Exchange(load_catalogue())
SHIPPED_DAY = "mtgox-btcusd-trades-2013-01-01"


def tape(path: Path | str, **options: object) -> Tape:
    return load(path, EX.money, EX.pairs, **options)  # type: ignore[arg-type]


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_shipped_day_is_pyalgotrade_csv_with_tids_and_sides() -> None:
    day = tape(SHIPPED_DAY)
    assert (day.format, day.pair.code, len(day)) == ("pyalgotrade", "BTCUSD", 2331)
    first, last = day[0], day[len(day) - 1]
    # the file's first and last rows: 1356998659486096,13.51001,36.87430786,ask ... 1357084711193969,13.30413,0.01,ask
    assert (first.tid, first.at_us, first.price, first.amount, first.side) == (
        1356998659486096,
        1356998659486096,
        1351001,
        3687430786,
        "ask",
    )
    assert (last.tid, last.price, last.amount, last.side, last.date) == (
        1357084711193969,
        1330413,
        1000000,
        "ask",
        1357084711,
    )
    assert locate(SHIPPED_DAY).name == "mtgox-btcusd-trades-2013-01-01.csv"


def test_the_2011_recorded_answer_keeps_small_tids_and_takes_the_date_as_time() -> None:
    path = RECORDED / "v0" / "data_getTrades__2011-06-old.json"
    recorded = json.loads(path.read_text())
    read = tape(path)
    assert len(recorded) == 11214
    assert (read.format, read.pair.code, len(read)) == ("mtgox-json", "BTCUSD", 11214)
    by_tid = {read[i].tid: read[i] for i in range(len(read))}
    for row in recorded[:50] + recorded[-50:]:
        trade = by_tid[int(row["tid"])]
        assert trade.at_us == row["date"] * 1_000_000  # a tid of 2011 is a sequence number, not a time
        assert trade.side == ""  # the oldest answers had no trade_type
    times = [read.time_of(i) for i in range(len(read))]
    assert times == sorted(times)


def test_the_three_formats_agree_on_the_same_trades(tmp_path: Path) -> None:
    rows = [(1357000000123456, "13.5", "1.25", "bid"), (1357000001000001, "13.49999", "0.01", "ask")]
    pyalgo = write(tmp_path, "id,price,amount,type\n" + "".join(f"{t},{p},{a},{s}\n" for t, p, a, s in rows))
    charts = write(tmp_path, "".join(f"{t // 1_000_000},{p},{a}\n" for t, p, a, _ in rows), "mtgoxUSD.csv")
    v2 = {
        "result": "success",
        "data": [
            {
                "date": t // 1_000_000,
                "price": p,
                "amount": a,
                "price_int": str(int(float(p) * 1e5 + 0.5)),
                "amount_int": str(round(float(a) * 1e8)),
                "tid": str(t),
                "price_currency": "USD",
                "item": "BTC",
                "trade_type": s,
                "primary": "Y",
                "properties": "limit",
            }
            for t, p, a, s in rows
        ],
    }
    answer = write(tmp_path, json.dumps(v2), "fetch.json")
    a, b, c = tape(pyalgo), tape(charts), tape(answer)
    assert (a.format, b.format, c.format) == ("pyalgotrade", "bitcoincharts", "mtgox-json")
    for i in range(2):
        assert (a[i].price, a[i].amount) == (b[i].price, b[i].amount) == (c[i].price, c[i].amount)
        assert a[i].date == b[i].date == c[i].date
        assert a[i].tid == c[i].tid == rows[i][0] and b[i].tid is None  # bitcoincharts has no id...
        assert b[i].side == "" and a[i].side == c[i].side == rows[i][3]  # ...and no side
    assert (a[0].price, a[0].amount) == (1350000, 125000000)


def test_copies_other_currencies_and_repeated_tids_are_left_out_and_counted(tmp_path: Path) -> None:
    base = {"date": 1365779997, "price": "72.98274", "amount": "0.1", "item": "BTC", "trade_type": "bid"}
    items = [
        {**base, "tid": "1365779997000001", "price_currency": "USD", "primary": "Y"},
        {**base, "tid": "1365779997000002", "price_currency": "USD", "primary": "N"},
        {**base, "tid": "1365779997000003", "price_currency": "EUR", "primary": "Y"},
        {**base, "tid": "1365779997000001", "price_currency": "USD", "primary": "Y"},
    ]
    read = tape(write(tmp_path, json.dumps({"result": "success", "return": items}), "v1.json"))
    assert len(read) == 1
    assert read.skipped == {
        "copies in another currency (primary N)": 1,
        "other currencies than USD": 1,
        "duplicate tid": 1,
    }
    eur = tape(write(tmp_path, json.dumps(items), "v0.json"), pair="BTCEUR")
    assert (len(eur), eur.pair.code) == (1, "BTCEUR")


def test_from_and_to_keep_a_window_and_out_of_order_files_are_sorted(tmp_path: Path) -> None:
    path = write(tmp_path, "1357000300,13,1\n1357000100,12,1\n1357000200,14,1\n")
    read = tape(path)
    assert [read[i].price for i in range(3)] == [1200000, 1400000, 1300000]
    window = tape(path, start_us=1357000200 * 10**6, end_us=1357000300 * 10**6)
    assert [window[i].price for i in range(len(window))] == [1400000]
    headed = tape(write(tmp_path, "unixtime,price,amount\n1357000100,12,1\n", "h.csv"))
    assert len(headed) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1357000100,13.123456,1\n", "t.csv:1: price 13.123456 has more than 5 decimals"),
        ("1357000100,13,0.000000001\n", "t.csv:1: amount 0.000000001 has more than 8 decimals"),
        ("1357000100,abc,1\n", "t.csv:1: price 'abc' is not a number"),
        ("1357000100,0,1\n", "t.csv:1: a trade needs a price and an amount above 0"),
        ("1357000100,13,1\n-5,13,1\n", "t.csv:2: unixtime '-5' is not a whole number"),
        ("1357000100,13\n", "t.csv:1: expected bitcoincharts' `unixtime,price,amount`"),
        ("id,price,amount,type\n1357000100,13,1,bid\n", "t.csv:2: id 1357000100 is not a Mt. Gox tid in microseconds"),
        ("id,price,amount,type\n1357000100000000,13,1,sell\n", "t.csv:2: type 'sell' is neither bid nor ask"),
        ("1357000100,13,1\n" + "9" * (MAX_LINE + 10) + "\n", f"t.csv:2: a line longer than {MAX_LINE} bytes"),
        ('{"result":"error","error":"Random Unknown error"}', "an error answer, not trades: 'Random Unknown error'"),
        ('[{"date": 1, "price": "1"}]', "trade [0]: no amount"),
        ("[1, 2", "not JSON"),
        ('{"result": "success", "data": {"x": 1}}', "expected a list of trades"),
        (
            '[{"date":1,"price":"1","amount":"1","tid":"5","trade_type":"buy"}]',
            "trade_type 'buy' is neither bid nor ask",
        ),
    ],
)
def test_bad_input_is_a_clear_error_naming_the_place(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TapeError) as caught:
        tape(path)
    assert expected in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_a_missing_file_names_the_shipped_recordings(tmp_path: Path) -> None:
    with pytest.raises(TapeError, match=r"no such file.*mtgox-btcusd-trades-2013-01-01"):
        tape(tmp_path / "nope.csv")
    with pytest.raises(TapeError, match="BTCXYZ is not a traded pair"):
        tape(SHIPPED_DAY, pair="BTCXYZ")
