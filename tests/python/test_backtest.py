"""Backtests from Python against scipy and the Basel table."""
import numpy as np
import pytest
from scipy import stats

import rtrisk


def test_kupiec_against_scipy_chi2():
    t = rtrisk.kupiec(8, 250, 0.99)
    n, x, p = 250, 8, 0.01
    lr = -2 * ((n - x) * np.log(1 - p) + x * np.log(p)) + 2 * ((n - x) * np.log(1 - x / n) + x * np.log(x / n))
    assert t.statistic == pytest.approx(lr, rel=1e-12)
    assert t.p_value == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-10)
    assert t.rejected()


def test_christoffersen_against_scipy():
    hits = np.array([0, 0, 0, 0, 1, 1, 1, 0, 0, 0])
    ch = rtrisk.christoffersen(hits, 0.99)
    assert ch.transitions == (5, 1, 1, 2)
    ll0 = 6 * np.log(2 / 3) + 3 * np.log(1 / 3)
    ll1 = 5 * np.log(5 / 6) + np.log(1 / 6) + np.log(1 / 3) + 2 * np.log(2 / 3)
    assert ch.independence.statistic == pytest.approx(-2 * (ll0 - ll1), rel=1e-12)
    assert ch.conditional_coverage.p_value == pytest.approx(stats.chi2.sf(ch.conditional_coverage.statistic, 2), rel=1e-10)
    assert rtrisk.christoffersen(hits.astype(bool)).transitions == (5, 1, 1, 2)


def test_traffic_light_boundaries():
    assert [rtrisk.traffic_light(x) for x in (0, 4, 5, 9, 10)] == ["green", "green", "yellow", "yellow", "red"]


def test_backtest_of_historical_var_on_real_data(eu_returns):
    pnl = eu_returns.to_numpy() @ np.full(4, 0.25)
    forecasts = np.array([rtrisk.var(pnl[t - 250:t]) for t in range(250, len(pnl))])
    hits = rtrisk.var_exceptions(pnl[250:], forecasts)
    assert hits.sum() == np.sum(pnl[250:] < -forecasts)
