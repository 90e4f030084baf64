"""rtrisk.var / expected_shortfall against numpy and scipy on the real data, and closed forms."""
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import rtrisk
from conftest import BUILD, DATA, equal_weights

REL = 1e-12  # both sides evaluate the same formula in double precision


def hist_ref(r, c):
    q = np.percentile(r, 100 * (1 - c))  # linear interpolation = rtrisk's default
    return -q, -r[r <= q].mean()


@pytest.mark.parametrize("dataset", ["eu_returns", "edhec"])
@pytest.mark.parametrize("c", [0.95, 0.99])
def test_historical_matches_numpy_percentile_on_real_data(request, dataset, c):
    df = request.getfixturevalue(dataset)
    series = {col: df[col].to_numpy() for col in df.columns}
    series["equal_weight"] = df.to_numpy() @ equal_weights(df.shape[1])
    for name, r in series.items():
        v, e = hist_ref(r, c)
        assert rtrisk.var(r, confidence=c) == pytest.approx(v, rel=REL), name
        assert rtrisk.expected_shortfall(r, confidence=c) == pytest.approx(e, rel=REL), name
    w = pd.Series(equal_weights(df.shape[1]), index=df.columns)
    assert rtrisk.var(df, w, confidence=c) == pytest.approx(hist_ref(series["equal_weight"], c)[0], rel=REL)


def test_gaussian_and_cornish_fisher_match_scipy(eu_returns):
    r = eu_returns["DAX"].to_numpy()
    mu, sd = r.mean(), r.std(ddof=0)
    s, k = stats.skew(r, bias=True), stats.kurtosis(r, fisher=True, bias=True)  # population, as the core
    for c in (0.95, 0.99):
        z = stats.norm.ppf(1 - c)
        assert rtrisk.var(r, confidence=c, method="gaussian") == pytest.approx(-(mu + sd * z), rel=1e-12)
        assert rtrisk.expected_shortfall(r, confidence=c, method="gaussian") == pytest.approx(
            -mu + sd * stats.norm.pdf(z) / (1 - c), rel=1e-12)
        zcf = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
        assert rtrisk.var(r, confidence=c, method="cornish_fisher") == pytest.approx(-(mu + sd * zcf), rel=1e-12)
    assert rtrisk.var(r, method="gaussian", divisor="sample") == pytest.approx(
        -(mu + r.std(ddof=1) * stats.norm.ppf(0.01)), rel=1e-12)


def test_monte_carlo_is_seeded_and_converges_to_gaussian(eu_returns):
    w = equal_weights(4)
    a = rtrisk.var(eu_returns, w, method="monte_carlo", paths=200_000, seed=7)
    assert a == rtrisk.var(eu_returns, w, method="monte_carlo", paths=200_000, seed=7)
    assert a != rtrisk.var(eu_returns, w, method="monte_carlo", paths=200_000, seed=8)
    g = rtrisk.var(eu_returns, w, method="gaussian")
    # Quantile standard error at 1 %, n = 2e5: 0.0155 sd = 0.67 % of the VaR; 5 SE = 3.4 %.
    assert a == pytest.approx(g, rel=0.034)


def test_value_horizon_and_layouts(eu_returns):
    w = equal_weights(4)
    base = rtrisk.var(eu_returns, w)
    assert rtrisk.var(eu_returns, w, value=1e6) == pytest.approx(base * 1e6, rel=1e-15)
    assert rtrisk.var(eu_returns, w, horizon_days=10) == pytest.approx(base * np.sqrt(10), rel=1e-15)
    R = eu_returns.to_numpy()
    for layout in (np.ascontiguousarray(R), np.asfortranarray(R), R.astype(np.float32), R[:, ::1].copy(order="F")):
        assert rtrisk.var(layout, w) == pytest.approx(base, rel=1e-6 if layout.dtype == np.float32 else 1e-15)
    # Series weights are aligned by symbol, whatever their order.
    ws = pd.Series({"FTSE": 0.1, "CAC": 0.2, "SMI": 0.3, "DAX": 0.4})
    assert rtrisk.var(eu_returns, ws) == pytest.approx(rtrisk.var(R, np.array([0.4, 0.3, 0.2, 0.1])), rel=1e-15)


