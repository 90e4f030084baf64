"""rtrisk.factor_exposures (risk grouped by sector / country / currency) and rtrisk.pnl_explain
(the Taylor split of a period's P&L), against independent numpy/scipy computations: grouped
sums, numpy percentiles and the Euler component at the portfolio's quantile scenarios; the
Black-Scholes-Merton price and Greeks from their closed forms (Hull, Options, Futures and Other
Derivatives, chapters 15 and 19)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import rtrisk

REL = 1e-12


def hist(pnl, c):
    q = np.percentile(pnl, 100 * (1 - c))
    return -q, -pnl[pnl <= q].mean()


def euler_at_quantile(total, part, c):
    """The part's P&L at the total's linear (1 - c) quantile, interpolated between the two order
    statistics as numpy's percentile interpolates."""
    order = np.argsort(total, kind="stable")
    h = (len(total) - 1) * (1 - c)
    lo = int(np.floor(h))
    frac = h - lo
    hi = min(lo + 1, len(total) - 1)
    return -((1 - frac) * part[order[lo]] + frac * part[order[hi]])


def test_factor_exposures_by_country_and_currency_on_the_real_data(eu_returns):
    w = pd.Series({"DAX": 0.4, "SMI": 0.3, "CAC": 0.2, "FTSE": 0.1})
    groups = pd.DataFrame({"country": {"DAX": "DE", "SMI": "CH", "CAC": "FR", "FTSE": "GB"},
                           "currency": {"DAX": "EUR", "SMI": "CHF", "CAC": "EUR", "FTSE": None}})
    f = rtrisk.factor_exposures(eu_returns, w, groups, 0.99, 0.975, value=1e6)
    assert list(f.index) == [("country", "DE"), ("country", "CH"), ("country", "FR"), ("country", "GB"),
                             ("currency", "EUR"), ("currency", "CHF"), ("currency", rtrisk.UNLABELLED)]
    R = eu_returns[w.index].to_numpy()
    x = w.to_numpy() * 1e6
    total = R @ x
    portfolio_var = hist(total, 0.99)[0]
    cur = ["EUR", "CHF", "EUR", rtrisk.UNLABELLED]
    for g in ["EUR", "CHF", rtrisk.UNLABELLED]:
        mask = np.array([c == g for c in cur])
        part = R[:, mask] @ x[mask]
        row = f.loc[("currency", g)]
        assert row["members"] == mask.sum()
        assert row["net_exposure"] == pytest.approx(x[mask].sum(), rel=REL)
        assert row["gross_exposure"] == pytest.approx(np.abs(x[mask]).sum(), rel=REL)
        assert (row["var"], row["es"]) == pytest.approx((hist(part, 0.99)[0], hist(part, 0.975)[1]), rel=1e-10)
        assert row["component_var"] == pytest.approx(euler_at_quantile(total, part, 0.99), rel=1e-10)
    for factor in ("country", "currency"):
        assert f.loc[factor]["component_var"].sum() == pytest.approx(portfolio_var, rel=1e-10)  # Euler: they add up
    # stand-alone VaRs do not add: diversification
    assert f.loc["country"]["var"].sum() > portfolio_var


def test_factor_exposures_take_arrays_and_refuse_bad_labels(eu_returns):
    R = eu_returns.to_numpy()
    w = np.array([0.25, 0.25, 0.25, 0.25])
    f = rtrisk.factor_exposures(R, w, ["A", "B", "A", 7])
    assert list(f.index) == [("group", "A"), ("group", "B"), ("group", "7")]
    with pytest.raises(ValueError, match="one label per instrument \\(4\\), got 3"):
        rtrisk.factor_exposures(R, w, ["A", "B", "A"])
    with pytest.raises(TypeError, match="label at index 1 is float 2.5"):
        rtrisk.factor_exposures(R, w, ["A", 2.5, "A", "B"])
    with pytest.raises(ValueError, match="missing \\['FTSE'\\]"):
        rtrisk.factor_exposures(eu_returns, pd.Series(w, index=eu_returns.columns), pd.Series({"DAX": "x", "SMI": "y", "CAC": "z"}, name="sector"))
    with pytest.raises(ValueError, match="one portfolio"):
        rtrisk.factor_exposures(R, np.eye(4), ["A", "B", "A", "B"])
    with pytest.raises(TypeError, match="dict"):
        rtrisk.factor_exposures(R, w, {"sector": ["A", "B", "A", "B"]})


