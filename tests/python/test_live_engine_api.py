"""rtrisk.live.Engine, the live engine from a notebook: its risk per node against the offline core
on the same files (test_book_once.offline_node_pnl: pandas, numpy and rtrisk's BSM and VaR), a
what-if against engines loaded with the trades written into the book file, trades and ticks from
a DataFrame against the same, and bad input raising errors that name the row or column."""
import math

import numpy as np
import pandas as pd
import pytest

import rtrisk
from conftest import DATA
from rtrisk.live import Engine
from test_book_once import offline_node_pnl

DEMO = dict(book=DATA / "demo_book.csv", history=DATA / "eu_stock_markets.csv", proxies=DATA / "demo_proxies.csv",
            asof="2026-12-01", risk_free_rate=0.03, dividends={s: 0.02 for s in ("DAX", "SMI", "CAC", "FTSE")})


@pytest.fixture
def engine():
    return Engine(**DEMO)


def with_trades(tmp_path, trades):
    """The demo book with `trades` (node, symbol, quantity, price) appended as positions: what the
    engine holds after booking them, loaded from files."""
    book = pd.read_csv(DATA / "demo_book.csv")
    for n, s, q, p in trades:
        held = (book["node"] == n) & (book["symbol"] == s)
        if held.any():  # a position the node holds grows (its cost price does not enter the VaR)
            book.loc[held, "quantity"] += q
        else:
            book = pd.concat([book, pd.DataFrame([{"node": n, "symbol": s, "quantity": q, "price": p}])], ignore_index=True)
    book.to_csv(tmp_path / "book.csv", index=False)
    return Engine(**{**DEMO, "book": tmp_path / "book.csv"})


def test_risk_per_node_equals_the_offline_core(engine):
    risk = engine.risk()
    expected = offline_node_pnl()
    assert set(risk.index) == set(expected)
    for path, pnl in expected.items():
        assert risk.loc[path, "var_99"] == pytest.approx(rtrisk.var(pnl, confidence=0.99), rel=1e-9), path
        assert risk.loc[path, "es_975"] == pytest.approx(rtrisk.expected_shortfall(pnl, confidence=0.975), rel=1e-9), path
    assert risk.loc["FIRM", "parent"] == "" and risk.loc["FIRM", "depth"] == 0
    positions = engine.positions()
    assert len(positions) == len(pd.read_csv(DATA / "demo_book.csv"))
    assert positions["component_var"].sum() == pytest.approx(risk.loc["FIRM", "var_99"], rel=1e-9)  # Euler


def test_what_if_equals_the_book_with_the_trades_and_changes_nothing(engine, tmp_path):
    before = engine.risk()
    spot = engine.positions().set_index("symbol").loc["DAX", "price"]
    spot = float(spot.iloc[0]) if hasattr(spot, "iloc") else float(spot)
    trades = [("FIRM/Equities/Europe/alice", "DAX", 15.0), ("FIRM/Equities/UK/newbie", "SMI", -30.0)]
    answer = engine.what_if(pd.DataFrame(trades, columns=["node", "symbol", "quantity"]))
    touched = {"FIRM/Equities/Europe/alice", "FIRM/Equities/Europe", "FIRM/Equities", "FIRM", "FIRM/Equities/UK/newbie", "FIRM/Equities/UK"}
    assert set(answer.index) == touched
    smi = float(engine.positions().set_index("symbol").loc["SMI", "price"])
    after = with_trades(tmp_path, [(n, s, q, spot if s == "DAX" else smi) for n, s, q in trades]).risk()
    for path in touched:
        assert answer.loc[path, "var_99_after"] == pytest.approx(after.loc[path, "var_99"], rel=1e-9), path
        assert answer.loc[path, "es_975_after"] == pytest.approx(after.loc[path, "es_975"], rel=1e-9), path
        old = before.loc[path, "var_99"] if path in before.index else 0.0
        assert answer.loc[path, "var_99_before"] == pytest.approx(old, rel=1e-12), path
    pd.testing.assert_frame_equal(engine.risk(), before)  # the book itself did not change


def test_trades_and_ticks_from_a_dataframe(engine, tmp_path):
    spot = float(engine.positions().set_index("symbol").loc["DAX", "price"])
    n = engine.apply(pd.DataFrame({"symbol": ["DAX"], "quantity": [15.0], "node": ["FIRM/Equities/Europe/alice"], "price": [spot]}))
    assert n == 1 and engine.ticks == 1
    after = with_trades(tmp_path, [("FIRM/Equities/Europe/alice", "DAX", 15.0, spot)]).risk()
    assert engine.risk().loc["FIRM", "var_99"] == pytest.approx(after.loc["FIRM", "var_99"], rel=1e-9)
    # A price tick moves the DAX: +1 %, the position's unit price and value follow, its P&L by 35 x 1 %.
    before = engine.positions().set_index(["node", "symbol"]).loc[("FIRM/Equities/Europe/alice", "DAX")]
    engine.apply(pd.DataFrame({"symbol": ["DAX"], "price": [spot * 1.01], "time": pd.to_datetime(["2026-12-01T10:00:00Z"])}))
    now = engine.positions().set_index(["node", "symbol"]).loc[("FIRM/Equities/Europe/alice", "DAX")]
    assert now["quantity"] == 35 and now["price"] == pytest.approx(spot * 1.01, rel=1e-15)
    assert now["market_value"] == pytest.approx(35 * spot * 1.01, rel=1e-12)
    assert now["pnl"] - before["pnl"] == pytest.approx(35 * spot * 0.01, rel=1e-9)