QUANTILE_METHODS = ["nearest", "lower", "higher", "midpoint", "inverted_cdf", "linear", "hazen", "weibull",
                    "median_unbiased", "normal_unbiased", "interpolated_inverted_cdf"]


def test_every_quantile_definition_matches_numpy_over_a_sweep_of_sizes_and_confidences():
    """var(x, c, quantile=m) == -numpy.quantile(x, 1 - c, method=m) with 1 - c the decimal tail
    probability (0.01 for 0.99), as a user writes it. rtrisk receives c and forms 1 - c in binary
    (1 - 0.99 = 0.010000000000000009), so half-way positions such as 250 * 0.01 = 2.5 (n = 251)
    are where "nearest" used to pick the other neighbour. Discontinuous definitions must agree
    exactly; the continuous ones to 1e-12 (the same formula, rounded differently)."""
    from decimal import Decimal
    rng = np.random.default_rng(7)
    confidences = [0.5, 0.75, 0.8, 0.9, 0.95, 0.96, 0.975, 0.98, 0.99, 0.995, 0.998, 0.999]
    ties = 0
    for n in [*range(2, 260), 500, 1000, 1001, 2001, 4097]:
        x = rng.permutation(n) * 0.001 - 0.1  # distinct values, so the order statistic is identifiable
        for c in confidences:
            if n < round(1 / (1 - c)):
                continue  # fewer scenarios than the tail needs: rejected (test_bad_input)
            tail = float(Decimal(1) - Decimal(repr(c)))
            ties += ((n - 1) * Decimal(1 - Decimal(repr(c)))) % 1 == Decimal("0.5")
            for m in QUANTILE_METHODS:
                expected = -np.quantile(x, tail, method=m)
                got = rtrisk.var(x, confidence=c, quantile=m)
                if m in ("nearest", "lower", "higher", "midpoint", "inverted_cdf"):
                    assert got == expected, (n, c, m)
                else:
                    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), (n, c, m)
    assert ties > 100  # the sweep exercises half-way positions