def bsm_closed_form(kind, S, K, T, r, q, v):
    """Price, delta, gamma, vega (per 1.00), theta (per year of time passing) of a European option."""
    d1 = (np.log(S / K) + (r - q + v * v / 2) * T) / (v * np.sqrt(T))
    d2 = d1 - v * np.sqrt(T)
    N, n = stats.norm.cdf, stats.norm.pdf
    if kind == "call":
        price = S * np.exp(-q * T) * N(d1) - K * np.exp(-r * T) * N(d2)
        delta = np.exp(-q * T) * N(d1)
        theta = -S * np.exp(-q * T) * n(d1) * v / (2 * np.sqrt(T)) + q * S * np.exp(-q * T) * N(d1) - r * K * np.exp(-r * T) * N(d2)
    else:
        price = K * np.exp(-r * T) * N(-d2) - S * np.exp(-q * T) * N(-d1)
        delta = -np.exp(-q * T) * N(-d1)
        theta = -S * np.exp(-q * T) * n(d1) * v / (2 * np.sqrt(T)) - q * S * np.exp(-q * T) * N(-d1) + r * K * np.exp(-r * T) * N(-d2)
    gamma = np.exp(-q * T) * n(d1) / (S * v * np.sqrt(T))
    vega = S * np.exp(-q * T) * n(d1) * np.sqrt(T)
    return price, delta, gamma, vega, theta


def test_pnl_explain_of_a_book_against_the_closed_form_greeks():
    kinds = ["call", "put", "linear", "call"]
    qty = np.array([10, -5, 200, 3])
    mult = np.array([100, 100, 1, 50])
    S0 = np.array([100.0, 100.0, 100.0, 40.0])
    S1 = np.array([103.0, 103.0, 103.0, 38.5])
    K = np.array([105.0, 95.0, 0.0, 42.0])
    T = np.array([0.5, 0.25, 0.0, 1.0])
    dt = np.array([1, 1, 0, 3]) / 365
    v0 = np.array([0.22, 0.3, 0.0, 0.25])
    v1 = np.array([0.235, 0.29, 0.0, 0.26])
    r, q = 0.03, 0.01
    e = rtrisk.pnl_explain(kinds, qty, S0, S1, K, T, dt, r, q, v0, v1, multiplier=mult, by=None)
    assert list(e.columns) == list(rtrisk.PNL_EXPLAIN_COLUMNS)
    for i, kind in enumerate(kinds):
        u = qty[i] * mult[i]
        if kind == "linear":
            assert e["actual"][i] == pytest.approx(u * (S1[i] - S0[i]), rel=REL)
            assert e["delta"][i] == pytest.approx(u * (S1[i] - S0[i]), rel=REL)
            assert e["gamma"][i] == e["vega"][i] == e["theta"][i] == 0
            continue
        p0, d, g, v, th = bsm_closed_form(kind, S0[i], K[i], T[i], r, q, v0[i])
        p1 = bsm_closed_form(kind, S1[i], K[i], T[i] - dt[i], r, q, v1[i])[0]
        dS = S1[i] - S0[i]
        assert e["actual"][i] == pytest.approx(u * (p1 - p0), rel=1e-9)
        assert e["delta"][i] == pytest.approx(u * d * dS, rel=1e-12)
        assert e["gamma"][i] == pytest.approx(u * g * dS * dS / 2, rel=1e-12)
        assert e["vega"][i] == pytest.approx(u * v * (v1[i] - v0[i]), rel=1e-10)
        assert e["theta"][i] == pytest.approx(u * th * dt[i], rel=1e-10)
    parts = e[["delta", "gamma", "vega", "theta", "unexplained"]].sum(axis=1)
    np.testing.assert_allclose(parts, e["actual"], rtol=1e-12)  # the parts add up to the actual P&L
    # by node: sums of the holdings
    nodes = ["FIRM/EU/alice", "FIRM/EU/alice", "FIRM/US/bob", "FIRM/US/bob"]
    by = rtrisk.pnl_explain(kinds, qty, S0, S1, K, T, dt, r, q, v0, v1, multiplier=mult, by=nodes)
    assert list(by.index) == ["FIRM/EU/alice", "FIRM/US/bob"]
    assert by.loc["FIRM/US/bob", "actual"] == pytest.approx(e["actual"][2] + e["actual"][3], rel=REL)


def test_pnl_explain_refuses_bad_input_naming_it():
    with pytest.raises(ValueError, match="kind 'future' is not"):
        rtrisk.pnl_explain("future", 1, 100.0, 101.0)
    with pytest.raises(ValueError, match="position 1: years 0.5 must be between 0 and the expiry 0.25"):
        rtrisk.pnl_explain("put", 1, 100.0, 101.0, 95.0, [1.0, 0.25], 0.5, 0.0, 0.0, 0.2)
    with pytest.raises(ValueError, match="position 0: .*strike"):
        rtrisk.pnl_explain("call", 1, 100.0, 101.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.2)
    with pytest.raises(TypeError, match="quantity"):
        rtrisk.pnl_explain("linear", "10", 100.0, 101.0)
    with pytest.raises(ValueError, match="multiplier"):
        rtrisk.pnl_explain("linear", 1, 100.0, 101.0, multiplier=0)
    with pytest.raises(ValueError, match="one label per holding"):
        rtrisk.pnl_explain("linear", [1, 2], 100.0, 101.0, by=["a"])
