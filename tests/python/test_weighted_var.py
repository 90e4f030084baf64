"""rtrisk.var / expected_shortfall by the scenario-weighting methods (ewma, filtered_historical,
age_weighted) on the real data, against independent numpy computations of the published
formulas: RiskMetrics EWMA (RiskMetrics Technical Document, 1996, 5.2.1), Hull and White (1998)
filtered historical simulation, Boudoukh, Richardson and Whitelaw (1998) age weighting."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import rtrisk
from conftest import equal_weights

REL = 1e-12  # the same formulas evaluated in double precision on both sides
SEED = 30  # rows whose mean square seeds the EWMA recursion (docs/conventions.md)


def ewma_forecasts(r, lam):
    """v[k] is the variance forecast for row SEED + k (the last: for the day after the data)."""
    v = [np.mean(r[:SEED] ** 2)]
    for x in r[SEED:]:
        v.append(lam * v[-1] + (1 - lam) * x * x)
    return np.array(v)


def hist_ref(r, c):
    q = np.percentile(r, 100 * (1 - c))
    return -q, -r[r <= q].mean()


def age_ref(r, c, lam):
    """VaR: minus the outcome where the cumulative weight from the worst up reaches 1 - c (no
    interpolation); ES: minus the weighted mean of the tail of probability 1 - c."""
    t = len(r)
    age = t - np.arange(t)  # the last row is 1 day old
    w = (1 - lam) * lam ** (age - 1) / (1 - lam ** t)
    order = np.argsort(r, kind="stable")
    x, cw = r[order], np.cumsum(w[order])
    k = int(np.argmax(cw >= 1 - c))
    tail = np.sum(w[order][:k] * x[:k]) + (1 - c - (cw[k - 1] if k else 0.0)) * x[k]
    return -x[k], -tail / (1 - c)


@pytest.mark.parametrize("lam", [0.94, 0.97])
@pytest.mark.parametrize("c", [0.95, 0.99])
def test_ewma_is_the_normal_quantile_of_the_riskmetrics_volatility(eu_returns, lam, c):
    w = pd.Series(equal_weights(eu_returns.shape[1]), index=eu_returns.columns)
    r = eu_returns.to_numpy() @ w.to_numpy()
    sigma = np.sqrt(ewma_forecasts(r, lam)[-1])
    z = stats.norm.ppf(c)
    assert rtrisk.var(eu_returns, w, c, method="ewma", decay=lam) == pytest.approx(z * sigma, rel=REL)
    assert rtrisk.expected_shortfall(eu_returns, w, c, method="ewma", decay=lam) == pytest.approx(sigma * stats.norm.pdf(z) / (1 - c), rel=REL)


@pytest.mark.parametrize("c", [0.95, 0.99])
def test_filtered_historical_rescales_each_day_by_todays_volatility_over_its_own(eu_returns, c):
    r = eu_returns["DAX"].to_numpy()
    v = ewma_forecasts(r, 0.94)
    filtered = r[SEED:] * np.sqrt(v[-1] / v[:-1])
    var, es = hist_ref(filtered, c)
    assert rtrisk.var(r, confidence=c, method="filtered_historical") == pytest.approx(var, rel=REL)
    assert rtrisk.expected_shortfall(r, confidence=c, method="filtered_historical") == pytest.approx(es, rel=REL)
    # Volatility is lower at the end of this sample than on average: the filtered VaR differs from the plain one.
    assert rtrisk.var(r, confidence=c, method="filtered_historical") != pytest.approx(rtrisk.var(r, confidence=c), rel=1e-3)


@pytest.mark.parametrize("lam", [0.98, 0.995])
@pytest.mark.parametrize("c", [0.95, 0.99])
def test_age_weighted_takes_the_weighted_quantile_newest_rows_heaviest(eu_returns, lam, c):
    r = eu_returns["SMI"].to_numpy()
    var, es = age_ref(r, c, lam)
    assert rtrisk.var(r, confidence=c, method="age_weighted", decay=lam) == pytest.approx(var, rel=REL)
    assert rtrisk.expected_shortfall(r, confidence=c, method="age_weighted", decay=lam) == pytest.approx(es, rel=REL)
    # Reversed in time, the same outcomes weigh differently.
    assert rtrisk.var(r[::-1].copy(), confidence=c, method="age_weighted", decay=lam) != pytest.approx(var, rel=1e-6)


def test_weighted_methods_scale_with_the_horizon_and_value_and_take_many_portfolios(eu_returns):
    cols = eu_returns.columns
    W = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)  # each index alone
    for method in rtrisk.WEIGHTED_METHODS:
        one = rtrisk.var(eu_returns, W[cols[0]], 0.99, method=method)
        assert rtrisk.var(eu_returns, W[cols[0]], 0.99, method=method, horizon_days=10) == pytest.approx(one * np.sqrt(10), rel=REL)
        assert rtrisk.var(eu_returns, W[cols[0]], 0.99, method=method, value=1e6) == pytest.approx(one * 1e6, rel=REL)
        many = rtrisk.var(eu_returns, W, 0.99, method=method)
        assert isinstance(many, pd.Series) and list(many.index) == list(cols)
        for col in cols:
            assert many[col] == pytest.approx(rtrisk.var(eu_returns[col].to_numpy(), confidence=0.99, method=method), rel=REL)


def test_weighted_methods_refuse_bad_input_naming_it(eu_returns):
    r = eu_returns["DAX"].to_numpy()
    for bad in (0.0, 1.0, 1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match="decay"):
            rtrisk.var(r, method="ewma", decay=bad)
    with pytest.raises(TypeError, match="decay"):
        rtrisk.var(r, method="age_weighted", decay="0.94")
    with pytest.raises(ValueError, match="decay= applies to"):
        rtrisk.var(r, method="historical", decay=0.94)
    with pytest.raises(ValueError, match="horizon_days"):
        rtrisk.var(r, method="filtered_historical", horizon_days=0)
    with pytest.raises(ValueError, match="at least seed_days = 30 observations, got 29"):
        rtrisk.var(r[:SEED - 1], method="ewma")  # fewer rows than the seed
    with pytest.raises(ValueError, match="at least seed_days"):
        rtrisk.var(r[:SEED - 1], method="filtered_historical")
    with pytest.raises(ValueError, match="incremental_var is not offered for the weighting method 'ewma'"):
        rtrisk.incremental_var(eu_returns, equal_weights(eu_returns.shape[1]), method="ewma")


def test_stressed_var_is_the_worst_window_of_the_real_history_with_its_dates(eu_returns):
    """Stressed VaR (Basel 2.5): the largest historical VaR over 250 consecutive days, against a
    numpy loop over every window (linear percentile, rtrisk's default)."""
    w = pd.Series(equal_weights(eu_returns.shape[1]), index=eu_returns.columns)
    pnl = eu_returns.to_numpy() @ w.to_numpy()
    vars_ = np.array([-np.percentile(pnl[f:f + 250], 1.0) for f in range(len(pnl) - 249)])
    f = int(np.argmax(vars_))  # the first of equal maxima, as rtrisk
    s = rtrisk.stressed_var(eu_returns, w, 0.99, window=250)
    assert s.var == pytest.approx(vars_[f], rel=REL)
    assert (s.first, s.last) == (f, f + 249)
    assert (s.start, s.end) == (eu_returns.index[f], eu_returns.index[f + 249])  # the window's dates
    assert s.var > rtrisk.var(pnl[:250], confidence=0.99) and s.var >= rtrisk.var(pnl[-250:], confidence=0.99)
    assert s.var > rtrisk.var(pnl, confidence=0.99)  # stress above the whole history's VaR (the 1997-98 crises)
    assert rtrisk.stressed_var(eu_returns, w, 0.99, window=250, value=1e6).var == pytest.approx(s.var * 1e6, rel=REL)
    arr = rtrisk.stressed_var(pnl, confidence=0.99, window=250)  # an array: row numbers
    assert (arr.start, arr.end, arr.var) == (f, f + 249, pytest.approx(s.var, rel=REL))
    with pytest.raises(ValueError, match="window 5000 must be between 1 and the 1859 days"):
        rtrisk.stressed_var(pnl, window=5000)
    with pytest.raises(ValueError, match="window"):
        rtrisk.stressed_var(pnl, window=0)
    with pytest.raises(TypeError, match="window"):
        rtrisk.stressed_var(pnl, window=250.0)
    with pytest.raises(ValueError, match="one portfolio"):
        rtrisk.stressed_var(eu_returns, np.ones((4, 2)) / 4)


def garch_loglik(r, alpha, beta):
    """Gaussian log-likelihood, zero mean, variance targeting: omega = s2 (1 - alpha - beta), the
    recursion started at s2, the mean square (docs/conventions.md)."""
    s2 = np.mean(r ** 2)
    v = np.empty_like(r)
    v[0] = s2
    for t in range(1, len(r)):
        v[t] = s2 * (1 - alpha - beta) + alpha * r[t - 1] ** 2 + beta * v[t - 1]
    return -0.5 * np.sum(np.log(2 * np.pi) + np.log(v) + r ** 2 / v), v, s2 * (1 - alpha - beta) + alpha * r[-1] ** 2 + beta * v[-1]


def test_garch_fit_matches_scipy_maximising_the_same_likelihood(eu_returns):
    """GARCH(1,1) (Bollerslev 1986) fitted by rtrisk's Nelder-Mead against scipy's SLSQP (with
    the constraint alpha + beta < 1) on a numpy likelihood: both reach the same maximum; the parameters agree to the flatness of the
    likelihood there (1e-3), the maximum to 1e-7 relative."""
    from scipy import optimize
    r = eu_returns["DAX"].to_numpy()
    g = rtrisk.fit_garch(r)
    ref = optimize.minimize(lambda p: -garch_loglik(r, p[0], p[1])[0] if p[0] + p[1] < 1 else 1e10, x0=[0.05, 0.9], method="SLSQP",
                            bounds=[(0, 1), (0, 1)], constraints=[{"type": "ineq", "fun": lambda p: 0.9999 - p[0] - p[1]}],
                            options={"ftol": 1e-14, "maxiter": 1000})
    assert ref.success, ref.message
    assert g.alpha == pytest.approx(ref.x[0], abs=1e-3) and g.beta == pytest.approx(ref.x[1], abs=1e-3)
    assert g.log_likelihood == pytest.approx(-ref.fun, rel=1e-7)
    assert g.log_likelihood >= -ref.fun - 1e-6 * abs(ref.fun)  # not worse than scipy's optimum
    assert g.log_likelihood == pytest.approx(garch_loglik(r, g.alpha, g.beta)[0], rel=REL)
    assert g.omega == pytest.approx(np.mean(r ** 2) * (1 - g.alpha - g.beta), rel=REL)
    assert 0.8 < g.alpha + g.beta < 1  # equity indices: persistent volatility
    w = pd.Series(equal_weights(eu_returns.shape[1]), index=eu_returns.columns)
    assert rtrisk.fit_garch(eu_returns, w) == rtrisk.fit_garch(eu_returns.to_numpy() @ w.to_numpy())


@pytest.mark.parametrize("c", [0.95, 0.99])
def test_filtered_historical_with_a_garch_filter_rescales_by_the_garch_volatilities(eu_returns, c):
    """Barone-Adesi, Giannopoulos and Vosper (1999): r_t sigma_(T+1) / sigma_t with GARCH(1,1)
    volatilities, every row a scenario."""
    r = eu_returns["CAC"].to_numpy()
    g = rtrisk.fit_garch(r)
    _, v, tomorrow = garch_loglik(r, g.alpha, g.beta)
    var, es = hist_ref(r * np.sqrt(tomorrow / v), c)
    assert rtrisk.var(r, confidence=c, method="filtered_historical", filter="garch") == pytest.approx(var, rel=1e-10)
    assert rtrisk.expected_shortfall(r, confidence=c, method="filtered_historical", filter="garch") == pytest.approx(es, rel=1e-10)
    assert rtrisk.var(r, confidence=c, method="filtered_historical", filter="ewma") == rtrisk.var(r, confidence=c, method="filtered_historical")


def test_options_of_other_methods_are_refused_not_ignored(eu_returns):
    r = eu_returns["DAX"].to_numpy()
    for name, value in (("quantile", "lower"), ("divisor", "sample"), ("paths", 10), ("seed", 7)):
        with pytest.raises(ValueError, match=f"{name}=.* does not apply to method 'ewma'"):
            rtrisk.var(r, method="ewma", **{name: value})
    with pytest.raises(ValueError, match="filter= applies to method 'filtered_historical', not to 'age_weighted'"):
        rtrisk.var(r, method="age_weighted", filter="garch")
    with pytest.raises(ValueError, match="filter= applies"):
        rtrisk.expected_shortfall(r, method="historical", filter="ewma")
    with pytest.raises(ValueError, match="unknown filter 'arch'"):
        rtrisk.var(r, method="filtered_historical", filter="arch")
    with pytest.raises(ValueError, match="GARCH.*at least 30 returns, got 10"):
        rtrisk.fit_garch(r[:10])
    with pytest.raises(ValueError, match="one portfolio"):
        rtrisk.fit_garch(eu_returns, np.eye(eu_returns.shape[1]))


def test_incremental_state_weighting_methods_and_day_roll(eu_returns):
    """The live state's weighted VaR/ES equal the functions on its P&L oldest first; a day roll
    swaps the oldest row for the new day and equals a state built on the rolled window."""
    cols = list(eu_returns.columns)
    R = eu_returns.to_numpy()[:500]
    book = rtrisk.Portfolio()
    for k, s in enumerate(cols):
        book.add(rtrisk.Position(s, 100.0 * (k + 1), 1000.0, 1000.0))
    st = rtrisk.IncrementalState(book, R)
    st.apply_tick("DAX", 1100.0)
    x = np.array([100.0 * (k + 1) * (1100.0 if s == "DAX" else 1000.0) for k, s in enumerate(cols)])
    for method in rtrisk.WEIGHTED_METHODS:
        v, e = st.weighted_tail(method, 0.99, 0.975, decay=0.97)
        assert v == pytest.approx(rtrisk.var(R @ x, confidence=0.99, method=method, decay=0.97), rel=1e-10)
        assert e == pytest.approx(rtrisk.expected_shortfall(R @ x, confidence=0.975, method=method, decay=0.97), rel=1e-10)
    new_days = eu_returns.to_numpy()[500:560]
    for day in new_days:
        st.roll_day(day)
    window = np.vstack([R[60:], new_days])
    np.testing.assert_allclose(st.chronological_pnl, window @ x, rtol=1e-12)
    for method in rtrisk.WEIGHTED_METHODS:
        assert st.weighted_tail(method)[0] == pytest.approx(rtrisk.var(window @ x, confidence=0.99, method=method), rel=1e-10)
    assert st.var(0.99) == pytest.approx(rtrisk.var(window @ x, confidence=0.99), rel=1e-12)
    with pytest.raises(ValueError, match="day's returns"):
        st.roll_day(new_days[0][:2])
    with pytest.raises(ValueError, match="unknown scenario-weighting method 'plain'"):
        st.weighted_tail("plain")


def test_weighted_component_var_and_es_sum_to_the_figures_and_follow_the_formulas(eu_returns):
    """Components under the weighting methods (docs/conventions.md): EWMA is Euler on the normal
    figure with the RiskMetrics covariance (numpy: Sigma x from the recursion over r r'), the
    age-weighted VaR's is the positions' P&L in the VaR scenario; each sums to var()/ES()."""
    w = pd.Series([0.4, 0.3, 0.2, 0.1], index=eu_returns.columns)
    R, x = eu_returns.to_numpy(), w.to_numpy()
    for method in rtrisk.WEIGHTED_METHODS:
        for c in (0.95, 0.99):
            cv = rtrisk.component_var(eu_returns, w, c, method, decay=0.97, value=1e6)
            assert list(cv.index) == list(eu_returns.columns)
            assert cv.sum() == pytest.approx(rtrisk.var(eu_returns, w, c, method, decay=0.97, value=1e6), rel=1e-10)
            ce = rtrisk.component_es(eu_returns, w, c, method, decay=0.97)
            assert ce.sum() == pytest.approx(rtrisk.expected_shortfall(eu_returns, w, c, method, decay=0.97), rel=1e-10)
    # EWMA: Sigma by the RiskMetrics recursion on r r' (seeded with the first 30 rows' mean of r r')
    lam = 0.94
    cov = R[:SEED].T @ R[:SEED] / SEED
    for r in R[SEED:]:
        cov = lam * cov + (1 - lam) * np.outer(r, r)
    sigma = np.sqrt(x @ cov @ x)
    z = stats.norm.ppf(0.01)
    np.testing.assert_allclose(rtrisk.component_var(R, x, 0.99, "ewma"), -z * x * (cov @ x) / sigma, rtol=1e-10)
    # age-weighted VaR: the scenario at the weighted quantile
    pnl = R @ x
    var, _ = age_ref(pnl, 0.99, 0.98)
    k = int(np.flatnonzero(pnl == -var)[0])
    np.testing.assert_allclose(rtrisk.component_var(R, x, 0.99, "age_weighted", decay=0.98), -x * R[k], rtol=1e-12)
    with pytest.raises(ValueError, match="marginal_var is not offered for the weighting method 'ewma'"):
        rtrisk.marginal_var(R, x, method="ewma")
    with pytest.raises(ValueError, match="decay= applies to the methods"):
        rtrisk.component_var(R, x, method="historical", decay=0.9)
    assert rtrisk.component_var(R, x, 0.99, "filtered_historical", filter="garch").sum() == pytest.approx(
        rtrisk.var(R, x, 0.99, "filtered_historical", filter="garch"), rel=1e-10)


def test_ewma_volatility_and_covariance_by_the_riskmetrics_recursion(eu_returns):
    """RiskMetrics (Technical Document 1996, 5.2.1): the variance and covariance recursions written
    out in numpy; x' Sigma x is the EWMA variance of the portfolio's P&L; pandas' ewm(alpha=1 -
    decay, adjust=False) on r^2 runs the same recursion once seeded alike."""
    r = eu_returns["FTSE"].to_numpy()
    v = ewma_forecasts(r, 0.97)
    np.testing.assert_allclose(rtrisk.ewma_variances(r, 0.97), v, rtol=REL)
    assert rtrisk.ewma_volatility(r, decay=0.97) == pytest.approx(np.sqrt(v[-1]), rel=REL)
    seeded = pd.Series(np.concatenate([[v[0]], r[SEED:] ** 2]))
    assert seeded.ewm(alpha=0.03, adjust=False).mean().iloc[-1] == pytest.approx(v[-1], rel=1e-12)  # pandas as a peer
    cov = rtrisk.ewma_covariance(eu_returns)
    R = eu_returns.to_numpy()
    ref = R[:SEED].T @ R[:SEED] / SEED
    for row in R[SEED:]:
        ref = 0.94 * ref + 0.06 * np.outer(row, row)
    assert list(cov.index) == list(eu_returns.columns) == list(cov.columns)
    np.testing.assert_allclose(cov.to_numpy(), ref, rtol=1e-12)
    w = pd.Series([0.4, 0.3, 0.2, 0.1], index=eu_returns.columns)
    assert rtrisk.ewma_volatility(eu_returns, w) == pytest.approx(np.sqrt(w.to_numpy() @ ref @ w.to_numpy()), rel=1e-12)
    assert isinstance(rtrisk.ewma_covariance(R), np.ndarray)
    with pytest.raises(ValueError, match="decay"):
        rtrisk.ewma_volatility(r, decay=1.0)
    with pytest.raises(ValueError, match="2-D"):
        rtrisk.ewma_covariance(r)


def test_garch_filter_refuses_decay_and_accepts_its_long_name(eu_returns):
    r = eu_returns["DAX"].to_numpy()
    with pytest.raises(ValueError, match="decay= does not apply to filter='garch'"):
        rtrisk.var(r, method="filtered_historical", filter="garch", decay=0.97)
    assert rtrisk.var(r, method="filtered_historical", filter="garch11") == rtrisk.var(r, method="filtered_historical", filter="garch")
    s = rtrisk.stressed_var(r, window=300)
    assert s.window == 300 and s.last - s.first + 1 == 300


def test_incremental_state_var_takes_a_weighting_method(eu_returns):
    book = rtrisk.Portfolio()
    for s in eu_returns.columns:
        book.add(rtrisk.Position(s, 100.0, 1000.0, 1000.0))
    st = rtrisk.IncrementalState(book, eu_returns.to_numpy())
    pnl = eu_returns.to_numpy() @ np.full(4, 1e5)
    assert st.var(0.99, method="ewma", decay=0.97) == pytest.approx(rtrisk.var(pnl, confidence=0.99, method="ewma", decay=0.97), rel=1e-12)
    assert st.expected_shortfall(0.975, method="age_weighted", decay=0.99) == pytest.approx(
        rtrisk.expected_shortfall(pnl, confidence=0.975, method="age_weighted", decay=0.99), rel=1e-12)
    assert st.var(0.99) == pytest.approx(rtrisk.var(pnl, confidence=0.99), rel=1e-12)


def test_incremental_state_with_float32_scenarios(eu_returns):
    """scenario_dtype="float32": the scenarios stored in float32, every sum in double (docs/conventions.md):
    the figures stay within float rounding of the float64 state (measured 6.4e-8 on this data) and equal
    the float64 state built on the rounded returns."""
    R = eu_returns.to_numpy()
    book = rtrisk.Portfolio()
    for k, s in enumerate(eu_returns.columns):
        book.add(rtrisk.Position(s, 100.0 * (k + 1), 1000.0, 1000.0))
    wide = rtrisk.IncrementalState(book, R)
    narrow = rtrisk.IncrementalState(book, R, scenario_dtype="float32")
    rounded = rtrisk.IncrementalState(book, R.astype(np.float32).astype(np.float64))
    assert (wide.scenario_dtype, narrow.scenario_dtype) == ("float64", "float32")
    for st in (wide, narrow, rounded):
        st.apply_tick("SMI", 1050.0)
        st.apply_trade("CAC", 10.0, 990.0)
    np.testing.assert_allclose(narrow.pnl, rounded.pnl, rtol=1e-12)
    assert narrow.var(0.99) == pytest.approx(wide.var(0.99), rel=1e-6)
    assert narrow.expected_shortfall(0.975, method="ewma") == pytest.approx(wide.expected_shortfall(0.975, method="ewma"), rel=1e-6)
    with pytest.raises(ValueError, match="scenario_dtype 'float16' must be 'float64' or 'float32'"):
        rtrisk.IncrementalState(book, R, scenario_dtype="float16")


def test_pnl_view_stays_valid_across_a_reanchor_and_float32_input_is_taken_as_is(eu_returns):
    """The read-only pnl view points into the state: a re-anchor (explicit or every k updates)
    recomputes the P&L in the same buffer, so a view taken before reads the new values."""
    R = eu_returns.to_numpy()
    book = rtrisk.Portfolio()
    for s in eu_returns.columns:
        book.add(rtrisk.Position(s, 10.0, 1000.0, 1000.0))
    for dtype, scenarios in (("float64", R), ("float32", R), ("float32", R.astype(np.float32)),
                             ("float32", np.asfortranarray(R.astype(np.float32)))):
        st = rtrisk.IncrementalState(book, scenarios, scenario_dtype=dtype)
        view = st.pnl
        st.apply_tick("DAX", 1100.0)
        st.reanchor()
        st.set_reanchor_interval(1)
        st.apply_tick("SMI", 900.0)  # re-anchors again
        x = np.array([10.0 * 1100, 10.0 * 900, 10.0 * 1000, 10.0 * 1000])
        np.testing.assert_allclose(view, R @ x, rtol=0, atol=1e-6 * np.abs(R @ x).max())  # float32: each return within 6e-8
        np.testing.assert_array_equal(view, st.pnl)


def test_float32_returns_refuse_the_weighting_options_like_float64():
    R32 = np.random.default_rng(2).normal(0, 0.01, (300, 3)).astype(np.float32)
    w = np.ones(3)
    with pytest.raises(ValueError, match="decay= applies to"):
        rtrisk.var(R32, w, 0.99, "historical", decay=0.97)
    with pytest.raises(ValueError, match="filter= applies to"):
        rtrisk.expected_shortfall(R32, w, 0.975, "historical", filter="garch")
    with pytest.raises(TypeError):
        rtrisk.var(R32, range(3), 0.99)  # as with float64 returns: weights must be an array or a Series
    assert rtrisk.var(R32, w, 0.99, "ewma") == pytest.approx(rtrisk.var(R32.astype(np.float64), w, 0.99, "ewma"), rel=1e-12)