def test_discontinuous_definitions_decide_on_the_exact_position_also_near_a_tie():
    """Confidences a hair from a tie (15 significant digits) are not ties: the exact decimal
    position (n - 1)(1 - c), in exact arithmetic (fractions), decides the neighbour, as numpy
    does on the decimal tail probability. Rounding 1 - c must not snap them onto the tie."""
    from fractions import Fraction
    rng = np.random.default_rng(11)
    cases = [(251, "0.989999999999999"), (251, "0.990000000000001"), (101, "0.989999999999999"),
             (1000001, "0.997499499999999"), (2001, "0.9974999999999")]
    for _ in range(300):  # random 15-digit confidences near ties k + 1/2 of (n - 1)(1 - c)
        n = int(rng.integers(100, 5000))
        k = int(rng.integers(0, max(1, (n - 1) // 100)))
        tie = Fraction(2 * k + 1, 2 * (n - 1))
        tail = Fraction(round(tie * 10**15) + int(rng.integers(-9, 10)), 10**15)  # on the 15-digit grid
        # A decimal within the binary spacing of c (1.1e-16) of a tie is the tie as far as a double
        # can tell (docs/conventions.md); the decimals a user types are 1e-15 apart.
        if 0 < tail < Fraction(1, 2) and n * tail >= 1 and abs(tail - tie) > Fraction(2, 10**16):
            cases.append((n, f"{float(1 - tail):.15f}"))
    for n, text in cases:
        c = float(text)
        pos = (n - 1) * (1 - Fraction(text))  # exact
        floor = pos.numerator // pos.denominator
        frac = pos - floor
        nearest = floor + 1 if frac > Fraction(1, 2) or (frac == Fraction(1, 2) and floor % 2 == 1) else floor
        higher = floor if frac == 0 else floor + 1
        x = np.arange(float(n))
        assert rtrisk.var(x, confidence=c, quantile="nearest") == -nearest, (n, text)
        assert rtrisk.var(x, confidence=c, quantile="lower") == -floor, (n, text)
        assert rtrisk.var(x, confidence=c, quantile="higher") == -higher, (n, text)


def test_nearest_on_the_example_of_the_issue():
    """x = 0..250 at 0.99: (n - 1)(1 - c) = 2.5 exactly, numpy rounds halves to even -> x(2)."""
    x = np.arange(251.0)
    assert np.quantile(x, 0.01, method="nearest") == 2.0
    assert rtrisk.var(x, confidence=0.99, quantile="nearest") == -2.0
    assert rtrisk.expected_shortfall(x, confidence=0.99, quantile="nearest") == -np.mean([0.0, 1.0, 2.0])
    w = np.array([1.0])
    assert rtrisk.component_var(x[:, None], w, 0.99, quantile="nearest")[0] == -2.0


def test_huge_returns_give_finite_figures_for_every_method():
    """Returns of order 1e200 (variance 1e400, 4th moment 1e800 overflow unscaled): the figures
    are 1e200 times those of the same returns at order 1 (the core scales its sums by a power
    of two; 1e-12 covers the inexact scaling by 1e200 itself)."""
    r = np.random.default_rng(5).standard_t(4, (400, 3)) * 0.01
    w = np.array([0.5, 0.3, 0.2])
    for m in rtrisk.METHODS:
        for f in (rtrisk.var, rtrisk.expected_shortfall):
            series = f((r * 1e200) @ w, None, 0.99, m, paths=5000)
            assert np.isfinite(series)
            assert series == pytest.approx(1e200 * f(r @ w, None, 0.99, m, paths=5000), rel=1e-12), (m, f.__name__)
            if m != "monte_carlo":  # a portfolio's Monte Carlo needs the covariance (1e400): ValueError below
                assert f(r * 1e200, w, 0.99, m) == pytest.approx(1e200 * f(r, w, 0.99, m), rel=1e-12), (m, f.__name__)
    c = rtrisk.component_var(r * 1e200, w, method="gaussian")
    assert np.all(np.isfinite(c)) and c.sum() == pytest.approx(rtrisk.var(r * 1e200, w, method="gaussian"), rel=1e-12)


@pytest.mark.parametrize("call,fragment", [
    (lambda r, w: rtrisk.var(r, w, value=float("nan")), "value nan is not finite"),
    (lambda r, w: rtrisk.var(r, w, value=float("inf")), "value inf is not finite"),
    (lambda r, w: rtrisk.expected_shortfall(r, w, value=-np.inf), "value -inf is not finite"),
    (lambda r, w: rtrisk.component_var(r, w, value=np.float64("nan")), "value nan is not finite"),
    (lambda r, w: rtrisk.var(r * 1e5, w, value=1e306), "VaR x value overflows"),
    (lambda r, w: rtrisk.component_es(r * 1e5, w, value=1e306), "component_es x value overflows"),
    (lambda r, w: rtrisk.var(r * 1e200, w, method="monte_carlo", paths=1000), "the covariance of the scenarios overflows: returns up to"),
    (lambda r, w: rtrisk.var(np.array([1.7e308, -1.7e308]), method="gaussian", divisor="sample"),
     "the standard deviation of returns overflows: values up to 1.7e+308 (index 0)"),
    (lambda r, w: rtrisk.var(np.array([1.7e308, -1.7e308] * 100), method="gaussian"), "VaR overflows (inf): the P&L reaches 1.7e+308"),
    (lambda r, w: rtrisk.var(np.r_[r[:, 0], np.full(10, -1.5e308)], horizon_days=10),
     "VaR overflows (inf): the P&L reaches 1.5e+308 at index 400"),
    (lambda r, w: rtrisk.expected_shortfall(np.r_[r[:, 0], np.full(10, -1.5e308)], horizon_days=10),
     "ES overflows (inf): the P&L reaches 1.5e+308 at index 400"),
    (lambda r, w: rtrisk.var(np.c_[r[:, :2], np.full(400, 1e300)], np.array([0.5, 0.5, 1e10])), "portfolio P&L overflows (inf) in scenario 0"),
])
def test_results_are_finite_or_a_value_error_naming_the_value(call, fragment):
    r = np.random.default_rng(5).standard_t(4, (400, 3)) * 0.01
    with pytest.raises(ValueError) as info:
        call(r, np.array([0.5, 0.3, 0.2]))
    assert fragment in str(info.value)


@pytest.mark.parametrize("call", [
    lambda r, w, p: rtrisk.var(r, w, method="monte_carlo", paths=p),
    lambda r, w, p: rtrisk.expected_shortfall(r, w, method="monte_carlo", paths=p),
    lambda r, w, p: rtrisk.var(r, np.column_stack([w, w]), method="monte_carlo", paths=p),
    lambda r, w, p: rtrisk.var(r @ w, method="monte_carlo", paths=p),
    lambda r, w, p: rtrisk.component_var(r, w, method="monte_carlo", paths=p),
    lambda r, w, p: rtrisk.component_es(r, w, method="monte_carlo", paths=p),
    lambda r, w, p: rtrisk.incremental_var(r, w, method="monte_carlo", paths=p),
])
def test_paths_beyond_memory_are_refused_up_front_with_the_estimate(call):
    """Used to be MemoryError: std::bad_alloc (or a std::vector length message) after the work began."""
    r = np.random.default_rng(1).normal(0, 0.01, (300, 3))
    with pytest.raises(ValueError, match=r"monte_carlo paths 1000000000000000 need [0-9.e+]+ GB of working memory "
                                         r"\(\d+ bytes per path: .*\), more than the [0-9.e+]+ GB of physical memory; "
                                         r"at most \d+ paths fit"):
        call(r, np.array([0.5, 0.3, 0.2]), 10**15)
    with pytest.raises(ValueError, match=r"monte_carlo paths 18446744073709551621 is not in \[0, 2\^64\)"):
        call(r, np.array([0.5, 0.3, 0.2]), 2**64 + 5)


@pytest.mark.parametrize("method", ["historical", "gaussian", "cornish_fisher", "monte_carlo"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_many_portfolios_in_one_call_equal_one_call_each(edhec, method, order):
    """weights N x P: each portfolio's VaR and ES as if asked alone (monte_carlo: the same seed,
    so the same simulated paths), from returns in either memory order."""
    R = np.asarray(edhec.to_numpy(), order=order)
    rng = np.random.default_rng(3)
    W = rng.normal(size=(R.shape[1], 9))
    kw = dict(method=method, paths=20_000) if method == "monte_carlo" else dict(method=method)
    many_var, many_es = rtrisk.var(R, W, 0.99, **kw), rtrisk.expected_shortfall(R, W, 0.975, **kw)
    assert isinstance(many_var, np.ndarray) and many_var.shape == (9,)
    for p in range(W.shape[1]):
        assert many_var[p] == pytest.approx(rtrisk.var(R, W[:, p], 0.99, **kw), rel=REL)
        assert many_es[p] == pytest.approx(rtrisk.expected_shortfall(R, W[:, p], 0.975, **kw), rel=REL)
    if method == "historical":  # and against numpy (linear interpolation)
        pnl = R @ W
        for p in range(W.shape[1]):
            v, e = hist_ref(pnl[:, p], 0.99)
            assert many_var[p] == pytest.approx(v, rel=1e-10)
    assert np.allclose(rtrisk.var(R, W, 0.99, value=1e6, **kw), many_var * 1e6, rtol=1e-15)


def test_many_portfolios_from_a_dataframe_are_named_by_its_columns(edhec):
    W = pd.DataFrame({"equal": equal_weights(edhec.shape[1]), "first": np.eye(edhec.shape[1])[0]}, index=edhec.columns)
    shuffled = W.iloc[::-1]  # aligned by symbol, not by position
    out = rtrisk.var(edhec, shuffled, 0.99)
    assert isinstance(out, pd.Series) and list(out.index) == ["equal", "first"]
    assert out["equal"] == pytest.approx(rtrisk.var(edhec, W["equal"], 0.99), rel=REL)
    assert out["first"] == pytest.approx(rtrisk.var(edhec[edhec.columns[0]], confidence=0.99), rel=REL)


def test_many_portfolios_refuse_bad_weights_naming_them(edhec):
    R = edhec.to_numpy()
    n = R.shape[1]
    with pytest.raises(ValueError, match=f"weights has {n - 1} rows but returns has {n} columns"):
        rtrisk.var(R, np.ones((n - 1, 3)))
    with pytest.raises(ValueError, match="no portfolio"):
        rtrisk.var(R, np.ones((n, 0)))
    with pytest.raises(ValueError, match="got shape"):
        rtrisk.var(R, np.ones((n, 2, 2)))
    with pytest.raises(ValueError, match="nan at row 0, column 0"):
        rtrisk.var(R, np.full((n, 2), np.nan))
    with pytest.raises(TypeError, match="weights"):
        rtrisk.var(R, np.full((n, 2), "a"))
    with pytest.raises(ValueError, match="one portfolio"):
        rtrisk.component_var(R, np.ones((n, 2)))
    W = pd.DataFrame(np.ones((n, 2)), index=edhec.columns, columns=["a", "b"]).drop(edhec.columns[0])
    with pytest.raises(ValueError, match="lack symbols"):
        rtrisk.var(edhec, W)


def test_float32_returns_are_read_in_place_with_sums_in_double(eu_returns):
    """A float32 returns array (C or Fortran order) with one portfolio's weights: no float64 copy
    of the matrix (tracemalloc sees numpy's allocations), every sum in double: the figures equal
    the float64 call on the same rounded returns to 1e-12 and the float64 data to 1e-6 (float
    rounding of each return, 6e-8)."""
    import tracemalloc
    gen = np.random.default_rng(3)
    R64 = gen.normal(0, 0.01, (2500, 400))
    w = gen.uniform(-1, 1, 400)
    for order in ("C", "F"):
        R32 = np.asarray(R64, dtype=np.float32, order=order)
        rounded = R32.astype(np.float64)
        for method in ("historical", "gaussian", "cornish_fisher"):
            v = rtrisk.var(R32, w, 0.99, method)
            assert v == pytest.approx(rtrisk.var(rounded, w, 0.99, method), rel=1e-12)
            assert v == pytest.approx(rtrisk.var(R64, w, 0.99, method), rel=1e-6)
            assert rtrisk.expected_shortfall(R32, w, 0.975, method) == pytest.approx(rtrisk.expected_shortfall(rounded, w, 0.975, method), rel=1e-12)
        tracemalloc.start()
        rtrisk.var(R32, w, 0.99)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < R32.nbytes / 4, peak  # no copy of the 4 MB matrix
    R32 = R64.astype(np.float32)
    assert rtrisk.var(R32, w, 0.99, value=1e6) == pytest.approx(1e6 * rtrisk.var(R32, w, 0.99), rel=1e-15)
    R32[7, 3] = np.nan
    with pytest.raises(ValueError, match="scenarios"):
        rtrisk.var(R32, w, 0.99)
    with pytest.raises(ValueError, match="columns"):
        rtrisk.var(R64.astype(np.float32), w[:10], 0.99)