def test_a_trade_without_a_price_books_at_the_price_of_its_row(engine):
    """In one frame, a tick then a trade without a price: the trade books at the tick's price and
    leaves the spot where the tick put it."""
    spot = float(engine.positions().set_index("symbol").loc["DAX", "price"])
    engine.apply(pd.DataFrame({"symbol": ["DAX", "DAX"], "price": [spot * 1.05, math.nan], "quantity": [0.0, 10.0],
                               "node": ["", "FIRM/Equities/Europe/alice"]}))
    row = engine.positions().set_index(["node", "symbol"]).loc[("FIRM/Equities/Europe/alice", "DAX")]
    assert row["price"] == pytest.approx(spot * 1.05, rel=1e-15)
    assert row["quantity"] == 30
    fresh = Engine(**DEMO)
    fresh.apply(pd.DataFrame({"symbol": ["DAX"], "price": [spot * 1.05]}))
    old = fresh.positions().set_index(["node", "symbol"]).loc[("FIRM/Equities/Europe/alice", "DAX")]
    assert row["pnl"] == pytest.approx(old["pnl"], rel=1e-12)  # the 10 bought at the current price add no P&L


def test_a_tick_file_replays_like_the_same_rows_from_a_dataframe(engine, tmp_path):
    spot = float(engine.positions().set_index("symbol").loc["DAX", "price"])
    rows = [("DAX", spot * 1.01, 0.0, ""), ("DAX", spot * 1.02, 5.0, "FIRM/Equities/Europe/alice"), ("SMI", 7600.0, 0.0, "")]
    (tmp_path / "ticks.csv").write_text("symbol,price,quantity,node\n" + "".join(f"{s},{p!r},{q!r},{n}\n" for s, p, q, n in rows))
    assert engine.replay(tmp_path / "ticks.csv") == 3
    other = Engine(**DEMO)
    other.apply(pd.DataFrame(rows, columns=["symbol", "price", "quantity", "node"]))
    pd.testing.assert_frame_equal(engine.risk(), other.risk())
    (tmp_path / "bad.csv").write_text(f"DAX,{spot!r}\nSMI,7600\nDAX,abc\nSMI,7700\n")
    fresh = Engine(**DEMO)
    with pytest.raises(ValueError) as info:
        fresh.replay(tmp_path / "bad.csv")
    assert f"{tmp_path / 'bad.csv'}:3:" in str(info.value) and "2 lines were applied before it" in str(info.value)
    assert fresh.ticks == 2
    with pytest.raises(ValueError, match="cannot open"):
        fresh.replay(tmp_path / "missing.csv")


@pytest.mark.parametrize("frame,error,needle", [
    (pd.DataFrame({"symbol": ["NOPE"], "price": [1.0]}), ValueError, "row 0: unknown symbol 'NOPE'"),
    (pd.DataFrame({"symbol": ["DAX", "DAX"], "price": [1.0, math.inf]}), ValueError, "row 1"),
    (pd.DataFrame({"symbol": ["DAX"], "price": ["1.0"]}), TypeError, "column 'price'"),
    (pd.DataFrame({"symbol": [3], "price": [1.0]}), TypeError, "column 'symbol', row 0"),
    (pd.DataFrame({"price": [1.0]}), ValueError, "column 'symbol' is required"),
    (pd.DataFrame({"symbol": ["DAX"], "quantity": [1e13], "node": ["FIRM/x"]}), ValueError, "row 0 (DAX): quantity 10000000000000 is outside"),
    (pd.DataFrame({"symbol": ["DAX"] * 3, "quantity": [1.0, 1.0, 1e13], "node": ["FIRM/x"] * 3}), ValueError, "rows 0 to 1 were applied"),
    (pd.DataFrame({"symbol": ["DAX"], "quantity": [1.0], "node": ["OTHER/x"]}), ValueError, "row 0"),
])
def test_bad_rows_raise_naming_the_row_or_column(engine, frame, error, needle):
    with pytest.raises(error, match=None) as info:
        engine.apply(frame)
    assert needle in str(info.value)


def test_bad_files_and_options_raise_value_error_naming_them(tmp_path):
    with pytest.raises(ValueError, match="--asof"):
        Engine(**{**DEMO, "asof": "2026-13-01"})
    (tmp_path / "b.csv").write_text("node,symbol,quantity,price\nFIRM/x,NOPE,1,5\n")
    with pytest.raises(ValueError, match="NOPE"):
        Engine(**{**DEMO, "book": tmp_path / "b.csv"})
    with pytest.raises(ValueError, match=r"trades\[0\]\.node|column 'node'"):
        Engine(**DEMO).what_if(pd.DataFrame({"node": [""], "symbol": ["DAX"], "quantity": [1.0]}))


def test_apply_releases_the_gil(engine):
    """Another Python thread runs while the engine applies a batch: the columns are converted
    before the call (GIL held, so the spinner cannot count then), the ticks applied without it."""
    import threading
    import time
    spot = float(engine.positions().set_index("symbol").loc["DAX", "price"])
    n = 300_000
    columns = (["DAX"] * n, (spot * (1 + 0.0001 * np.sin(np.arange(n)))).tolist(), [0.0] * n, [""] * n, [0] * n)
    counter = [0]
    done = threading.Event()

    def spin():
        while not done.is_set():
            counter[0] += 1
    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    start = counter[0]
    engine._engine.apply(*columns)
    during = counter[0] - start
    done.set()
    t.join()
    assert engine.ticks == n
    assert during > 1000  # the spinning thread ran while the engine applied the batch
