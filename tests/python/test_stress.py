"""Stress tests and the spot x vol grid from Python."""
import numpy as np
import pandas as pd
import pytest

import rtrisk


@pytest.fixture
def book():
    b = rtrisk.DerivativesBook(0.03)
    b.add_underlying("DAX", 5000.0, 0.02, "europe")
    b.add_underlying("FTSE", 4000.0, 0.01, "uk")
    b.add_linear("DAX", 10, 25)
    b.add_option("DAX", "put", 4750.0, 0.25, 0.22, 10, 25)
    b.add_option("FTSE", "call", 4000.0, 0.5, 0.2, -5, 10)
    return b


def test_standard_scenarios_frame(book):
    df = rtrisk.stress(book)
    assert list(df.index) == ["market_crash", "rally", "volatility_spike", "flash_crash"]
    np.testing.assert_allclose(df["total"], df.drop(columns="total").sum(axis=1), rtol=1e-12)
    assert df.loc["market_crash", "0:DAX:linear"] == pytest.approx(-125_000.0)
    put_move = rtrisk.bsm(4500.0, 4750.0, 0.25, 0.03, 0.02, 0.22, "put").price - rtrisk.bsm(5000.0, 4750.0, 0.25, 0.03, 0.02, 0.22, "put").price
    assert df.loc["market_crash", "1:DAX:put:4750"] == pytest.approx(250 * put_move, rel=1e-12)


def test_custom_scenarios_with_groups(book):
    df = rtrisk.stress(book, [{"name": "uk", "group_moves": {"uk": -0.1}}, rtrisk.StressScenario("flat")])
    assert df.loc["uk", "0:DAX:linear"] == 0.0
    assert df.loc["flat", "total"] == pytest.approx(0.0, abs=1e-9)


def test_grid_frame(book):
    grid = rtrisk.spot_vol_grid(book)
    assert grid.shape == (13, 7)
    assert grid.loc[0.0, 0.0] == pytest.approx(0.0, abs=1e-8)
    direct = rtrisk.stress(book, [{"name": "x", "market_move": -0.2, "vol_shift": 0.5}]).loc["x", "total"]
    assert grid.loc[-0.2, 0.5] == pytest.approx(direct, rel=1e-12)


def test_full_revaluation_and_delta_gamma(book):
    R = np.random.default_rng(1).normal(0, 0.01, (500, 2))
    full = rtrisk.full_revaluation_pnl(book, R)
    dg = rtrisk.delta_gamma_pnl(book, R)
    assert rtrisk.var(dg) == pytest.approx(rtrisk.var(full), rel=0.05)
    g = book.greeks_by_underlying()
    assert g[0].delta == pytest.approx(250 + 250 * rtrisk.bsm(5000.0, 4750.0, 0.25, 0.03, 0.02, 0.22, "put").delta, rel=1e-12)
